"""Service level measures (DOMAIN.md 10): each measure's numerator, denominator and the cases
behind it on small hand-made data – met and not met, the month's first and last day and a
day either side, another CRC's case not counted – then recording a month: idempotent, the
contract's target (exactly at the target is met), NPS divisions, and a number of queries
that does not grow with the cases."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from contracts import service_levels
from contracts.models import ServiceLevelCase, ServiceLevelResult
from contracts.service_levels import MEASURES, record_month
from probation.calendar import add_business_days, is_business_day
from probation.contacts import first_appointment_due
from probation.models import Termination
from resettlement.models import CustodyEpisode, ResettlementPlan, Screening
from tests.contracts.factories import contract_of, service_level_of
from tests.enforcement.factories import decided_failure
from tests.probation.factories import contact_of, org, person_of, sentence_of, staff
from tests.resettlement.factories import prison

D = datetime.date
MARCH = D(2016, 3, 1)
pytestmark = pytest.mark.django_db


def at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def measured(code: str, organisation: str = "CRC11", month: datetime.date = MARCH):
    """Record the month for the organisation; the measure's (numerator, denominator) and its
    cases as {reference: met}."""
    results = {r.code: r for r in record_month(org(organisation), month)}
    result = results[code]
    cases = dict(ServiceLevelCase.objects.filter(result=result).values_list("reference", "met"))
    return (result.numerator, result.denominator), cases


def officer():
    from probation.models import User

    return User.objects.filter(username="sl-officer").first() or staff(
        "CRC_OFFENDER_MANAGER", "CRC11", username="sl-officer"
    )


# --- First appointment (public protection) -------------------------------------------------------


def order(provider="CRC11", *, on, seen=None, sentence_type="COMMUNITY_ORDER", **fields):
    """A sentence starting ``on`` with, if ``seen``, an attended appointment then."""
    person = person_of(provider, **fields.pop("person", {}))
    if sentence_type == "CUSTODIAL":
        fields.setdefault("licence_start_date", on)
        fields.setdefault("licence_end_date", on + datetime.timedelta(days=200))
        sentence = sentence_of(
            person,
            "CUSTODIAL",
            sentence_date=on - datetime.timedelta(days=300),
            offence_date=on - datetime.timedelta(days=400),
            actual_release_date=on,
            **fields,
        )
    else:
        sentence = sentence_of(
            person,
            sentence_type,
            sentence_date=on,
            offence_date=on - datetime.timedelta(days=30),
            **fields,
        )
    if seen is not None:
        when = seen if isinstance(seen, datetime.datetime) else at(seen)
        contact_of(person, officer(), starts_at=when, outcome="ATTENDED_COMPLIED")
    return sentence


def test_first_appointment_within_five_business_days_of_the_start():
    # 1 March 2016 is a Tuesday: due Tuesday 8 March.
    first_day = order(on=D(2016, 3, 1), seen=D(2016, 3, 8))
    # Monday 21 March: Good Friday (25th) and Easter Monday (28th) put it due on the 30th.
    late = order(on=D(2016, 3, 21), seen=D(2016, 3, 31))
    # Seen at 23:30 on the 30th, local time (22:30 UTC, British Summer Time): on time.
    late_evening = order(on=D(2016, 3, 21), seen=at(D(2016, 3, 30), 23, 30))
    # Released onto licence on the last day of the month: due 7 April.
    released = order(on=D(2016, 3, 31), seen=D(2016, 4, 7), sentence_type="CUSTODIAL")
    never_seen = order(on=D(2016, 3, 10))
    # An appointment before the start does not count, nor does an unacceptable absence.
    before = order(on=D(2016, 3, 15), seen=D(2016, 3, 14))
    contact_of(
        before.person, officer(), starts_at=at(D(2016, 3, 16)), outcome="UNACCEPTABLE_ABSENCE"
    )
    # Not in the month, not this CRC's, not managed, released with no supervision.
    order(on=D(2016, 2, 29), seen=D(2016, 3, 1))
    order(on=D(2016, 4, 1), seen=D(2016, 4, 1))
    order("CRC20", on=D(2016, 3, 2), seen=D(2016, 3, 2), person={"ldu_crc": "CRC20"})
    order(on=D(2016, 3, 2), management="EM_ONLY")
    order(
        on=D(2016, 3, 2),
        sentence_type="CUSTODIAL",
        licence_start_date=None,
        licence_end_date=None,
        management="MANAGED",
    )
    figure, cases = measured("FIRST_APPOINTMENT")
    assert figure == (3, 6)
    assert cases == {
        first_day.reference: True,
        late.reference: False,
        late_evening.reference: True,
        released.reference: True,
        never_seen.reference: False,
        before.reference: False,
    }
    detail = ServiceLevelCase.objects.get(reference=late.reference).detail
    assert detail == "Started 2016-03-21, due by 2016-03-30, first seen 2016-03-31"
    assert (
        "first seen not yet" in ServiceLevelCase.objects.get(reference=never_seen.reference).detail
    )


@given(day=st.dates(D(2015, 2, 1), D(2030, 12, 31)))
@hypothesis_settings(max_examples=200, deadline=None)
def test_the_first_appointment_due_date_is_the_one_the_case_pages_give(day):
    """The measure's due date of each start day is probation.contacts' own."""
    first = day.replace(day=1)
    after = service_levels._bounds(first)[1]
    due = service_levels.first_appointment_due_dates(first, after)
    sentence = type("S", (), {"sentence_type": "COMMUNITY_ORDER", "sentence_date": day})
    assert due[day] == first_appointment_due(sentence) == add_business_days(day, 5)
    assert is_business_day(due[day]) and due[day] > day
    assert len(due) == (after - first).days


# --- Orders and licences completed (sentence delivery) -----------------------------------------


def terminated(on, reason, provider="CRC11", sentence_type="COMMUNITY_ORDER", **fields):
    person = person_of(provider, ldu_crc=fields.pop("ldu_crc", None))
    sentence = sentence_of(person, sentence_type, status="TERMINATED", **fields)
    Termination.objects.create(
        sentence=sentence, terminated_on=on, reason=reason, recorded_by=officer()
    )
    return sentence


def test_orders_and_licences_completed_or_expired_of_those_terminated_in_the_month():
    completed = terminated(D(2016, 3, 1), "COMPLETED")
    expired = terminated(D(2016, 3, 31), "EXPIRED", sentence_type="CUSTODIAL")
    revoked = terminated(
        D(2016, 3, 15), "BREACH_RESENTENCED", sentence_type="SUSPENDED_SENTENCE_ORDER"
    )
    terminated(D(2016, 2, 29), "COMPLETED")
    terminated(D(2016, 4, 1), "REVOKED")
    terminated(D(2016, 3, 10), "COMPLETED", provider="CRC20", ldu_crc="CRC20")
    terminated(
        D(2016, 3, 10),
        "COMPLETED",
        sentence_type="SENIOR_ATTENDANCE_CENTRE",
        management="ATTENDANCE_ONLY",
    )
    figure, cases = measured("ORDERS_COMPLETED")
    assert figure == (2, 3)
    assert cases == {completed.reference: True, expired.reference: True, revoked.reference: False}
    detail = ServiceLevelCase.objects.get(reference=revoked.reference).detail
    assert detail == "Terminated 2016-03-15: Revoked and resentenced after breach"


# --- Breach referrals and recall requests on time (enforcement) --------------------------------


def decision(when, action, within, provider="CRC11", **person_fields):
    _, sentence, failure = decided_failure(
        when, action, within=within, provider=provider, recorded_by=officer(), **person_fields
    )
    return f"{sentence.reference} failure {failure.pk}"


def test_breach_referrals_and_recall_requests_made_within_the_decision_deadline():
    on_time = decision(at(D(2016, 3, 1), 0, 30), "refer", True)
    late = decision(at(D(2016, 3, 31), 23, 30), "request_recall", False)
    decision(at(D(2016, 2, 29), 23, 30), "refer", True)
    decision(at(D(2016, 4, 1), 0, 10), "refer", True)
    decision(at(D(2016, 3, 10)), "warn", True)  # a warning is not a referral
    decision(at(D(2016, 3, 10)), "refer", True, provider="CRC20", ldu_crc="CRC20")
    figure, cases = measured("ENFORCEMENT_REFERRALS_ON_TIME")
    assert figure == (1, 2)
    assert cases == {on_time: True, late: False}
    assert ServiceLevelCase.objects.get(reference=late).detail == (
        "Recall request made 2016-03-31, due by 2016-03-30"
    )


# --- Through the gate: screening, plans and sharing --------------------------------------------


def plan(
    due,
    *,
    writer="CRC11",
    completed=None,
    part2=None,
    share_due=None,
    shared=None,
    state="SHARED",
    released_on=None,
    provider="CRC11",
):
    """A plan written straight to the tables, received a week before it was due."""
    cardiff = prison("CFI", lead="CRC11")
    person = person_of(provider)
    received = due - datetime.timedelta(days=7)
    episode = CustodyEpisode.objects.create(
        person=person,
        status="REMAND",
        received_on=received,
        reception_prison=cardiff,
        prison=cardiff,
        plan_writer=org(writer),
        released_on=released_on,
        release_prison=cardiff if released_on else None,
        release_type="END_OF_REMAND" if released_on else "",
        recorded_by=officer(),
        recorded_at=at(received),
    )
    Screening.objects.create(
        episode=episode,
        person=person,
        part1_completed_at=at(received),
        part2_completed_at=at(part2) if part2 else None,
        part2_organisation=org(writer) if part2 else None,
    )
    made = ResettlementPlan.objects.create(
        person=person,
        state=state,
        step_started_at=at(received),
        opened_at=at(received),
        episode=episode,
        screening_access_by=received + datetime.timedelta(days=3),
        plan_due_by=due,
        writer=org(writer) if completed else None,
        completed_at=at(completed) if completed else None,
        completed_late=(completed > due) if completed else None,
        share_due_by=share_due,
        shared_at=at(shared) if shared else None,
        shared_late=(shared > share_due) if shared else None,
    )
    return f"{person.crn} plan {made.pk}"


def test_plans_and_screening_due_in_the_month_completed_on_time():
    first = plan(D(2016, 3, 1), completed=D(2016, 3, 1), part2=D(2016, 3, 1))
    last = plan(D(2016, 3, 31), completed=D(2016, 4, 1), part2=D(2016, 3, 31))
    open_ = plan(D(2016, 3, 15), state="PLANNING")
    # Released before it was due, never written: nobody could; released after: a miss.
    plan(D(2016, 3, 20), state="CLOSED", released_on=D(2016, 3, 18))
    missed = plan(D(2016, 3, 21), state="CLOSED", released_on=D(2016, 3, 25))
    plan(D(2016, 2, 29), completed=D(2016, 2, 29), part2=D(2016, 2, 29))
    plan(D(2016, 4, 1), completed=D(2016, 4, 1), part2=D(2016, 4, 1))
    plan(D(2016, 3, 10), writer="CRC20", completed=D(2016, 3, 10), part2=D(2016, 3, 10))
    figure, cases = measured("PLAN_WITHIN_5_DAYS")
    assert figure == (1, 4)
    assert cases == {first: True, last: False, open_: False, missed: False}
    screening = ServiceLevelResult.objects.get(code="SCREENING", organisation=org("CRC11"))
    assert (screening.numerator, screening.denominator) == (2, 4)
    assert dict(screening.cases.values_list("reference", "met")) == {
        first: True,
        last: True,
        open_: False,
        missed: False,
    }
    assert screening.cases.get(reference=open_).detail.endswith("completed not yet")


def test_plans_shared_within_one_business_day_of_completion():
    on_time = plan(
        D(2016, 3, 1), completed=D(2016, 3, 1), share_due=D(2016, 3, 2), shared=D(2016, 3, 2)
    )
    late = plan(
        D(2016, 3, 30), completed=D(2016, 3, 30), share_due=D(2016, 3, 31), shared=D(2016, 4, 1)
    )
    unshared = plan(
        D(2016, 3, 9), completed=D(2016, 3, 9), share_due=D(2016, 3, 10), state="TO_SHARE"
    )
    plan(D(2016, 3, 31), completed=D(2016, 3, 31), share_due=D(2016, 4, 1), shared=D(2016, 4, 1))
    plan(D(2016, 2, 28), completed=D(2016, 2, 26), share_due=D(2016, 2, 29), shared=D(2016, 2, 29))
    plan(D(2016, 3, 9), writer="CRC20", completed=D(2016, 3, 9), share_due=D(2016, 3, 10))
    figure, cases = measured("PLAN_SHARED_WITHIN_1_DAY")
    assert figure == (1, 3)
    assert cases == {on_time: True, late: False, unshared: False}


# --- Designated release (resettlement.measures, reused) ------------------------------------------


def test_designated_release_is_the_resettlement_measure_per_crc_and_empty_for_the_nps():
    from tests.resettlement.test_measures import release

    cardiff = prison("CFI", lead="CRC11")
    counted = release(stays=[(cardiff, D(2026, 1, 5))])
    too_short = release(stays=[(cardiff, D(2026, 5, 1))])
    london = prison("PNI", lead="CRC20", ldu_crc="CRC20")
    release(stays=[(london, D(2026, 1, 5))], allocated_to="CRC20")
    figure, cases = measured("DESIGNATED_RELEASE", month=D(2026, 6, 1))
    assert figure == (1, 2)
    assert cases == {
        f"{counted.crn} released 2026-06-15": True,
        f"{too_short.crn} released 2026-06-15": False,
    }
    nps = {r.code: r for r in record_month(org("NPS-WAL"), D(2026, 6, 1))}
    assert (nps["DESIGNATED_RELEASE"].numerator, nps["DESIGNATED_RELEASE"].denominator) == (0, 0)
    assert nps["DESIGNATED_RELEASE"].met is None
    # One CRC's cases, read for that CRC alone (as the run does), are the national measure's
    # cases of that CRC.
    from contracts.service_levels import MEASURES

    measure = MEASURES["DESIGNATED_RELEASE"]
    for code in ("CRC11", "CRC20"):
        national = [r for r in measure.cases(D(2026, 6, 1)) if r["for_provider"] == org(code).pk]
        assert national and measure.cases(D(2026, 6, 1), org(code)) == national


# --- Recording a month ---------------------------------------------------------------------------


def test_every_measure_is_recorded_once_and_a_second_call_writes_nothing():
    terminated(D(2016, 3, 1), "COMPLETED")
    terminated(D(2016, 3, 2), "REVOKED")
    first = record_month(org("CRC11"), MARCH)
    assert [r.code for r in first] == list(MEASURES)
    cases = ServiceLevelCase.objects.count()
    assert cases == 2
    terminated(D(2016, 3, 3), "COMPLETED")  # too late: the month is recorded
    with CaptureQueriesContext(connection) as queries:
        again = record_month(org("CRC11"), D(2016, 3, 17))
    assert [(r.pk, r.numerator, r.denominator) for r in again] == [
        (r.pk, r.numerator, r.denominator) for r in first
    ]
    assert not [q for q in queries.captured_queries if "INSERT" in q["sql"].upper()]
    assert ServiceLevelCase.objects.count() == cases
    assert ServiceLevelResult.objects.count() == len(MEASURES)


@pytest.mark.parametrize(
    "target, met",
    [("0.750000", True), ("0.749999", True), ("0.750001", False), ("0", True), ("1", False)],
    ids=["exactly-at-target", "just-below-target", "just-above-target", "zero", "all"],
)
def test_met_when_the_share_is_at_or_above_the_contract_target(target, met):
    contract = contract_of("CRC11", year=2)
    service_level_of(contract, "ORDERS_COMPLETED", target=target)
    for day in (1, 2, 3):
        terminated(D(2016, 3, day), "COMPLETED")
    terminated(D(2016, 3, 4), "REVOKED")
    results = {r.code: r for r in record_month(org("CRC11"), MARCH, contract=contract)}
    result = results["ORDERS_COMPLETED"]
    assert (result.numerator, result.denominator, result.target) == (3, 4, Decimal(target))
    assert result.met is met
    assert result.contract == contract
    # No service level of that code on the contract, or nothing to measure: no verdict.
    assert results["FIRST_APPOINTMENT"].target is None
    assert results["FIRST_APPOINTMENT"].met is None


def test_nothing_to_measure_is_neither_met_nor_missed():
    contract = contract_of("CRC11", year=2)
    service_level_of(contract, "ORDERS_COMPLETED", target="0.5")
    results = {r.code: r for r in record_month(org("CRC11"), MARCH, contract=contract)}
    assert (results["ORDERS_COMPLETED"].denominator, results["ORDERS_COMPLETED"].met) == (0, None)


def test_nps_cases_count_for_the_division_of_the_persons_ldu():
    wales = terminated(D(2016, 3, 1), "COMPLETED", provider="NPS", ldu_crc="CRC11")
    london = terminated(D(2016, 3, 2), "REVOKED", provider="NPS", ldu_crc="CRC20")
    crc = terminated(D(2016, 3, 3), "COMPLETED")
    assert measured("ORDERS_COMPLETED", "NPS-WAL") == ((1, 1), {wales.reference: True})
    assert measured("ORDERS_COMPLETED", "NPS-LON") == ((0, 1), {london.reference: False})
    assert measured("ORDERS_COMPLETED", "CRC11") == ((1, 1), {crc.reference: True})


def test_figures_for_every_organisation_at_once():
    terminated(D(2016, 3, 1), "COMPLETED")
    terminated(D(2016, 3, 2), "REVOKED")
    terminated(D(2016, 3, 3), "COMPLETED", provider="CRC20", ldu_crc="CRC20")
    terminated(D(2016, 3, 4), "COMPLETED", provider="NPS", ldu_crc="CRC20")
    by_provider = service_levels.figures(MARCH, codes=["ORDERS_COMPLETED"])["ORDERS_COMPLETED"]
    assert by_provider[org("CRC11").pk] == service_levels.Figure(1, 2)
    assert by_provider[org("CRC20").pk] == service_levels.Figure(1, 1)
    assert by_provider[org("NPS").pk] == service_levels.Figure(1, 1)
    by_division = service_levels.figures(MARCH, by="division", codes=["ORDERS_COMPLETED"])
    assert by_division["ORDERS_COMPLETED"] == {org("NPS-LON").pk: service_levels.Figure(1, 1)}
    by_ldu = service_levels.figures(MARCH, by="ldu", codes=["ORDERS_COMPLETED"])
    ldus = by_ldu["ORDERS_COMPLETED"]
    assert sum(f.denominator for f in ldus.values()) == 4


def _cases(n: int) -> None:
    for i in range(n):
        day = D(2016, 3, 1 + i % 28)
        order(on=day, seen=day + datetime.timedelta(days=i % 9))
        terminated(day, "COMPLETED" if i % 2 else "REVOKED")
        decision(at(day), "refer", bool(i % 3))
        done = day if i % 2 else None
        plan(day, completed=done, part2=day, share_due=done, shared=done)


def test_the_queries_of_a_month_do_not_grow_with_the_cases():
    counts = []
    for month, n in ((MARCH, 3), (MARCH, 30)):
        ServiceLevelCase.objects.all().delete()
        ServiceLevelResult.objects.all().delete()
        _cases(n if not counts else n - 3)
        with CaptureQueriesContext(connection) as queries:
            results = record_month(org("CRC11"), month)
        counts.append(len(queries.captured_queries))
        assert results[0].denominator == n
    assert counts[0] == counts[1]


# --- Several organisations at once (the payment run's first part) --------------------------------


def _snapshot(results) -> dict:
    """{code: (numerator, denominator, target, met, {reference: (met, detail)})}"""
    return {
        r.code: (
            r.numerator,
            r.denominator,
            r.target,
            r.met,
            {c.reference: (c.met, c.detail) for c in r.cases.all()},
        )
        for r in results
    }


def _month_of_cases():
    """Cases of two CRCs and of the NPS in two divisions, in every set-wise measure."""
    for provider, ldu_crc in (("CRC11", None), ("CRC20", "CRC20"), ("NPS", "CRC11")):
        terminated(D(2016, 3, 1), "COMPLETED", provider=provider, ldu_crc=ldu_crc)
        terminated(D(2016, 3, 2), "REVOKED", provider=provider, ldu_crc=ldu_crc)
    terminated(D(2016, 3, 3), "COMPLETED", provider="NPS", ldu_crc="CRC20")
    order(on=D(2016, 3, 1), seen=D(2016, 3, 2))
    order("CRC20", on=D(2016, 3, 1), seen=D(2016, 3, 30))
    decision(at(D(2016, 3, 1)), "refer", True)
    decision(at(D(2016, 3, 1)), "refer", False, provider="CRC20")
    plan(D(2016, 3, 1), completed=D(2016, 3, 1), part2=D(2016, 3, 1))
    plan(D(2016, 3, 10), writer="CRC20", completed=D(2016, 3, 12), part2=D(2016, 3, 10))


def test_several_organisations_measured_at_once_have_the_results_of_each_measured_alone():
    _month_of_cases()
    codes = ("CRC11", "CRC20", "NPS-WAL", "NPS-LON")
    contract = contract_of("CRC11", year=2)
    service_level_of(contract, "ORDERS_COMPLETED", target="0.9")
    alone = {}
    for code in codes:
        with transaction.atomic():
            kept = contract if code == "CRC11" else None
            alone[code] = _snapshot(record_month(org(code), MARCH, contract=kept))
            transaction.set_rollback(True)
    assert ServiceLevelResult.objects.count() == 0
    measured_ = [
        service_levels.Measured(org(code), contract if code == "CRC11" else None) for code in codes
    ]
    with CaptureQueriesContext(connection) as queries:
        together = service_levels.record_organisations(MARCH, measured_)
    for code in codes:
        assert _snapshot(together[org(code).pk]) == alone[code], code
    assert alone["CRC11"]["ORDERS_COMPLETED"][:4] == (1, 2, Decimal("0.900000"), False)
    assert alone["NPS-LON"]["ORDERS_COMPLETED"][:2] == (1, 1)
    # One INSERT of cases per measure with cases (the Python-decided one has none here), one
    # of the results, whatever the number of organisations.
    inserts = [q for q in queries.captured_queries if q["sql"].upper().startswith("INSERT")]
    assert len(inserts) <= len(MEASURES) + 1
    # Idempotent: everything is stored, a second call writes nothing.
    with CaptureQueriesContext(connection) as queries:
        again = service_levels.record_organisations(MARCH, measured_)
    assert not [q for q in queries.captured_queries if "INSERT" in q["sql"].upper()]
    assert {pk: [r.pk for r in rs] for pk, rs in again.items()} == {
        pk: [r.pk for r in rs] for pk, rs in together.items()
    }


def test_an_organisation_measured_before_keeps_its_results_when_measured_with_others():
    terminated(D(2016, 3, 1), "COMPLETED")
    first = record_month(org("CRC11"), MARCH)
    terminated(D(2016, 3, 2), "COMPLETED", provider="CRC20", ldu_crc="CRC20")
    together = service_levels.record_organisations(
        MARCH, [service_levels.Measured(org("CRC11")), service_levels.Measured(org("CRC20"))]
    )
    assert [r.pk for r in together[org("CRC11").pk]] == [r.pk for r in first]
    crc20 = {r.code: r for r in together[org("CRC20").pk]}
    assert (crc20["ORDERS_COMPLETED"].numerator, crc20["ORDERS_COMPLETED"].denominator) == (1, 1)
    assert ServiceLevelResult.objects.count() == 2 * len(MEASURES)


def test_designated_release_measured_for_several_crcs_at_once():
    from tests.resettlement.test_measures import release

    cardiff = prison("CFI", lead="CRC11")
    release(stays=[(cardiff, D(2026, 1, 5))])
    london = prison("PNI", lead="CRC20", ldu_crc="CRC20")
    release(stays=[(london, D(2026, 1, 5))], allocated_to="CRC20")
    release(stays=[(london, D(2026, 5, 1))], allocated_to="CRC20")
    month = D(2026, 6, 1)
    together = service_levels.record_organisations(
        month,
        [service_levels.Measured(org(code)) for code in ("CRC11", "CRC20", "NPS-WAL")],
    )
    figures = {
        code: next(
            (r.numerator, r.denominator, r.cases.count())
            for r in together[org(code).pk]
            if r.code == "DESIGNATED_RELEASE"
        )
        for code in ("CRC11", "CRC20", "NPS-WAL")
    }
    assert figures == {"CRC11": (1, 1, 1), "CRC20": (1, 2, 2), "NPS-WAL": (0, 0, 0)}
