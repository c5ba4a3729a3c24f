"""Celery tasks of allocation: the morning deadline job (issue "Allocation", 8).

The beat schedule (``CELERY_BEAT_SCHEDULE`` in the settings, at
``ALLOCATION_DEADLINE_JOB_TIME`` on weekdays) starts ``find_overdue_allocations``; on a
business day it fans out one ``record_overdue_allocations`` per Contract Package Area, so
the 21 CPAs run side by side on the workers and one failing CPA is retried alone. Tasks
take codes and ISO dates, call ``allocation.deadlines`` and are safe to run twice.
"""

import datetime

from celery import shared_task

from allocation import deadlines
from probation import audit
from probation.tasks import fan_out_per_cpa


@shared_task(name="allocation.tasks.find_overdue_allocations")
def find_overdue_allocations(today_iso: str | None = None) -> dict:
    """Start the deadline check of every CPA for ``today_iso`` (default: today). Does
    nothing on a weekend, bank holiday or closure day: no allocation falls due then, and
    the next business morning finds whatever became overdue. Returns the ids of the tasks
    it started, so a caller can wait for them."""
    return fan_out_per_cpa(record_overdue_allocations, today_iso)


@shared_task(name="allocation.tasks.record_overdue_allocations")
def record_overdue_allocations(cpa_code: str, today_iso: str) -> int:
    """Record the CPA's overdue allocations on that day; returns the new breaches."""
    with audit.channel("task"):
        return deadlines.record_breaches(
            cpa_code=cpa_code, today=datetime.date.fromisoformat(today_iso)
        )
