"""The designated-release measure (TOM 2.2 "Adult Male Prisoners"): of the adult men
released in a month whom a CRC will supervise, the share released from a resettlement prison
designated to that CRC after at least three calendar months continuously in resettlement
prisons; target 80 %."""

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from probation.models import Organisation
from resettlement import designations, measures
from resettlement.measures import _Period, resettlement_since
from resettlement.models import CustodyEpisode, PrisonStay
from tests.probation.factories import org, person_of, sentence_of, staff
from tests.resettlement.factories import prison

D = datetime.date
JUNE = D(2026, 6, 1)
RELEASE = D(2026, 6, 15)
THREE_MONTHS_BEFORE = D(2026, 3, 15)


# --- The unbroken run in resettlement prisons (pure) ---------------------------------------------

ALWAYS = [_Period(D(2000, 1, 1), None, True, frozenset({"CRC11"}))]
NEVER = [_Period(D(2000, 1, 1), None, False, frozenset())]
dates = st.dates(D(2020, 1, 1), D(2030, 12, 31))


@given(release=dates, days=st.integers(min_value=1, max_value=400))
@settings(max_examples=300, deadline=None)
def test_one_stay_counts_from_arrival_exactly_the_minimum_months_and_not_a_day_less(release, days):
    arrived = release - datetime.timedelta(days=days)
    since = resettlement_since([(1, arrived, None)], {1: ALWAYS}, release)
    assert since == arrived
    needed = measures.required_since(release)
    assert needed == release - relativedelta(months=3)
    counted = since <= needed
    assert counted == (arrived <= release - relativedelta(months=3))
    # The boundary itself: arriving on the day three calendar months before is enough ...
    exact = resettlement_since([(1, needed, None)], {1: ALWAYS}, release)
    assert exact <= measures.required_since(release)
    # ... and a day later is not.
    late = resettlement_since(
        [(1, needed + datetime.timedelta(days=1), None)], {1: ALWAYS}, release
    )
    assert late > measures.required_since(release)


@pytest.mark.parametrize(
    "release, needed",
    [
        (D(2026, 6, 15), D(2026, 3, 15)),
        (D(2026, 5, 31), D(2026, 2, 28)),  # no 31 February: the last day of February
        (D(2028, 5, 31), D(2028, 2, 29)),  # a leap year
        (D(2027, 1, 10), D(2026, 10, 10)),  # across the year end
    ],
    ids=["mid-month", "month-end-february", "leap-february", "year-end"],
)
def test_three_calendar_months_before_release(release, needed):
    assert measures.required_since(release) == needed


@given(
    release=dates,
    first=st.integers(min_value=2, max_value=300),
    moved=st.integers(min_value=1, max_value=299),
)
@settings(max_examples=200, deadline=None)
def test_a_move_between_resettlement_prisons_keeps_the_run_a_stay_elsewhere_breaks_it(
    release, first, moved
):
    assume(moved < first)
    arrived = release - datetime.timedelta(days=first)
    move = release - datetime.timedelta(days=moved)
    stays = [(1, arrived, move), (2, move, None)]
    assert resettlement_since(stays, {1: ALWAYS, 2: ALWAYS}, release) == arrived
    assert resettlement_since(stays, {1: NEVER, 2: ALWAYS}, release) == move
    # A stop in a third prison that is not a resettlement prison, between the two.
    back = move + datetime.timedelta(days=1)
    assume(back < release)
    via = [(1, arrived, move), (3, move, back), (2, back, None)]
    assert resettlement_since(via, {1: ALWAYS, 2: ALWAYS, 3: NEVER}, release) == back


@given(release=dates, arrived_days=st.integers(120, 400), changed_days=st.integers(1, 119))
@settings(max_examples=200, deadline=None)
def test_a_designation_that_changed_during_the_stay_counts_from_the_change(
    release, arrived_days, changed_days
):
    arrived = release - datetime.timedelta(days=arrived_days)
    changed = release - datetime.timedelta(days=changed_days)
    became = [
        _Period(D(2000, 1, 1), changed, False, frozenset()),
        _Period(changed, None, True, frozenset({"CRC11"})),
    ]
    assert resettlement_since([(1, arrived, None)], {1: became}, release) == changed
    # Re-designated to other CRCs, still a resettlement prison: the run is unbroken.
    redesignated = [
        _Period(D(2000, 1, 1), changed, True, frozenset({"CRC12"})),
        _Period(changed, None, True, frozenset({"CRC11"})),
    ]
    assert resettlement_since([(1, arrived, None)], {1: redesignated}, release) == arrived


def test_never_in_a_resettlement_prison_has_no_run():
    assert resettlement_since([(1, D(2026, 1, 1), None)], {1: NEVER}, RELEASE) is None
    assert resettlement_since([], {}, RELEASE) is None


# --- The measure over the database -------------------------------------------------------------


def release(
    *,
    stays,
    released_on=RELEASE,
    allocated_to="CRC11",
    status="SENTENCED",
    **person_fields,
):
    """A released custody episode written straight to the tables (the measure reads them):
    ``stays`` are (prison, arrived_on); each ends when the next begins, the last on release."""
    person_fields.setdefault("date_of_birth", D(1980, 1, 1))
    person = person_of(allocated_to, ldu_crc="CRC11", **person_fields)
    sentence = sentence_of(person, "CUSTODIAL") if status != "REMAND" else None
    recorder = staff("PRISON_STAFF", stays[0][0].organisation.code)
    last = stays[-1][0]
    episode = CustodyEpisode.objects.create(
        person=person,
        status=status,
        sentence=sentence,
        received_on=stays[0][1],
        reception_prison=stays[0][0],
        prison=last,
        allocated_to=org(allocated_to) if status != "REMAND" else None,
        released_on=released_on,
        release_prison=last,
        release_type="CONDITIONAL_RELEASE" if status != "REMAND" else "END_OF_REMAND",
        recorded_by=recorder,
        recorded_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
    )
    ends = [arrived for _, arrived in stays[1:]] + [released_on]
    PrisonStay.objects.bulk_create(
        PrisonStay(episode=episode, prison=p, arrived_on=a, left_on=e, recorded_by=recorder)
        for (p, a), e in zip(stays, ends, strict=True)
    )
    return person


def figure(crc="CRC11", month=JUNE):
    return next(f for f in measures.designated_release(month) if f.crc == crc)


def people(crc="CRC11"):
    return {p.crn: (p.counted, p.reason) for p in figure(crc).people}


pytestmark_db = pytest.mark.django_db


@pytestmark_db
@pytest.mark.parametrize(
    "arrived, counted",
    [(THREE_MONTHS_BEFORE, True), (THREE_MONTHS_BEFORE + datetime.timedelta(days=1), False)],
    ids=["exactly-three-months", "one-day-short"],
)
def test_three_months_in_a_designated_resettlement_prison(arrived, counted):
    cardiff = prison("CFI", lead="CRC11")
    person = release(stays=[(cardiff, arrived)])
    row = figure()
    assert (row.released, row.designated) == (1, int(counted))
    assert people()[person.crn][0] is counted
    if not counted:
        assert "only since 16 March 2026" in people()[person.crn][1]


@pytestmark_db
def test_a_designation_changed_during_the_stay():
    became = prison("BEC", resettlement=False)
    designations.designate(
        actor=None,
        prison=became,
        effective_from=D(2026, 4, 1),
        resettlement=True,
        host_lead_provider="CRC11",
        check_actor=False,
    )
    late = release(stays=[(became, D(2025, 12, 1))])
    # Designated to CRC12 until May, then to CRC11: the release day's designation decides.
    switched = prison("SWT", lead="CRC12")
    designations.designate(
        actor=None,
        prison=switched,
        effective_from=D(2026, 5, 1),
        resettlement=True,
        host_lead_provider="CRC11",
        check_actor=False,
    )
    on_time = release(stays=[(switched, D(2025, 12, 1))])
    assert people() == {
        late.crn: (False, people()[late.crn][1]),
        on_time.crn: (True, people()[on_time.crn][1]),
    }
    assert "only since 1 April 2026" in people()[late.crn][1]


@pytestmark_db
def test_a_move_between_resettlement_prisons_counts_via_another_prison_does_not():
    cardiff = prison("CFI", lead="CRC11")
    swansea = prison("SWI", lead="CRC12", designated_to=("CRC11",))
    holding = prison("HLD", resettlement=False)
    moved = release(stays=[(swansea, D(2026, 1, 5)), (cardiff, D(2026, 5, 1))])
    via = release(
        stays=[(swansea, D(2026, 1, 5)), (holding, D(2026, 4, 1)), (cardiff, D(2026, 4, 2))]
    )
    assert people()[moved.crn][0] is True
    assert people()[via.crn][0] is False
    assert "only since 2 April 2026" in people()[via.crn][1]


@pytestmark_db
@pytest.mark.parametrize(
    "born, in_population",
    [
        (RELEASE - relativedelta(years=21), True),
        (RELEASE - relativedelta(years=21) + datetime.timedelta(days=1), False),
    ],
    ids=["21-on-the-release-day", "20-on-the-release-day"],
)
def test_adults_are_21_on_the_release_day(born, in_population):
    cardiff = prison("CFI", lead="CRC11")
    person = release(stays=[(cardiff, D(2026, 1, 5))], date_of_birth=born)
    assert (person.crn in people()) is in_population
    assert figure().released == int(in_population)


@pytestmark_db
def test_women_nps_cases_remand_and_other_months_are_not_in_the_measure():
    cardiff = prison("CFI", lead="CRC11")
    stays = [(cardiff, D(2026, 1, 5))]
    release(stays=stays, gender="F")
    release(stays=stays, allocated_to="NPS")
    release(stays=stays, status="REMAND")
    release(stays=stays, released_on=D(2026, 7, 1))
    release(stays=stays, released_on=D(2026, 5, 31))
    figures = measures.designated_release(JUNE)
    assert sum(f.released for f in figures) == 0
    assert len(figures) == Organisation.objects.crcs().count()
    assert all(f.percent is None and f.met is None for f in figures)


@pytestmark_db
def test_released_from_a_resettlement_prison_designated_to_another_crc():
    london = prison("PNI", lead="CRC20", ldu_crc="CRC20")
    person = release(stays=[(london, D(2026, 1, 5))])
    row = figure()
    assert (row.released, row.designated) == (1, 0)
    assert "not designated to CRC11" in people()[person.crn][1]
    assert figure("CRC20").released == 0  # counted where allocated, not where released


@pytestmark_db
def test_any_role_in_the_designation_counts_lead_host_or_designated_cpa():
    lead = prison("CFI", lead="CRC11")
    host = prison("SHR", lead="CRC12", hosts=("CRC11",))
    designated = prison("OPN", lead="CRC12", designated_to=("CRC11",), kind="MALE_OPEN")
    for p in (lead, host, designated):
        release(stays=[(p, D(2026, 1, 5))])
    assert figure().designated == 3


@pytestmark_db
@pytest.mark.parametrize(
    "counted, released, percent, met",
    [(4, 5, 80.0, True), (3, 4, 75.0, False), (0, 1, 0.0, False)],
    ids=["80-percent-meets-the-target", "75-percent-misses", "none"],
)
def test_percent_against_the_target(counted, released, percent, met):
    cardiff = prison("CFI", lead="CRC11")
    for i in range(released):
        arrived = D(2026, 1, 5) if i < counted else D(2026, 6, 1)
        release(stays=[(cardiff, arrived)])
    row = figure()
    assert (row.designated, row.released, row.percent, row.met, row.target) == (
        counted,
        released,
        percent,
        met,
        80,
    )


@pytestmark_db
def test_a_constant_number_of_queries_whatever_the_releases():
    cardiff = prison("CFI", lead="CRC11")
    swansea = prison("SWI", lead="CRC12")
    release(stays=[(cardiff, D(2026, 1, 5))])
    with CaptureQueriesContext(connection) as one:
        measures.designated_release(JUNE)
    for _ in range(6):
        release(stays=[(swansea, D(2026, 1, 5)), (cardiff, D(2026, 4, 1))])
    with CaptureQueriesContext(connection) as many:
        assert sum(f.released for f in measures.designated_release(JUNE)) == 7
    assert len(many) == len(one) <= 5
