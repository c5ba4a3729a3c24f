"""Volumes (performance.definitions_volumes): the month's starts and the caseload on its last
day, by sentence type – counted on small hand-made data: the cases listed behind a figure
(``performance.drilldown.rows``), who they count for (CRC, the NPS and its division, LDU)
and the month's first and last days against the days either side."""

import datetime

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from contracts import service_levels
from performance import drilldown
from performance.measures import MEASURES
from probation.models import OffenderManagerAssignment, Person, Termination
from tests.probation.factories import org, person_of, sentence_of, staff, team_of

D = datetime.date
MARCH = D(2016, 3, 1)
pytestmark = pytest.mark.django_db


def at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def listed(code, organisation, month=MARCH, breakdown=""):
    """The cases behind the organisation's figure, {reference: met}."""
    rows = drilldown.rows(MEASURES[code], org(organisation), month, breakdown=breakdown)
    return dict(rows.values_list("case_reference", "case_met"))


def started(on, sentence_type="COMMUNITY_ORDER", provider="CRC11", ldu_crc=None, **fields):
    """A sentence starting ``on``: sentenced then, or released then from custody onto a
    licence (or with ``licence=False`` onto post-sentence supervision only)."""
    person = fields.pop("person", None) or person_of(provider, ldu_crc=ldu_crc)
    if sentence_type == "CUSTODIAL":
        if fields.pop("licence", True):
            fields.setdefault("licence_start_date", on)
            fields.setdefault("licence_end_date", on + datetime.timedelta(days=200))
        else:
            fields.setdefault("pss_start_date", on)
            fields.setdefault("pss_end_date", on + datetime.timedelta(days=365))
        fields.setdefault("actual_release_date", on)
        return sentence_of(
            person,
            "CUSTODIAL",
            sentence_date=on - datetime.timedelta(days=300),
            offence_date=on - datetime.timedelta(days=400),
            **fields,
        )
    return sentence_of(
        person,
        sentence_type,
        sentence_date=on,
        offence_date=on - datetime.timedelta(days=30),
        **fields,
    )


# --- Starts -----------------------------------------------------------------------------------


def test_starts_are_orders_sentenced_and_releases_onto_licence_or_pss_in_the_month():
    first_day = started(D(2016, 3, 1))
    sso = started(D(2016, 3, 31), "SUSPENDED_SENTENCE_ORDER")
    licence = started(D(2016, 3, 31), "CUSTODIAL")
    pss = started(D(2016, 3, 15), "CUSTODIAL", licence=False)
    # Outside the month, not managed by probation, released with no supervision, another
    # CRC's.
    started(D(2016, 2, 29))
    started(D(2016, 4, 1))
    started(D(2016, 4, 1), "CUSTODIAL")
    started(D(2016, 3, 2), management="EM_ONLY")
    started(D(2016, 3, 2), "SENIOR_ATTENDANCE_CENTRE", management="ATTENDANCE_ONLY")
    started(D(2016, 3, 2), "CUSTODIAL", licence_start_date=None, licence_end_date=None)
    other = started(D(2016, 3, 2), provider="CRC20")
    assert listed("STARTS", "CRC11") == {
        first_day.reference: True,
        sso.reference: True,
        licence.reference: True,
        pss.reference: True,
    }
    assert listed("STARTS", "CRC11", breakdown="COMMUNITY_ORDER") == {first_day.reference: True}
    assert listed("STARTS", "CRC11", breakdown="SUSPENDED_SENTENCE_ORDER") == {sso.reference: True}
    assert listed("STARTS", "CRC11", breakdown="LICENCE") == {licence.reference: True}
    assert listed("STARTS", "CRC11", breakdown="PSS") == {pss.reference: True}
    assert listed("STARTS", "CRC20") == {other.reference: True}
    assert listed("STARTS", "CRC11", month=D(2016, 2, 1)).keys() == {
        s.reference for s in _starting(D(2016, 2, 29))
    }
    detail = drilldown.rows(MEASURES["STARTS"], org("CRC11"), MARCH).get(
        case_reference=pss.reference
    )
    assert detail.case_detail == "Post-sentence supervision started 2016-03-15"


def _starting(day):
    from probation.models import Sentence

    return Sentence.objects.filter(sentence_date=day, sentence_type="COMMUNITY_ORDER")


def test_starts_count_for_the_nps_its_division_and_the_ldu():
    wales = started(D(2016, 3, 3), provider="NPS", ldu_crc="CRC11")
    london = started(D(2016, 3, 4), provider="NPS", ldu_crc="CRC20")
    crc = started(D(2016, 3, 5))
    assert listed("STARTS", "NPS") == {wales.reference: True, london.reference: True}
    assert listed("STARTS", "NPS-WAL") == {wales.reference: True}
    assert listed("STARTS", "NPS-LON") == {london.reference: True}
    # An LDU counts every provider's cases in it.
    ldu = crc.person.ldu
    assert wales.person.ldu == ldu
    assert listed("STARTS", ldu.code) == {wales.reference: True, crc.reference: True}


def test_starts_are_the_cases_of_the_first_appointment_service_level():
    for day in (D(2016, 2, 29), D(2016, 3, 1), D(2016, 3, 31), D(2016, 4, 1)):
        started(day)
        started(day, "CUSTODIAL")
        started(day, "CUSTODIAL", licence=False, provider="NPS")
    starts = drilldown.rows(MEASURES["STARTS"], org("CRC11"), MARCH)
    first_appointment = service_levels.MEASURES["FIRST_APPOINTMENT"].cases(MARCH, org("CRC11"))
    assert sorted(starts.values_list("case_reference", flat=True)) == sorted(
        first_appointment.values_list("case_reference", flat=True)
    )
    assert starts.count() == 4


# --- Caseload ----------------------------------------------------------------------------------


def ended(sentence, on, reason="COMPLETED"):
    Termination.objects.create(
        sentence=sentence, terminated_on=on, reason=reason, recorded_by=officer()
    )
    return sentence


def officer():
    from probation.models import User

    return User.objects.filter(username="vol-officer").first() or staff(
        "CRC_OFFENDER_MANAGER", "CRC11", username="vol-officer"
    )


def test_caseload_is_the_sentences_under_supervision_on_the_months_last_day():
    last = D(2016, 3, 31)
    year = datetime.timedelta(days=365)
    sentenced_last_day = started(last)
    ends_last_day = started(last - year, supervision_end_date=last)
    started(last - year, supervision_end_date=D(2016, 3, 30))
    started(D(2016, 4, 1))
    terminated_last_day = ended(started(D(2016, 1, 5)), last)
    ended(started(D(2016, 1, 5)), D(2016, 3, 30))
    on_licence = started(
        D(2016, 1, 4), "CUSTODIAL", licence_start_date=D(2016, 1, 4), licence_end_date=last
    )
    on_pss = started(
        D(2015, 6, 1),
        "CUSTODIAL",
        licence_start_date=D(2015, 6, 1),
        licence_end_date=D(2016, 3, 30),
        pss_start_date=last,
        pss_end_date=D(2016, 12, 31),
    )
    # Between periods, released after the month, in custody, not probation's.
    between = started(
        D(2015, 6, 1),
        "CUSTODIAL",
        licence_start_date=D(2015, 6, 1),
        licence_end_date=D(2016, 3, 29),
        pss_start_date=D(2016, 3, 30),
        pss_end_date=D(2016, 3, 30),
    )
    started(D(2016, 4, 1), "CUSTODIAL")
    started(D(2016, 9, 1), "CUSTODIAL", actual_release_date=None, licence_start_date=D(2016, 9, 1))
    started(D(2016, 1, 4), "SENIOR_ATTENDANCE_CENTRE", management="ATTENDANCE_ONLY")
    started(D(2016, 1, 4), management="SSO_WITHOUT_REQUIREMENTS")
    assert listed("CASELOAD", "CRC11") == {
        sentenced_last_day.reference: True,
        ends_last_day.reference: True,
        terminated_last_day.reference: True,
        on_licence.reference: True,
        on_pss.reference: True,
    }
    assert listed("CASELOAD", "CRC11", breakdown="LICENCE") == {on_licence.reference: True}
    assert listed("CASELOAD", "CRC11", breakdown="PSS") == {on_pss.reference: True}
    assert len(listed("CASELOAD", "CRC11", breakdown="COMMUNITY_ORDER")) == 3
    # At the end of February: the orders begun by then and the licence.
    assert listed("CASELOAD", "CRC11", month=D(2016, 2, 1)) == {
        ends_last_day.reference: True,
        terminated_last_day.reference: True,
        on_licence.reference: True,
        on_pss.reference: True,
        _ended_30_march().reference: True,
        _ended_before_30().reference: True,
        between.reference: True,
    }
    row = drilldown.rows(MEASURES["CASELOAD"], org("CRC11"), MARCH).get(
        case_reference=ends_last_day.reference
    )
    assert row.case_detail == "Community Order on 2016-03-31; supervision ends 2016-03-31"


def _ended_30_march():
    from probation.models import Sentence

    return Sentence.objects.get(
        supervision_end_date=D(2016, 3, 30), sentence_type="COMMUNITY_ORDER"
    )


def _ended_before_30():
    from probation.models import Sentence

    return Sentence.objects.get(termination__terminated_on=D(2016, 3, 30))


def assigned(person, provider, start, end=None):
    return OffenderManagerAssignment.objects.create(
        person=person,
        provider=org(provider),
        team=team_of(org("NPS-WAL" if provider == "NPS" else provider)),
        started_at=start,
        ended_at=end,
    )


def transferred(person: Person, to_crc: str, *, since: datetime.datetime, on: datetime.datetime):
    """Move the person to ``to_crc``'s area and provider ``on``, their history showing them
    in their old LDU from ``since``."""
    Person.history.filter(id=person.pk).update(history_date=since)
    person.ldu = org(to_crc).ldus.order_by("code").first()
    person.responsible_provider = org(to_crc)
    person.save()
    Person.history.filter(id=person.pk, history_date__gt=on).update(history_date=on)
    return person


def test_caseload_counts_for_the_provider_and_ldu_holding_the_case_at_the_months_end():
    midnight = at(D(2016, 4, 1), 0, 0)
    # Held by CRC11 to the last minute of March, by CRC20 from midnight; transferred since.
    leaving = started(D(2016, 1, 5))
    assigned(leaving.person, "CRC11", at(D(2016, 1, 5)), midnight)
    assigned(leaving.person, "CRC20", midnight)
    old_ldu = leaving.person.ldu
    transferred(leaving.person, "CRC20", since=at(D(2016, 1, 1)), on=midnight)
    # Allocated by the NPS court team to CRC11 a minute before the month ended.
    allocated = started(D(2016, 3, 31), provider="CRC11")
    assigned(allocated.person, "NPS", at(D(2016, 3, 31), 9), at(D(2016, 3, 31), 23, 59))
    assigned(allocated.person, "CRC11", at(D(2016, 3, 31), 23, 59))
    # Held by the NPS at the month's end, CRC11's now.
    escalated_back = started(D(2016, 1, 5), provider="CRC11")
    assigned(escalated_back.person, "NPS", at(D(2016, 1, 5)), at(D(2016, 4, 1), 0, 1))
    assigned(escalated_back.person, "CRC11", at(D(2016, 4, 1), 0, 1))
    # No assignment recorded: the responsible provider now.
    unassigned = started(D(2016, 1, 5), provider="CRC20", ldu_crc="CRC20")
    assert listed("CASELOAD", "CRC11") == {leaving.reference: True, allocated.reference: True}
    assert listed("CASELOAD", "CRC20") == {unassigned.reference: True}
    assert listed("CASELOAD", "NPS") == {escalated_back.reference: True}
    assert listed("CASELOAD", "NPS-WAL") == {escalated_back.reference: True}
    assert leaving.reference in listed("CASELOAD", old_ldu.code)
    assert leaving.reference not in listed("CASELOAD", leaving.person.ldu.code)
    # In April the case is CRC20's, in its new LDU.
    april = D(2016, 4, 1)
    assert leaving.reference in listed("CASELOAD", "CRC20", month=april)
    assert leaving.reference in listed("CASELOAD", leaving.person.ldu.code, month=april)
    assert escalated_back.reference in listed("CASELOAD", "CRC11", month=april)


@given(
    start=st.dates(D(2015, 1, 1), D(2017, 12, 31)),
    length=st.integers(0, 400),
    month=st.dates(D(2015, 1, 1), D(2017, 12, 31)).map(lambda d: d.replace(day=1)),
)
@hypothesis_settings(max_examples=40, deadline=None)
def test_an_order_is_in_the_caseload_of_each_month_whose_last_day_it_spans(start, length, month):
    from contracts import periods

    end = start + datetime.timedelta(days=length)
    order = started(start, supervision_end_date=end)
    try:
        last = periods.month_end(month)
        expected = start <= last <= end
        assert (order.reference in listed("CASELOAD", "CRC11", month=month)) is expected
        assert (order.reference in listed("STARTS", "CRC11", month=month)) is (
            start.replace(day=1) == month
        )
    finally:
        person = order.person
        order.delete()
        person.delete()
