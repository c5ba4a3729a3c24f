"""Celery tasks of the performance facts (``performance.facts``). The nightly beat entry
"performance-facts" starts ``refresh_facts``, which fans out one ``refresh_month`` per
month due. Each task is safe to run twice: a month refreshed again on the same data writes
nothing, and two refreshes of one month wait for each other (a row lock on its
``FactsMonth``). Without a broker (the embedded default) the tasks run in-process."""

from celery import group, shared_task

from contracts import periods
from performance import facts
from probation import audit, clock
from probation.celery import IDEMPOTENT_TASK


@shared_task(name="performance.tasks.refresh_month", **IDEMPOTENT_TASK)
def refresh_month(month_iso: str) -> dict:
    """One month's facts (``YYYY-MM``): compute, write the differences."""
    with audit.channel("task"):
        return facts.refresh_month(periods.parse_month(month_iso))


@shared_task(name="performance.tasks.refresh_facts")
def refresh_facts(months: list[str] | None = None) -> list[str]:
    """The nightly job: a ``refresh_month`` task for each month due
    (``facts.months_to_refresh``), or for the given months (``YYYY-MM``). Returns the
    months started."""
    with audit.channel("task"):
        if months:
            due = [periods.parse_month(month) for month in months]
        else:
            plan = facts.plan(clock.today())
            facts.mark_checked(plan)
            due = plan.due
    labels = [f"{month:%Y-%m}" for month in due]
    if labels:
        group(refresh_month.s(label) for label in labels).apply_async()
    return labels
