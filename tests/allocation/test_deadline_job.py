"""The allocation deadline job on Celery: scheduled every weekday morning, it does nothing on
a day that is not a business day and otherwise fans out one task per Contract Package Area;
in process (the embedded default) and on a real worker through Redis, running it twice
records each breach and each notification once."""

import datetime

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.db import connection

from allocation.models import AllocationBreach
from allocation.tasks import find_overdue_allocations
from probation.celery import app
from probation.models import Notification
from tests.probation.factories import person_of, sentence_of, staff

D = datetime.date
WED_30_DEC = "2026-12-30"


@pytest.fixture
def eager():
    """Tasks run in process, as in the embedded default (without REDIS_URL), even when the
    suite runs with a broker."""
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def overdue_cases():
    """One sentence overdue on Wednesday 30 December 2026 in Wales (CPA 11), one in London
    (CPA 20), one not yet overdue; and the two divisions' allocation managers."""
    made = []
    for crc, sentenced in (("CRC11", D(2026, 12, 24)), ("CRC20", D(2026, 12, 1))):
        person = person_of("NPS", ldu_crc=crc)
        made.append(sentence_of(person, sentence_date=sentenced, offence_date=D(2026, 10, 1)).pk)
    sentence_of(person_of("NPS"), sentence_date=D(2026, 12, 29), offence_date=D(2026, 10, 1))
    staff("NPS_ALLOCATION_MANAGER", "NPS-WAL")
    staff("NPS_ALLOCATION_MANAGER", "NPS-LON")
    return set(made)


def recorded():
    breaches = set(AllocationBreach.objects.values_list("sentence_id", flat=True))
    notes = set(
        Notification.objects.filter(kind="ALLOCATION_OVERDUE").values_list("key", flat=True)
    )
    return breaches, notes


EXPECTED_KEYS = {
    "allocation-overdue:NPS-WAL:CRC11:2026-12-30",
    "allocation-overdue:NPS-LON:CRC20:2026-12-30",
}


def test_the_job_is_on_the_beat_schedule_every_weekday_morning():
    entry = settings.CELERY_BEAT_SCHEDULE["allocation-deadlines"]
    assert entry["task"] == find_overdue_allocations.name
    schedule = entry["schedule"]
    assert isinstance(schedule, crontab)
    assert (schedule.hour, schedule.minute) == ({7}, {0})
    assert schedule.day_of_week == {1, 2, 3, 4, 5}
    assert settings.ALLOCATION_DEADLINE_JOB_TIME == "07:00"
    assert settings.CELERY_TIMEZONE == settings.TIME_ZONE


def test_the_celery_app_discovers_the_allocation_tasks():
    app.loader.import_default_modules()
    assert {
        "allocation.tasks.find_overdue_allocations",
        "allocation.tasks.record_overdue_allocations",
    } <= set(app.tasks)


@pytest.mark.django_db
def test_in_process_one_task_per_cpa_and_twice_records_once(eager):
    sentences = overdue_cases()
    first = find_overdue_allocations.delay(WED_30_DEC).get()
    assert first["business_day"] is True
    assert len(first["tasks"]) == 21  # one per Contract Package Area
    assert recorded() == (sentences, EXPECTED_KEYS)
    second = find_overdue_allocations.delay(WED_30_DEC).get()
    assert len(second["tasks"]) == 21
    assert recorded() == (sentences, EXPECTED_KEYS)
    assert Notification.objects.filter(kind="ALLOCATION_OVERDUE").count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "day",
    [
        pytest.param("2027-01-02", id="saturday"),
        pytest.param("2026-12-28", id="bank-holiday-boxing-day-substitute"),
        pytest.param("2026-04-06", id="bank-holiday-easter-monday"),
    ],
)
def test_on_a_day_that_is_not_a_business_day_it_does_nothing(eager, day):
    overdue_cases()
    result = find_overdue_allocations.delay(day).get()
    assert result == {"today": day, "business_day": False, "tasks": []}
    assert recorded() == (set(), set())


@pytest.mark.django_db
def test_a_closure_day_is_not_a_business_day_either(eager, settings):
    settings.BUSINESS_CLOSURE_DATES = (D(2026, 12, 30),)
    overdue_cases()
    assert find_overdue_allocations.delay(WED_30_DEC).get()["tasks"] == []
    assert recorded() == (set(), set())


@pytest.mark.django_db
def test_without_a_date_it_checks_today(eager, monkeypatch):
    from probation import clock

    sentences = overdue_cases()
    monkeypatch.setattr(clock, "today", lambda: D(2026, 12, 30))
    assert find_overdue_allocations.delay().get()["today"] == WED_30_DEC
    assert recorded()[0] == sentences


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
    sentences = overdue_cases()

    def run(day):
        started = find_overdue_allocations.delay(day).get(timeout=60)
        return started, [app.AsyncResult(task).get(timeout=60) for task in started["tasks"]]

    started, created = run(WED_30_DEC)
    assert len(started["tasks"]) == 21 and sum(created) == 2
    assert recorded() == (sentences, EXPECTED_KEYS)

    started, created = run(WED_30_DEC)
    assert len(started["tasks"]) == 21 and sum(created) == 0
    assert recorded() == (sentences, EXPECTED_KEYS)
    assert Notification.objects.filter(kind="ALLOCATION_OVERDUE").count() == 2

    saturday, created = run("2027-01-02")
    assert saturday["business_day"] is False and created == []
    assert AllocationBreach.objects.count() == 2
