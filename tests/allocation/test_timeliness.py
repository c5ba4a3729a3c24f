"""The share of cases allocated within one business day, by NPS division and month, for the
dashboards: a case counts in the month its allocation fell due; decided on the due date is in
time, the day after is not; an overdue case allocated later counts once."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from allocation import deadlines, reports, services
from probation import clock
from tests.probation.factories import person_of, requirement_of, sentence_of, staff, team_of

pytestmark = pytest.mark.django_db
D = datetime.date
DECEMBER, JANUARY = D(2026, 12, 1), D(2027, 1, 1)
YEAR = dict(since=D(2026, 1, 1), until=D(2027, 12, 31))


@pytest.fixture
def officer():
    return staff("NPS_ALLOCATION_OFFICER", "NPS-WAL")


@pytest.fixture
def on(monkeypatch):
    """Freeze the clock on a day (mid-morning)."""

    def freeze(day):
        at = datetime.datetime.combine(day, datetime.time(10), tzinfo=datetime.UTC)
        monkeypatch.setattr(clock, "now", lambda: at)
        monkeypatch.setattr(clock, "today", lambda: day)

    return freeze


def sentenced(day, crc="CRC11"):
    sentence = sentence_of(
        person_of("NPS", ldu_crc=crc),
        sentence_date=day,
        offence_date=day - datetime.timedelta(days=30),
    )
    requirement_of(sentence, "UNPAID_WORK")
    return sentence


def allocate(officer, sentence):
    crc = sentence.person.ldu.crc
    return services.allocation_confirm(
        actor=officer,
        crn=sentence.person.crn,
        number=sentence.number,
        decision="CRC",
        team=team_of(crc),
        inputs={"rosh": "LOW"},
    )


def rows(**filters):
    return [
        (row.division, row.month, row.due, row.allocated_in_time, row.share)
        for row in reports.allocation_timeliness(**{**YEAR, **filters})
    ]


@pytest.mark.parametrize(
    ("decided_on", "in_time"),
    [
        pytest.param(D(2026, 12, 24), True, id="on-the-day-of-sentence"),
        pytest.param(D(2026, 12, 29), True, id="on-the-due-date-after-christmas"),
        pytest.param(D(2026, 12, 30), False, id="the-day-after-the-due-date"),
    ],
)
def test_decided_on_the_due_date_is_in_time_the_day_after_is_not(officer, on, decided_on, in_time):
    sentence = sentenced(D(2026, 12, 24))  # due Tuesday 29 December 2026
    on(decided_on)
    allocate(officer, sentence)
    share = Decimal("1.0000") if in_time else Decimal("0.0000")
    assert rows() == [("NPS-WAL", DECEMBER, 1, int(in_time), share)]


def test_a_breach_later_allocated_counts_once_and_not_in_time(officer, on):
    sentence = sentenced(D(2026, 12, 24))
    waiting = sentenced(D(2026, 12, 24))
    deadlines.record_breaches(cpa_code="CRC11", today=D(2026, 12, 30))
    assert rows() == [("NPS-WAL", DECEMBER, 2, 0, Decimal("0.0000"))]
    on(D(2026, 12, 31))
    allocate(officer, sentence)
    assert rows() == [("NPS-WAL", DECEMBER, 2, 0, Decimal("0.0000"))]
    assert waiting.allocation_breach.due_by == D(2026, 12, 29)


def test_cases_count_in_the_month_their_allocation_fell_due(officer, on):
    # Thursday 31 December 2026 is due Monday 4 January 2027 (New Year's Day between).
    new_year = sentenced(D(2026, 12, 31))
    december = [sentenced(D(2026, 12, 1)) for _ in range(3)]
    on(D(2026, 12, 2))
    for sentence in december[:2]:
        allocate(officer, sentence)
    on(D(2027, 1, 4))
    allocate(officer, new_year)
    allocate(officer, december[2])  # a month late
    assert rows() == [
        ("NPS-WAL", DECEMBER, 3, 2, Decimal("0.6667")),
        ("NPS-WAL", JANUARY, 1, 1, Decimal("1.0000")),
    ]
    # The window is on the due date, both ends included.
    assert rows(since=D(2026, 12, 2), until=D(2027, 1, 4)) == rows()
    assert rows(since=D(2026, 12, 3), until=D(2027, 1, 3)) == []


def test_by_division(officer, on):
    london_officer = staff("NPS_ALLOCATION_OFFICER", "NPS-LON")
    wales, london = sentenced(D(2026, 12, 1)), sentenced(D(2026, 12, 1), crc="CRC20")
    on(D(2026, 12, 2))
    allocate(officer, wales)
    on(D(2026, 12, 3))
    allocate(london_officer, london)
    assert rows() == [
        ("NPS-LON", DECEMBER, 1, 0, Decimal("0.0000")),
        ("NPS-WAL", DECEMBER, 1, 1, Decimal("1.0000")),
    ]
    assert rows(division="NPS-LON") == [("NPS-LON", DECEMBER, 1, 0, Decimal("0.0000"))]
    assert rows(division="NPS-NE") == []


def test_no_case_due_no_share():
    assert reports._share(0, 0) is None
    assert reports._share(3, 2) == Decimal("0.6667")


def test_counted_in_sql_with_the_same_queries_for_any_number_of_cases(officer, on):
    def count():
        with CaptureQueriesContext(connection) as queries:
            reports.allocation_timeliness(**YEAR)
        return len(queries)

    on(D(2026, 12, 2))
    allocate(officer, sentenced(D(2026, 12, 1)))
    few = count()
    for day in (D(2026, 11, 2), D(2026, 10, 1), D(2026, 12, 1)):
        on(day + datetime.timedelta(days=1))
        for _ in range(3):
            allocate(officer, sentenced(day))
    for _ in range(3):
        sentenced(D(2026, 12, 24))
    deadlines.record_breaches(cpa_code="CRC11", today=D(2026, 12, 30))
    assert count() == few == 2
    assert len(rows()) == 3
