"""The workflow deadline job on Celery beat: every weekday morning, per Contract Package
Area, a reminder the business day before each deadline (five before a risk review's
review-by date) and an alert the first business day after it, recorded once whatever the
number of runs, and one summary notification per organisation that must act."""

import datetime

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.db import connection

from enforcement import workflows as wf
from enforcement.tasks import (
    find_workflow_deadlines,
    reminder_day,
    reminder_window,
)
from probation.celery import app
from probation.models import Notification
from probation.models.workflow import DeadlineAlert
from tests.enforcement import open_records as records
from tests.enforcement.open_records import D, at
from tests.probation.factories import org, person_of

MON_1_JUNE = D(2026, 6, 1)


@pytest.fixture
def eager():
    """Tasks run in process, as in the embedded default (without REDIS_URL)."""
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def run(day: datetime.date) -> dict:
    return find_workflow_deadlines.delay(day.isoformat()).get()


def alerts() -> set[tuple]:
    return set(
        DeadlineAlert.objects.values_list("workflow", "record_id", "kind", "due_by", "raised_on")
    )


def deadline_notes() -> set[str]:
    return set(Notification.objects.filter(kind="WORKFLOW_DEADLINE").values_list("key", flat=True))


def test_the_job_is_on_the_beat_schedule_every_weekday_morning():
    entry = settings.CELERY_BEAT_SCHEDULE["workflow-deadlines"]
    assert entry["task"] == find_workflow_deadlines.name
    schedule = entry["schedule"]
    assert isinstance(schedule, crontab)
    assert (schedule.hour, schedule.minute) == ({7}, {15})
    assert schedule.day_of_week == {1, 2, 3, 4, 5}
    assert settings.WORKFLOW_DEADLINE_JOB_TIME == "07:15"


def test_the_celery_app_discovers_the_tasks():
    app.loader.import_default_modules()
    assert {
        "enforcement.tasks.find_workflow_deadlines",
        "enforcement.tasks.record_workflow_deadlines",
    } <= set(app.tasks)


@pytest.mark.parametrize(
    ("due_by", "n", "expected"),
    [
        pytest.param(D(2026, 6, 2), 1, D(2026, 6, 1), id="tuesday-monday"),
        pytest.param(D(2026, 6, 1), 1, D(2026, 5, 29), id="monday-friday-before"),
        pytest.param(D(2026, 5, 26), 1, D(2026, 5, 22), id="over-spring-bank-holiday"),
        pytest.param(D(2026, 6, 6), 1, D(2026, 6, 5), id="saturday-review-friday"),
        pytest.param(D(2026, 6, 12), 5, D(2026, 6, 5), id="five-days-a-week-before"),
        pytest.param(D(2026, 4, 7), 1, D(2026, 4, 2), id="over-easter"),
    ],
)
def test_reminder_day(due_by, n, expected):
    assert reminder_day(due_by, n) == expected


def test_the_reminder_window_on_a_friday_reaches_over_the_weekend():
    window = reminder_window(D(2026, 5, 29), 1)
    assert list(window) == [D(2026, 5, 29), D(2026, 5, 30), D(2026, 5, 31), D(2026, 6, 1)]
    assert reminder_window(D(2026, 5, 29), 0) == {}


pytestmark_db = pytest.mark.django_db


@pytestmark_db
@pytest.mark.parametrize(
    ("opened", "due_by", "before", "remind", "overdue"),
    [
        pytest.param(
            D(2026, 5, 28),
            D(2026, 6, 1),
            D(2026, 5, 28),
            D(2026, 5, 29),
            D(2026, 6, 2),
            id="across-a-weekend",
        ),
        pytest.param(
            D(2026, 5, 21),
            D(2026, 5, 26),
            D(2026, 5, 21),
            D(2026, 5, 22),
            D(2026, 5, 27),
            id="across-spring-bank-holiday",
        ),
    ],
)
def test_reminder_the_business_day_before_and_alert_the_day_after(
    eager, opened, due_by, before, remind, overdue
):
    person = person_of("CRC11")
    failure = records.failure(person, at(opened))
    assert failure.due_by == due_by  # FAILURE_DECISION_BUSINESS_DAYS (2)
    key = ("failure", failure.pk)

    run(before)
    assert alerts() == set()
    run(remind)
    assert alerts() == {(*key, "REMINDER", due_by, remind)}
    run(due_by)  # on the day: the reminder stands, nothing new
    assert alerts() == {(*key, "REMINDER", due_by, remind)}
    run(overdue)
    assert alerts() == {(*key, "REMINDER", due_by, remind), (*key, "OVERDUE", due_by, overdue)}
    run(overdue + datetime.timedelta(days=1))  # still overdue: alerted once
    assert len(alerts()) == 2
    alert = DeadlineAlert.objects.get(kind="OVERDUE")
    assert (alert.organisation, alert.person, alert.state) == (
        org("CRC11"),
        person,
        "AWAITING_DECISION",
    )


@pytestmark_db
def test_a_second_run_the_same_day_adds_nothing(eager):
    person = person_of("CRC11")
    records.failure(person, at(D(2026, 5, 20)))  # due 22 May: overdue
    records.failure(person, at(D(2026, 5, 28)))  # due 1 June: reminder on Friday 29
    records.escalation(person_of("CRC20"), at(D(2026, 5, 21)))  # due 28 May: overdue
    first = run(D(2026, 5, 29))
    assert first["business_day"] is True and len(first["tasks"]) == 21  # one per CPA
    recorded, notes = alerts(), deadline_notes()
    assert len(recorded) == 3 and len(notes) == 3
    run(D(2026, 5, 29))
    assert alerts() == recorded and deadline_notes() == notes
    assert Notification.objects.filter(kind="WORKFLOW_DEADLINE").count() == 3


@pytestmark_db
def test_closed_records_get_nothing(eager):
    person = person_of("CRC11")
    failure = records.failure(person, at(D(2026, 5, 20)))
    records.close(wf.FAILURE, failure, "accept_excuse", when=at(D(2026, 5, 21)))
    escalation = records.escalation(person, at(D(2026, 5, 20)))
    records.close(wf.RISK_ESCALATION, escalation, "withdraw", when=at(D(2026, 5, 21)))
    run(D(2026, 5, 29))
    assert alerts() == set() and deadline_notes() == set()


@pytestmark_db
def test_a_step_due_the_day_it_begins_gets_no_reminder_only_the_alert(eager):
    person = person_of("CRC11")
    # An immediate-risk referral made before the job runs is due the same day.
    urgent = records.escalation(person, at(MON_1_JUNE, hour=6), immediate=True)
    assert urgent.due_by == MON_1_JUNE
    run(MON_1_JUNE)
    assert alerts() == set()
    run(D(2026, 6, 2))
    assert alerts() == {("risk_escalation", urgent.pk, "OVERDUE", MON_1_JUNE, D(2026, 6, 2))}


@pytestmark_db
def test_a_step_begun_on_its_reminder_day_is_reminded(eager):
    # Opened Friday morning before the job: due Tuesday, reminded Monday.
    failure = records.failure(person_of("CRC11"), at(D(2026, 5, 29), hour=6))
    assert failure.due_by == D(2026, 6, 2)
    run(D(2026, 5, 29))
    assert alerts() == set()
    run(MON_1_JUNE)
    assert alerts() == {("failure", failure.pk, "REMINDER", D(2026, 6, 2), MON_1_JUNE)}


@pytestmark_db
@pytest.mark.parametrize(
    ("today", "reminded"),
    [
        pytest.param(D(2026, 6, 4), False, id="six-business-days-before"),
        pytest.param(D(2026, 6, 5), True, id="five-business-days-before"),
    ],
)
def test_a_risk_review_is_reminded_five_business_days_before(eager, today, reminded):
    review = records.risk_review(person_of("CRC11"), at(D(2026, 5, 1)), D(2026, 6, 12))
    assert review.due_by == D(2026, 6, 12)
    run(today)
    expected = {("risk_review", review.pk, "REMINDER", D(2026, 6, 12), today)}
    assert alerts() == (expected if reminded else set())


@pytestmark_db
@pytest.mark.parametrize(
    "day",
    [
        pytest.param(D(2026, 5, 30), id="saturday"),
        pytest.param(D(2026, 5, 25), id="spring-bank-holiday"),
    ],
)
def test_on_a_day_that_is_not_a_business_day_it_does_nothing(eager, day):
    records.failure(person_of("CRC11"), at(D(2026, 5, 18)))
    assert run(day) == {"today": day.isoformat(), "business_day": False, "tasks": []}
    assert alerts() == set()


@pytestmark_db
def test_each_organisation_that_must_act_is_told_once(eager):
    crc_case = person_of("CRC11")
    nps_case = person_of("NPS", ldu_crc="CRC11")
    opened = at(D(2026, 5, 20))  # everything below is overdue on Friday 29 May
    records.failure(crc_case, opened)
    records.failure(crc_case, opened)
    records.failure(nps_case, opened)  # waits on the NPS: the person's division acts
    records.escalation(crc_case, opened)
    records.recall(crc_case, opened)
    run(D(2026, 5, 29))
    notes = {
        (n.organisation.code, n.team_id is not None, n.title, n.body)
        for n in Notification.objects.filter(kind="WORKFLOW_DEADLINE")
    }
    assert notes == {
        ("CRC11", False, "2 steps past the deadline in Wales", "By workflow: failure to comply 2."),
        (
            "NPS-WAL",
            False,
            "2 steps past the deadline in Wales",
            "By workflow: failure to comply 1, risk escalation referral 1.",
        ),
        ("PPCS", False, "1 step past the deadline in Wales", "By workflow: recall request 1."),
    }


@pytestmark_db
def test_a_crc_case_with_a_team_is_told_to_that_team(eager):
    from probation.models import OffenderManagerAssignment
    from tests.probation.factories import team_of

    person = person_of("CRC11")
    team = team_of(org("CRC11"))
    OffenderManagerAssignment.objects.create(
        person=person, provider=org("CRC11"), team=team, started_at=at(D(2026, 1, 5))
    )
    records.failure(person, at(D(2026, 5, 20)))
    run(D(2026, 5, 29))
    note = Notification.objects.get(kind="WORKFLOW_DEADLINE")
    assert (note.organisation.code, note.team) == ("CRC11", team)
    assert note.key == f"workflow-deadline:OVERDUE:CRC11:{team.pk}:CRC11:2026-05-29"


@pytestmark_db
def test_without_a_date_it_checks_today(eager, monkeypatch):
    from probation import clock

    failure = records.failure(person_of("CRC11"), at(D(2026, 5, 20)))
    monkeypatch.setattr(clock, "today", lambda: D(2026, 5, 29))
    assert find_workflow_deadlines.delay().get()["today"] == "2026-05-29"
    assert {a[1] for a in alerts()} == {failure.pk}


# --- A real worker through Redis -----------------------------------------------------------


@pytest.mark.redis
@pytest.mark.xdist_group("redis")
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the worker process shares the test database: PostgreSQL's, not SQLite's in memory",
)
@pytest.mark.django_db(transaction=True)
def test_on_a_real_worker_running_twice_records_once(worker):
    assert not app.conf.task_always_eager
    records.failure(person_of("CRC11"), at(D(2026, 5, 20)))
    records.escalation(person_of("CRC20"), at(D(2026, 5, 28)))  # due 4 June: not yet

    def go(day):
        started = find_workflow_deadlines.delay(day).get(timeout=60)
        return started, [app.AsyncResult(task).get(timeout=60) for task in started["tasks"]]

    started, created = go("2026-05-29")
    assert len(started["tasks"]) == 21 and sum(created) == 1
    started, created = go("2026-05-29")
    assert len(started["tasks"]) == 21 and sum(created) == 0
    assert DeadlineAlert.objects.count() == 1
    assert len(deadline_notes()) == 1
    started, created = go("2026-06-03")  # the escalation's reminder day
    assert sum(created) == 1
    assert DeadlineAlert.objects.filter(kind="REMINDER", workflow="risk_escalation").exists()
