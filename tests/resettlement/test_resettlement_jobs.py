"""The resettlement clocks on Celery beat (issue 7 point 8): every business morning the
pre-release windows that opened create their tasks, tasks past their deadline are recorded
and their owners told once, stale allocations are caught up – and the plan's screening,
plan and sharing deadlines are flagged by the workflow deadline job to the organisation
that must act. Safe to run twice."""

import datetime

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.db import connection

from enforcement.tasks import find_workflow_deadlines
from probation.celery import app
from probation.models import Notification, Organisation, Person
from probation.models.workflow import DeadlineAlert
from resettlement import custody
from resettlement.models import CustodyEpisode, PlanState, PreReleaseTask, TaskKind
from resettlement.tasks import (
    TASK_WORKFLOW,
    record_resettlement_clocks,
    resettlement_clocks,
    run_resettlement_clocks,
)
from resettlement.workflows import RESETTLEMENT_PLAN
from tests.probation.factories import org, person_of
from tests.resettlement.factories import prison, prison_officer, reception

D = datetime.date
RECEIVED = D(2027, 3, 1)
RELEASE = D(2027, 9, 30)  # Thursday: the window opens Thursday 8 July, tasks due 23 September
WINDOW_OPENS = D(2027, 7, 8)
TASKS_DUE = D(2027, 9, 23)


@pytest.fixture
def eager():
    """Tasks run in process, as in the embedded default (without REDIS_URL)."""
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def run(day: D) -> dict:
    """Every CPA's task for ``day`` (what the beat's job fans out), in process; returns
    their summed results. (Eager results cannot be fetched by id, so the fan-out itself is
    run by ``run_resettlement_clocks`` where its effect is checked.)"""
    totals: dict[str, int] = {}
    for code in Organisation.objects.crcs().values_list("code", flat=True):
        for name, n in record_resettlement_clocks.delay(code, day.isoformat()).get().items():
            totals[name] = totals.get(name, 0) + n
    return totals


def in_custody(freeze, provider="CRC20", **kwargs):
    freeze(RECEIVED)
    person = person_of(provider, **kwargs)
    episode = reception(
        person, prison("CFI", lead="CRC11"), received_on=RECEIVED, expected_release_on=RELEASE
    )
    return person, episode


def task_alerts() -> set[tuple]:
    return set(
        DeadlineAlert.objects.filter(workflow=TASK_WORKFLOW).values_list(
            "state", "kind", "due_by", "organisation__code", "raised_on"
        )
    )


def resettlement_notes() -> dict[str, str]:
    return dict(
        Notification.objects.filter(
            kind="RESETTLEMENT", key__startswith="pre-release-overdue"
        ).values_list("key", "organisation__code")
    )


# --- The schedule ---------------------------------------------------------------------------------


def test_the_job_is_on_the_beat_schedule_every_weekday_morning():
    entry = settings.CELERY_BEAT_SCHEDULE["resettlement-clocks"]
    assert entry["task"] == run_resettlement_clocks.name
    schedule = entry["schedule"]
    assert isinstance(schedule, crontab)
    assert (schedule.hour, schedule.minute) == ({7}, {10})
    assert schedule.day_of_week == {1, 2, 3, 4, 5}
    assert settings.RESETTLEMENT_JOB_TIME == "07:10"


def test_the_celery_app_discovers_the_tasks():
    app.loader.import_default_modules()
    assert {run_resettlement_clocks.name, record_resettlement_clocks.name} <= set(app.tasks)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "day",
    [D(2027, 7, 10), D(2027, 7, 11), D(2026, 12, 28), D(2027, 1, 1)],
    ids=["saturday", "sunday", "boxing-day-substitute", "new-years-day"],
)
def test_nothing_on_a_non_business_day(eager, day):
    assert run_resettlement_clocks.delay(day.isoformat()).get() == {
        "today": day.isoformat(),
        "business_day": False,
        "tasks": [],
    }


# --- Windows and overdue tasks ------------------------------------------------------------------


@pytest.mark.django_db
def test_windows_open_tasks_go_overdue_once_and_each_owner_is_told_once(eager, freeze):
    _, episode = in_custody(freeze)
    assert run(WINDOW_OPENS - datetime.timedelta(days=1)) == {
        "refreshed": 0,
        "tasks_reassigned": 0,
        "tasks_opened": 0,
        "overdue_alerts": 0,
        "notifications": 0,
    }
    started = run_resettlement_clocks.delay(WINDOW_OPENS.isoformat()).get()  # the beat's job
    assert started["business_day"] and len(started["tasks"]) == 21
    assert PreReleaseTask.objects.filter(episode=episode).count() == 3
    assert run(WINDOW_OPENS)["tasks_opened"] == 0  # a second run the same day
    assert run(TASKS_DUE)["overdue_alerts"] == 0  # due today: not yet overdue

    overdue_day = TASKS_DUE + datetime.timedelta(days=1)
    assert run(overdue_day) == {
        "refreshed": 0,
        "tasks_reassigned": 0,
        "tasks_opened": 0,
        "overdue_alerts": 3,
        "notifications": 2,
    }
    assert task_alerts() == {
        (TaskKind.RELEASE_PREPARATION, "OVERDUE", TASKS_DUE, "CRC11", overdue_day),
        (TaskKind.ACCOMMODATION, "OVERDUE", TASKS_DUE, "CRC20", overdue_day),
        (TaskKind.EMPLOYMENT, "OVERDUE", TASKS_DUE, "CRC20", overdue_day),
    }
    assert resettlement_notes() == {
        f"pre-release-overdue:CRC11:CRC20:{overdue_day}": "CRC11",
        f"pre-release-overdue:CRC20:CRC20:{overdue_day}": "CRC20",
    }
    note = Notification.objects.get(key=f"pre-release-overdue:CRC20:CRC20:{overdue_day}")
    assert note.title.startswith("2 pre-release tasks past the deadline")
    # Again the same day, and the next: nothing more.
    assert run(overdue_day)["overdue_alerts"] == 0
    assert run(D(2027, 9, 27))["overdue_alerts"] == 0
    assert len(task_alerts()) == 3 and len(resettlement_notes()) == 2


@pytest.mark.django_db
def test_an_nps_owners_overdue_tasks_are_told_to_the_persons_division(eager, freeze):
    person, _ = in_custody(freeze, "NPS", ldu_crc="CRC20")
    run(WINDOW_OPENS)
    run(TASKS_DUE + datetime.timedelta(days=1))
    division = person.ldu.division
    assert set(resettlement_notes().values()) == {"CRC11", division.code}
    assert {code for *_, code, _ in task_alerts()} == {"CRC11", "NPS"}


@pytest.mark.django_db
def test_an_allocation_changed_without_the_signal_is_caught_up_before_the_window(eager, freeze):
    person, episode = in_custody(freeze, "CRC20")
    # Set-wise, as a bulk correction would: no provider_changed signal.
    Person.objects.filter(pk=person.pk).update(responsible_provider=org("NPS"))
    result = run(WINDOW_OPENS)
    assert result["refreshed"] == 1 and result["tasks_opened"] == 3
    episode.refresh_from_db()
    assert episode.allocated_to.code == "NPS"
    assert episode.accommodation_employment_by.code == "NPS"
    owners = dict(episode.tasks.values_list("kind", "owner__code"))
    assert owners[TaskKind.ACCOMMODATION] == "NPS"
    assert run(WINDOW_OPENS)["refreshed"] == 0


@pytest.mark.django_db
def test_open_tasks_follow_the_organisations_the_episode_names_now(eager, freeze):
    person, episode = in_custody(freeze, "CRC20")
    run(WINDOW_OPENS)
    freeze(WINDOW_OPENS)
    custody.move_record(
        actor=prison_officer(episode.prison),
        crn=person.crn,
        episode_id=episode.pk,
        prison_code=prison("PNI", lead="CRC20", ldu_crc="CRC20").code,
        moved_on=WINDOW_OPENS,
    )
    episode.refresh_from_db()
    assert episode.pre_release_lead.code == "CRC20"  # allocated, and provides services there
    owners = dict(episode.tasks.values_list("kind", "owner__code"))
    assert owners[TaskKind.RELEASE_PREPARATION] == "CRC11"  # as opened
    # A new allocation behind the signal's back, after the window opened.
    Person.objects.filter(pk=person.pk).update(responsible_provider=org("NPS"))
    result = run(WINDOW_OPENS + datetime.timedelta(days=1))
    assert (result["refreshed"], result["tasks_reassigned"]) == (1, 3)
    assert dict(episode.tasks.values_list("kind", "owner__code")) == {
        TaskKind.RELEASE_PREPARATION: "CRC20",  # PNI's lead provider, working with the NPS
        TaskKind.ACCOMMODATION: "NPS",
        TaskKind.EMPLOYMENT: "NPS",
    }
    assert run(WINDOW_OPENS + datetime.timedelta(days=1))["tasks_reassigned"] == 0


@pytest.mark.django_db
def test_one_cpa_in_one_transaction_returns_what_was_new(freeze):
    in_custody(freeze)
    assert resettlement_clocks(cpa_code="CRC20", today=WINDOW_OPENS)["tasks_opened"] == 3
    assert resettlement_clocks(cpa_code="CRC11", today=WINDOW_OPENS)["tasks_opened"] == 0


# --- The plan's clocks, flagged by the workflow deadline job ------------------------------------

RECEIVED_PLAN = D(2026, 12, 23)  # Wednesday: part 1 by Saturday 26, the plan by Monday 4 January


def workflow_run(day: D) -> None:
    find_workflow_deadlines.delay(day.isoformat()).get()


def plan_alerts(kind=None) -> set[tuple]:
    alerts = DeadlineAlert.objects.filter(workflow="resettlement_plan")
    if kind:
        alerts = alerts.filter(kind=kind)
    return set(alerts.values_list("state", "kind", "due_by", "organisation__code", "raised_on"))


def deadline_notes() -> dict[str, str]:
    return dict(
        Notification.objects.filter(kind="WORKFLOW_DEADLINE").values_list(
            "key", "organisation__code"
        )
    )


def received_plan(freeze):
    freeze(RECEIVED_PLAN)
    cardiff = prison("CFI", lead="CRC11")
    person = person_of("CRC20")
    episode = reception(person, cardiff, received_on=RECEIVED_PLAN)
    return episode.plan, cardiff


def _at(day: D):
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


@pytest.mark.django_db
def test_a_plan_past_its_screening_access_day_is_flagged_to_the_prison(eager, freeze):
    plan, cardiff = received_plan(freeze)
    assert (plan.state, plan.due_by) == (PlanState.SCREENING, D(2026, 12, 26))
    workflow_run(D(2026, 12, 24))  # the business day before the Saturday deadline
    assert plan_alerts() == {
        ("SCREENING", "REMINDER", D(2026, 12, 26), cardiff.organisation.code, D(2026, 12, 24))
    }
    workflow_run(D(2026, 12, 29))  # the first business day after (28 December: bank holiday)
    assert plan_alerts("OVERDUE") == {
        ("SCREENING", "OVERDUE", D(2026, 12, 26), cardiff.organisation.code, D(2026, 12, 29))
    }
    assert f"workflow-deadline:OVERDUE:{cardiff.organisation.code}:-:CRC20:2026-12-29" in (
        deadline_notes()
    )
    notes = len(deadline_notes())
    workflow_run(D(2026, 12, 29))
    workflow_run(D(2026, 12, 30))
    assert len(plan_alerts()) == 2 and len(deadline_notes()) == notes


@pytest.mark.django_db
def test_a_plan_past_plan_due_by_is_flagged_to_the_writer_crc(eager, freeze):
    plan, _ = received_plan(freeze)
    RESETTLEMENT_PLAN.advance(
        plan, "complete_part1", actor=None, at=_at(RECEIVED_PLAN), system=True
    )
    assert (plan.state, plan.due_by, plan.waiting_on.code) == (
        PlanState.PLANNING,
        D(2027, 1, 4),
        "CRC11",
    )
    workflow_run(D(2026, 12, 31))  # the business day before Monday 4 January (1st: holiday)
    assert plan_alerts() == {("PLANNING", "REMINDER", D(2027, 1, 4), "CRC11", D(2026, 12, 31))}
    workflow_run(D(2027, 1, 4))
    assert plan_alerts("OVERDUE") == set()
    workflow_run(D(2027, 1, 5))
    assert plan_alerts("OVERDUE") == {
        ("PLANNING", "OVERDUE", D(2027, 1, 4), "CRC11", D(2027, 1, 5))
    }
    assert deadline_notes()["workflow-deadline:OVERDUE:CRC11:-:CRC20:2027-01-05"] == "CRC11"
    notes = len(deadline_notes())
    workflow_run(D(2027, 1, 5))
    assert len(plan_alerts()) == 2 and len(deadline_notes()) == notes


@pytest.mark.django_db
def test_a_plan_past_its_share_due_by_is_flagged_to_the_crc_that_wrote_it(eager, freeze):
    plan, _ = received_plan(freeze)
    RESETTLEMENT_PLAN.advance(
        plan, "complete_part1", actor=None, at=_at(RECEIVED_PLAN), system=True
    )
    plan.writer = plan.episode.plan_writer
    RESETTLEMENT_PLAN.advance(plan, "complete", actor=None, at=_at(D(2027, 1, 4)), system=True)
    assert (plan.state, plan.due_by, plan.waiting_on.code) == (
        PlanState.TO_SHARE,
        D(2027, 1, 5),
        "CRC11",
    )
    # Completed during its reminder day (4 January, after the morning's job): reminded the
    # next morning, the day it is due.
    workflow_run(D(2027, 1, 5))
    assert plan_alerts() == {("TO_SHARE", "REMINDER", D(2027, 1, 5), "CRC11", D(2027, 1, 5))}
    workflow_run(D(2027, 1, 6))
    assert plan_alerts("OVERDUE") == {
        ("TO_SHARE", "OVERDUE", D(2027, 1, 5), "CRC11", D(2027, 1, 6))
    }
    assert deadline_notes()["workflow-deadline:OVERDUE:CRC11:-:CRC20:2027-01-06"] == "CRC11"
    notes = len(deadline_notes())
    workflow_run(D(2027, 1, 6))
    workflow_run(D(2027, 1, 7))
    assert len(plan_alerts()) == 2 and len(deadline_notes()) == notes


# --- A real worker through Redis -----------------------------------------------------------------


@pytest.mark.redis
@pytest.mark.xdist_group("redis")
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the worker process shares the test database: PostgreSQL's, not SQLite's in memory",
)
@pytest.mark.django_db(transaction=True)
def test_on_a_real_worker_running_twice_records_once(worker, freeze):
    assert not app.conf.task_always_eager
    _, episode = in_custody(freeze)

    def go(day: D):
        started = run_resettlement_clocks.delay(day.isoformat()).get(timeout=60)
        return started, [app.AsyncResult(task).get(timeout=60) for task in started["tasks"]]

    started, results = go(WINDOW_OPENS)
    assert len(started["tasks"]) == 21
    assert sum(r["tasks_opened"] for r in results) == 3
    started, results = go(WINDOW_OPENS)
    assert sum(r["tasks_opened"] for r in results) == 0
    overdue_day = TASKS_DUE + datetime.timedelta(days=1)
    started, results = go(overdue_day)
    assert sum(r["overdue_alerts"] for r in results) == 3
    started, results = go(overdue_day)
    assert sum(r["overdue_alerts"] for r in results) == 0
    assert PreReleaseTask.objects.filter(episode=episode).count() == 3
    assert len(task_alerts()) == 3 and len(resettlement_notes()) == 2
    assert CustodyEpisode.objects.get(pk=episode.pk).allocated_to.code == "CRC20"


@pytest.mark.django_db
def test_the_workflow_deadline_job_leaves_the_task_alerts_to_the_resettlement_job(eager, freeze):
    """The workflow job's summary counts only its own workflows' alerts: the overdue
    pre-release tasks raised the same morning are told by the resettlement job, once."""
    in_custody(freeze)
    overdue_day = TASKS_DUE + datetime.timedelta(days=1)
    run(WINDOW_OPENS)
    run(overdue_day)
    assert len(task_alerts()) > 0
    workflow_run(overdue_day)
    summaries = Notification.objects.filter(kind="WORKFLOW_DEADLINE")
    assert not any("pre-release task" in n.body for n in summaries)
