"""PbR cohorts and their reoffending (DOMAIN.md 9; issue 8 part 5; contracts.cohorts): who
enters a CRC's cohort and when, once per cohort; the cohort rules through the services that
move cases (SAC out, escalated stays, transferred keeps the original CRC, reallocated in
error follows the new one); the reoffending windows at their edges, month ends included,
with the SQL date arithmetic checked against ``contracts.periods.add_months``."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts import cohorts, periods
from contracts.models import (
    CohortMember,
    CountedReoffence,
    EntryKind,
    LedgerEntry,
    ProvenReoffence,
    ReoffendingImport,
)
from contracts.periods import AddMonths, Period, add_months
from probation import clock, transfers
from probation.models import Organisation, Sentence
from probation.rules import pnc_check_letter
from tests.allocation.allocated import allocate, new_case_in
from tests.contracts.factories import contract_of
from tests.probation.factories import org, person_of, sentence_of, staff

pytestmark = pytest.mark.django_db

D = datetime.date
DAY = datetime.timedelta(days=1)
FIRST_YEAR = D(2015, 2, 1)
Q1, Q2, Q3, Q4 = periods.quarters(FIRST_YEAR, 1)  # Feb–Apr, May–Jul, Aug–Oct, Nov–Jan
YEAR1 = periods.year_period(FIRST_YEAR, D(2016, 1, 31), 1)

_serials = iter(range(1, 10_000_000))


def a_pnc() -> str:
    serial = next(_serials) + 4000
    return f"2010/{serial:07d}{pnc_check_letter(2010, serial)}"


def person(crc="CRC11", pnc=True):
    return person_of(crc, pnc_number=a_pnc() if pnc else None)


def order(who, day, kind="COMMUNITY_ORDER", crc="CRC11", **fields):
    return sentence_of(
        who,
        kind,
        sentence_date=day,
        offence_date=day - 30 * DAY,
        pbr_provider=org(crc) if crc else None,
        **fields,
    )


def release(who, day, *, licence=True, crc="CRC11"):
    return sentence_of(
        who,
        "CUSTODIAL",
        sentence_date=D(2013, 6, 1),
        offence_date=D(2013, 3, 1),
        term_months=24,
        actual_release_date=day,
        licence_start_date=day if licence else None,
        pss_start_date=None if licence else day,
        pbr_provider=org(crc),
    )


_source = {}


def reoffence(who_or_pnc, offence, disposal=None, code="TH68010"):
    pnc = who_or_pnc if isinstance(who_or_pnc, str) else who_or_pnc.pnc_number
    if (
        "import" not in _source
        or not ReoffendingImport.objects.filter(pk=_source["import"]).exists()
    ):
        _source["import"] = ReoffendingImport.objects.create(
            filename="test.csv", sha256="0" * 64, rows=0, added=0, already_held=0
        ).pk
    return ProvenReoffence.objects.create(
        source_id=_source["import"],
        pnc_number=pnc,
        offence_date=offence,
        disposal_date=disposal or offence + 30 * DAY,
        offence_code=code,
    )


def members(period=Q2, crc="CRC11"):
    return sorted(
        cohorts.members(org(crc).pk, period), key=lambda m: (m["entered_on"], m["sentence_id"])
    )


def figures(period=Q2, crc="CRC11"):
    return cohorts.figures(org(crc).pk, period)


def month_of(day):
    """A one-month period around a recent day (cases moved by the services are sentenced
    today)."""
    start = periods.first_of_month(day)
    return Period(start, periods.month_end(start), f"{start:%Y-%m}", None)


# --- Who enters, and when -----------------------------------------------------------------


def test_orders_and_releases_enter_the_cohort_on_their_day():
    co, sso, lic, pss = person(), person(), person(), person()
    order(co, D(2015, 5, 4))
    order(sso, D(2015, 5, 5), "SUSPENDED_SENTENCE_ORDER")
    release(lic, D(2015, 5, 6))
    release(pss, D(2015, 5, 7), licence=False)
    found = [(m["person_id"], m["entry_type"], m["entered_on"]) for m in members()]
    assert found == [
        (co.pk, "COMMUNITY_ORDER", D(2015, 5, 4)),
        (sso.pk, "SUSPENDED_SENTENCE_ORDER", D(2015, 5, 5)),
        (lic.pk, "LICENCE", D(2015, 5, 6)),
        (pss.pk, "PSS", D(2015, 5, 7)),
    ]
    assert figures() == (4, 0, 0)


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        ("SENIOR_ATTENDANCE_CENTRE", {"attendance_centre_hours": 24}),
        ("DEFERRED", {"deferred_until": D(2015, 11, 1)}),
    ],
    ids=["senior-attendance-centre-never", "deferred-never"],
)
def test_sac_fine_defaulters_and_deferred_sentences_never_enter(kind, fields):
    """Even with a PbR provider recorded against the sentence."""
    order(person(), D(2015, 6, 1), kind, **fields)
    assert members() == [] and figures() == (0, 0, 0)


def test_a_custodial_sentence_without_supervision_or_release_does_not_enter():
    unsupervised = release(person(), D(2015, 6, 1))
    Sentence.objects.filter(pk=unsupervised.pk).update(licence_start_date=None)
    not_released = release(person(), D(2015, 6, 1))
    Sentence.objects.filter(pk=not_released.pk).update(actual_release_date=None)
    assert members() == []


def test_only_the_crcs_own_pbr_cases_enter():
    order(person(), D(2015, 6, 1), crc="CRC20")
    order(person(), D(2015, 6, 1), crc=None)
    assert members() == []
    assert len(members(crc="CRC20")) == 1


@pytest.mark.parametrize(
    ("day", "period", "enters"),
    [
        (Q2.start - DAY, Q2, False),
        (Q2.start, Q2, True),
        (Q2.end, Q2, True),
        (Q2.end + DAY, Q2, False),
        (Q4.end, Q4, True),  # 31 January: the contract year's last day
        (Q4.end, YEAR1, True),
        (YEAR1.end + DAY, YEAR1, False),
    ],
    ids=[
        "day-before-quarter",
        "quarters-first-day",
        "quarters-last-day",
        "day-after-quarter",
        "last-day-of-last-quarter",
        "last-day-of-year",
        "first-day-of-next-year",
    ],
)
def test_entry_on_the_edges_of_the_period(day, period, enters):
    order(person(), day)
    release(person(), day)
    assert len(members(period)) == (2 if enters else 0)


def test_once_per_cohort_at_the_earliest_entry():
    who = person()
    later = order(who, D(2015, 7, 1))
    first = release(who, D(2015, 5, 20))
    order(who, D(2015, 6, 1), "SUSPENDED_SENTENCE_ORDER")
    [member] = members()
    assert (member["sentence_id"], member["entry_type"], member["entered_on"]) == (
        first.pk,
        "LICENCE",
        D(2015, 5, 20),
    )
    assert later.pk != first.pk and figures() == (1, 0, 0)


def test_two_entries_on_the_same_day_count_once_at_the_lowest_sentence_id():
    who = person()
    low = order(who, D(2015, 6, 1))
    order(who, D(2015, 6, 1), "SUSPENDED_SENTENCE_ORDER")
    release(who, D(2015, 6, 1))
    [member] = members()
    assert member["sentence_id"] == low.pk


def test_each_cohort_counts_a_person_once_of_its_own():
    """Entries in Q1 and Q3: a member of both quarterly cohorts, once of the annual one."""
    who = person()
    order(who, D(2015, 3, 1))
    order(who, D(2015, 9, 1))
    assert [m["entered_on"] for m in members(Q1)] == [D(2015, 3, 1)]
    assert members(Q2) == []
    assert [m["entered_on"] for m in members(Q3)] == [D(2015, 9, 1)]
    assert [m["entered_on"] for m in members(YEAR1)] == [D(2015, 3, 1)]


def test_entries_with_two_crcs_count_in_each_crcs_cohort():
    who = person()
    order(who, D(2015, 6, 1), crc="CRC11")
    order(who, D(2015, 5, 1), crc="CRC20")
    assert [m["entered_on"] for m in members()] == [D(2015, 6, 1)]
    assert [m["entered_on"] for m in members(crc="CRC20")] == [D(2015, 5, 1)]


# --- The cohort rules through the services that move cases --------------------------------


def test_sac_order_allocated_through_the_service_is_in_no_cohort():
    today = clock.today()
    who, sentence = new_case_in(
        "CRC11",
        requirement=None,
        sentence_type="SENIOR_ATTENDANCE_CENTRE",
        attendance_centre_hours=24,
    )
    decision = allocate(who, sentence)
    sentence.refresh_from_db()
    assert decision.organisation.code == "CRC11" and sentence.pbr_provider is None
    other, co = new_case_in("CRC11")
    allocate(other, co)
    assert [m["person_id"] for m in members(month_of(today))] == [other.pk]


def _allocated_with_plan():
    from tests.enforcement.test_escalations import allocated_to_crc

    return allocated_to_crc()


def test_a_case_escalated_to_the_nps_stays_in_the_crcs_cohort():
    from tests.enforcement.test_escalations import decide, raise_for

    who, sentence, officer = _allocated_with_plan()
    period = month_of(sentence.sentence_date)
    assert [m["person_id"] for m in members(period)] == [who.pk]
    escalation = raise_for(officer, who)
    decide(staff("NPS_SENIOR_MANAGER", "NPS-WAL"), who, escalation, high=True)
    who.refresh_from_db()
    assert who.responsible_provider.code == "NPS"
    assert [m["person_id"] for m in members(period)] == [who.pk]


def test_a_case_transferred_between_cpas_keeps_the_original_crc():
    who, sentence = new_case_in("CRC11")
    allocate(who, sentence)
    period = month_of(sentence.sentence_date)
    sender = staff("CRC_OFFENDER_MANAGER", "CRC11")
    receiver = staff("CRC_OFFENDER_MANAGER", "CRC20")
    to_ldu = Organisation.objects.filter(kind="LDU", crc__code="CRC20").order_by("code").first()
    transfer = transfers.transfer_request(
        actor=sender, crn=who.crn, to_ldu=to_ldu, reason="Moved to live with her sister"
    )
    transfers.transfer_decide(
        actor=receiver,
        crn=who.crn,
        transfer_id=transfer.pk,
        accept=True,
        location_suitability="Stable address",
        team=receiver.team,
        offender_manager=receiver,
    )
    who.refresh_from_db()
    assert who.responsible_provider.code == "CRC20"
    assert [m["person_id"] for m in members(period)] == [who.pk]
    assert members(period, crc="CRC20") == []


def test_a_case_reallocated_in_error_follows_the_new_crc():
    from tests.allocation.test_reallocation import accept, allocated, flag

    officer = staff("NPS_ALLOCATION_OFFICER", "NPS-WAL")
    who, sentence = allocated(officer)
    period = month_of(sentence.sentence_date)
    assert [m["person_id"] for m in members(period)] == [who.pk]
    request = flag(
        staff("CRC_OFFENDER_MANAGER", "CRC11"), who, sentence, proposed_organisation="CRC20"
    )
    accept(officer, who, request, "CRC20")
    assert members(period) == []
    assert [m["person_id"] for m in members(period, crc="CRC20")] == [who.pk]


def test_a_case_reallocated_in_error_to_the_nps_leaves_every_cohort():
    from tests.allocation.test_reallocation import accept, allocated, flag

    officer = staff("NPS_ALLOCATION_OFFICER", "NPS-WAL")
    who, sentence = allocated(officer)
    period = month_of(sentence.sentence_date)
    request = flag(staff("CRC_MANAGER", "CRC11"), who, sentence, reason="MAPPA level 2 case")
    accept(officer, who, request, "NPS")
    assert members(period) == [] and members(period, crc="CRC20") == []


# --- Reoffending: the windows at their edges -----------------------------------------------

ENTRY = D(2015, 6, 10)


@pytest.mark.parametrize(
    ("offence", "disposal", "counts"),
    [
        (ENTRY, ENTRY + 10 * DAY, True),
        (ENTRY - DAY, ENTRY + 10 * DAY, False),
        (D(2016, 6, 9), D(2016, 7, 1), True),
        (D(2016, 6, 10), D(2016, 7, 1), False),
        (D(2015, 9, 1), D(2016, 12, 9), True),
        (D(2015, 9, 1), D(2016, 12, 10), False),
    ],
    ids=[
        "offence-on-entry-day",
        "offence-day-before-entry",
        "offence-day-before-12-months",
        "offence-at-12-months",
        "proven-day-before-18-months",
        "proven-at-18-months",
    ],
)
def test_the_reoffending_windows_are_half_open(offence, disposal, counts):
    who = person()
    order(who, ENTRY)
    reoffence(who, offence, disposal)
    [member] = members()
    assert (member["offences_before"], member["proven_before"]) == (D(2016, 6, 10), D(2016, 12, 10))
    assert member["reoffences"] == (1 if counts else 0)
    assert figures() == ((1, 1, 1) if counts else (1, 0, 0))


@pytest.mark.parametrize(
    ("entry", "offences_before", "proven_before"),
    [
        (D(2015, 8, 31), D(2016, 8, 31), D(2017, 2, 28)),
        (D(2016, 1, 31), D(2017, 1, 31), D(2017, 7, 31)),
        (D(2015, 2, 28), D(2016, 2, 28), D(2016, 8, 28)),
        (D(2016, 2, 29), D(2017, 2, 28), D(2017, 8, 29)),
        (D(2015, 12, 31), D(2016, 12, 31), D(2017, 6, 30)),
        (D(2015, 7, 31), D(2016, 7, 31), D(2017, 1, 31)),
    ],
    ids=[
        "31-august-plus-18-is-28-february",
        "31-january",
        "28-february",
        "29-february-leap",
        "31-december-plus-18-is-30-june",
        "31-july",
    ],
)
def test_month_ends(entry, offences_before, proven_before):
    who = person()
    order(who, entry)
    period = Period(entry, entry, "day", None)
    [member] = members(period)
    assert (member["offences_before"], member["proven_before"]) == (offences_before, proven_before)
    reoffence(who, offences_before - DAY, proven_before - DAY)  # counts
    reoffence(who, offences_before, offences_before + DAY)  # too late committed
    reoffence(who, entry, proven_before)  # too late proven
    assert [m["reoffences"] for m in members(period)] == [1]


@pytest.mark.parametrize(("months", "attribute"), [(6, "offences_before"), (24, "proven_before")])
def test_the_windows_follow_the_settings(settings, months, attribute):
    settings.PBR_REOFFENDING_FOLLOW_UP_MONTHS = months if attribute == "offences_before" else 12
    settings.PBR_PROVEN_WITHIN_MONTHS = months if attribute == "proven_before" else 18
    order(person(), D(2015, 8, 31))
    [member] = members(Q3)
    assert member[attribute] == add_months(D(2015, 8, 31), months)


def test_reoffences_are_matched_on_the_pnc_number_only():
    who, namesake, unknown = person(), person(), person(pnc=False)
    order(who, D(2015, 6, 1))
    order(unknown, D(2015, 6, 2))
    reoffence(who, D(2015, 7, 1))
    reoffence(who, D(2015, 8, 1), code="BU99001")
    reoffence(namesake, D(2015, 7, 1))  # not a member
    reoffence(a_pnc(), D(2015, 7, 1))  # nobody's
    found = {m["person_id"]: (m["pnc_number"], m["reoffences"]) for m in members()}
    assert found == {who.pk: (who.pnc_number, 2), unknown.pk: ("", 0)}
    assert figures() == (2, 1, 2)


def test_figures_count_members_reoffenders_and_reoffences():
    people = [person() for _ in range(5)]
    for index, who in enumerate(people):
        order(who, D(2015, 5, 1) + index * DAY)
    for who, number in zip(people, (0, 1, 3, 0, 2), strict=True):
        for n in range(number):
            reoffence(who, D(2015, 7, 1) + n * DAY)
    assert figures() == (5, 3, 6)
    assert figures(Q3) == (0, 0, 0)


# --- The evidence a ledger line keeps -------------------------------------------------------


def _line(contract, key="PBR_BINARY:Y1-Q2"):
    return LedgerEntry.objects.create(
        contract=contract,
        month=D(2017, 5, 1),
        kind=EntryKind.PBR_BINARY,
        key=key,
        amount=Decimal("0.00"),
        description="PbR",
        created_at=clock.now(),
    )


def test_record_writes_the_members_with_their_reoffences_and_each_reoffence_counted():
    contract = contract_of("CRC11", year=1)
    reoffender, clean, unknown, other_crc = person(), person(), person(pnc=False), person()
    order(reoffender, D(2015, 5, 15))
    order(reoffender, D(2015, 7, 1))  # a later entry: no second membership
    order(clean, D(2015, 6, 1))
    order(unknown, D(2015, 6, 2))
    order(other_crc, D(2015, 6, 1), crc="CRC20")
    counted = [reoffence(reoffender, D(2015, 9, 1)), reoffence(reoffender, D(2016, 5, 14))]
    reoffence(reoffender, D(2016, 5, 15))  # committed at entry + 12 months: not counted
    reoffence(clean, D(2015, 5, 1))  # before entry
    reoffence(other_crc, D(2015, 9, 1))

    entry = _line(contract)
    assert cohorts.record(entry, org("CRC11").pk, Q2) == 3
    stored = {
        m.person_id: m
        for m in CohortMember.objects.filter(entry=entry).prefetch_related("counted_reoffences")
    }
    assert set(stored) == {reoffender.pk, clean.pk, unknown.pk}
    member = stored[reoffender.pk]
    assert (member.entered_on, member.entry_type, member.pnc_number) == (
        D(2015, 5, 15),
        "COMMUNITY_ORDER",
        reoffender.pnc_number,
    )
    assert (member.offences_before, member.proven_before, member.reoffences) == (
        D(2016, 5, 15),
        D(2016, 11, 15),
        2,
    )
    assert {c.reoffence_id for c in member.counted_reoffences.all()} == {c.pk for c in counted}
    assert stored[clean.pk].reoffences == 0 and stored[unknown.pk].pnc_number == ""
    assert CountedReoffence.objects.filter(member__entry=entry).count() == 2
    # The evidence agrees with the figures the line was paid on.
    assert figures() == (3, 1, 2)


def test_a_member_counted_by_two_lines_has_the_same_reoffences_on_each():
    contract = contract_of("CRC11", year=1)
    who = person()
    order(who, D(2015, 6, 1))
    reoffence(who, D(2015, 9, 1))
    binary, annual = _line(contract), _line(contract, key="PBR_FREQUENCY:Y1")
    cohorts.record(binary, org("CRC11").pk, Q2)
    cohorts.record(annual, org("CRC11").pk, YEAR1)
    assert CountedReoffence.objects.filter(member__entry=binary).count() == 1
    assert CountedReoffence.objects.filter(member__entry=annual).count() == 1


def test_an_empty_cohort_records_nothing():
    contract = contract_of("CRC11", year=1)
    assert cohorts.record(_line(contract), org("CRC11").pk, Q2) == 0
    assert not CohortMember.objects.exists()


def test_members_and_figures_take_a_constant_number_of_queries(django_assert_num_queries):
    for index in range(6):
        who = person()
        order(who, D(2015, 5, 1) + index * DAY)
        reoffence(who, D(2015, 8, 1))
    crc = org("CRC11").pk
    with django_assert_num_queries(1):
        assert len(list(cohorts.members(crc, Q2))) == 6
    with django_assert_num_queries(1):
        assert cohorts.figures(crc, Q2) == (6, 6, 6)


# --- The SQL date arithmetic against add_months ----------------------------------------------

month_ends = st.builds(
    lambda year, month: periods.month_end(D(year, month, 1)),
    st.integers(2015, 2035),
    st.integers(1, 12),
)
days = st.one_of(month_ends, st.dates(D(2015, 1, 1), D(2035, 12, 31)))


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(entry=days)
def test_the_members_query_adds_months_as_add_months_does(entry):
    with transaction.atomic():
        order(person(), entry)
        [member] = members(Period(entry, entry, "day", None))
        assert member["offences_before"] == add_months(entry, 12)
        assert member["proven_before"] == add_months(entry, 18)
        transaction.set_rollback(True)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(entry=days, months=st.integers(1, 60))
def test_add_months_in_sql_is_add_months(entry, months):
    with transaction.atomic():
        sentence = order(person(), entry)
        found = (
            Sentence.objects.filter(pk=sentence.pk)
            .annotate(later=AddMonths(F("sentence_date"), months))
            .values_list("later", flat=True)
            .get()
        )
        assert found == add_months(entry, months)
        transaction.set_rollback(True)
