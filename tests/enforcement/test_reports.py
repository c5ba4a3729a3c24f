"""Timeliness of referrals and responses by the organisation that had to act, workflow,
step and month (local time), read from the workflow events in one query."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from enforcement import workflows as wf
from enforcement.reports import StepTimeliness, workflow_timeliness
from tests.enforcement import open_records as records
from tests.enforcement.open_records import D, at
from tests.probation.factories import person_of

pytestmark = pytest.mark.django_db
MAY, JUNE = D(2026, 5, 1), D(2026, 6, 1)


def local(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@pytest.fixture
def steps():
    crc, other = person_of("CRC11"), person_of("CRC20")
    # Failures opened Wednesday 20 May, due Friday 22 May.
    in_time = records.failure(crc, at(D(2026, 5, 20)))
    records.close(wf.FAILURE, in_time, "accept_excuse", when=local(D(2026, 5, 22), 17))
    late = records.failure(crc, at(D(2026, 5, 20)))
    records.close(wf.FAILURE, late, "accept_excuse", when=local(D(2026, 5, 26), 9))
    # Opened Thursday 28 May, due Monday 1 June; decided late on the last evening of May
    # (in time, and in May) and just after midnight (in time, in June).
    may_evening = records.failure(other, at(D(2026, 5, 28)))
    records.close(wf.FAILURE, may_evening, "accept_excuse", when=local(D(2026, 5, 31), 23, 30))
    june_night = records.failure(other, at(D(2026, 5, 28)))
    records.close(wf.FAILURE, june_night, "accept_excuse", when=local(JUNE, 0, 30))
    # A breach referral the NPS returned with advice after its 5 business days (late); an
    # escalation the CRC withdrew the next day: the step it ended was the NPS's, in time.
    referral = records.breach_referral(crc, at(D(2026, 5, 20)))  # due 28 May
    wf.BREACH_REFERRAL.advance(
        referral, "return_with_advice", actor=None, at=local(D(2026, 6, 2), 10), system=True
    )
    escalation = records.escalation(crc, at(D(2026, 5, 20)))  # due 28 May
    records.close(wf.RISK_ESCALATION, escalation, "withdraw", when=local(D(2026, 5, 21), 10))
    # Outside the period asked for.
    before = records.failure(crc, at(D(2026, 4, 1)))
    records.close(wf.FAILURE, before, "accept_excuse", when=local(D(2026, 4, 2), 10))


def test_counts_by_organisation_workflow_step_and_month(steps):
    with CaptureQueriesContext(connection) as queries:
        rows = workflow_timeliness(date_from=MAY, date_to=D(2026, 6, 30))
    assert len(queries) == 1
    assert rows == [
        StepTimeliness("CRC11", "failure", "AWAITING_DECISION", MAY, 2, 1, 1),
        StepTimeliness("CRC20", "failure", "AWAITING_DECISION", MAY, 1, 1, 0),
        StepTimeliness("CRC20", "failure", "AWAITING_DECISION", JUNE, 1, 1, 0),
        StepTimeliness("NPS-WAL", "breach_referral", "AWAITING_EO", JUNE, 1, 0, 1),
        StepTimeliness("NPS-WAL", "risk_escalation", "AWAITING_NPS", MAY, 1, 1, 0),
    ]


@pytest.mark.parametrize(
    ("date_from", "date_to", "months"),
    [
        pytest.param(MAY, D(2026, 5, 31), {MAY}, id="to-the-last-day-of-may"),
        pytest.param(JUNE, D(2026, 6, 30), {JUNE}, id="from-the-first-of-june"),
        pytest.param(D(2026, 5, 23), D(2026, 5, 31), {MAY}, id="part-of-may"),
    ],
)
def test_the_period_is_inclusive_local_dates(steps, date_from, date_to, months):
    rows = workflow_timeliness(date_from=date_from, date_to=date_to)
    assert {row.month for row in rows} == months
    if date_from == D(2026, 5, 23):
        # Only the late failure (26 May) and the one on the evening of 31 May.
        assert sum(row.completed for row in rows) == 2


def test_nothing_completed_gives_nothing():
    assert workflow_timeliness(date_from=MAY, date_to=JUNE) == []
