"""The facts job on PostgreSQL with a real Celery worker over the demo data: the nightly
task fans out one task per month due; run twice, it gives the same facts and the second
run changes none."""

import datetime
import time

import pytest
from django.db import connection

from contracts import periods
from performance import facts, tasks
from performance.models import Fact, FactsMonth
from probation import demo
from tests.conftest import own_queue, start_worker

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.redis,
    pytest.mark.xdist_group("redis"),
]

TODAY = datetime.date.today()
# Three months: the worker reads FACTS_FIRST_MONTH from its environment.
FIRST = periods.add_months(periods.first_of_month(TODAY), -2)

FACTS = """
    SELECT f.month, f.measure, o.code, f.breakdown, f.numerator, f.denominator
      FROM performance_fact f JOIN probation_organisation o ON o.id = f.organisation_id
     ORDER BY f.month, f.measure, o.code, f.breakdown
"""


def snapshot():
    with connection.cursor() as cursor:
        cursor.execute(FACTS)
        return cursor.fetchall()


@pytest.fixture
def demo_data():
    if connection.vendor != "postgresql":
        pytest.skip("the worker shares the test database on PostgreSQL only")
    demo.seed(offenders=400, seed=9, today=TODAY)
    # The demo computes its facts; the job here starts from none.
    Fact.objects.all().delete()
    FactsMonth.objects.all().delete()


@pytest.fixture
def facts_worker(monkeypatch, settings):
    monkeypatch.setenv("FACTS_FIRST_MONTH", FIRST.isoformat())
    settings.FACTS_FIRST_MONTH = FIRST
    with own_queue() as queue:
        process = start_worker(queue)
        yield process
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def computed_after(months, instant, timeout=240):
    """Wait until every month was computed after ``instant``."""
    deadline = time.monotonic() + timeout
    while FactsMonth.objects.filter(month__in=months, computed_at__gt=instant).count() < len(
        months
    ):
        assert time.monotonic() < deadline, "the months were not computed in time"
        time.sleep(0.2)


def test_the_job_run_twice_on_a_worker_gives_the_same_facts(demo_data, facts_worker):
    due = facts.months_to_refresh(TODAY)
    assert len(due) == 3
    before = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    started = tasks.refresh_facts.delay().get(timeout=120)
    assert started == [f"{month:%Y-%m}" for month in due]
    computed_after(due, before)
    first = snapshot()
    assert first, "the demo gave no facts"
    assert {row[0] for row in first} <= set(due)
    changed = dict(FactsMonth.objects.values_list("month", "changed"))
    assert sum(changed.values()) == len(first)  # all new

    # Nothing changed since: the second run computes the open months, and changes nothing.
    last = max(FactsMonth.objects.values_list("computed_at", flat=True))
    again = tasks.refresh_facts.delay().get(timeout=120)
    open_months = due[-2:]
    assert again == [f"{month:%Y-%m}" for month in open_months]
    computed_after(open_months, last)
    assert snapshot() == first
    assert set(
        FactsMonth.objects.filter(month__in=open_months).values_list("changed", flat=True)
    ) == {0}
