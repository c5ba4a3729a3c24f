"""Celery tasks of the payment run. Tasks take ids, call ``contracts.payments`` and are safe
to run twice: a part done does nothing, and the ledger writes each key once."""

from celery import shared_task

from contracts import payments, periods
from contracts.models import RunTrigger
from probation import audit, clock
from probation.celery import IDEMPOTENT_TASK


@shared_task(name="contracts.tasks.pay_part", **IDEMPOTENT_TASK)
def pay_part(part_id: int) -> dict:
    """One CPA's (or NPS division's) part of a payment run."""
    with audit.channel("task"):
        return payments.pay_part(part_id)


@shared_task(name="contracts.tasks.run_payments")
def run_payments(month_iso: str | None = None) -> int:
    """The monthly schedule: pay the month before (or ``month_iso``, ``YYYY-MM``)."""
    if month_iso:
        month = periods.parse_month(month_iso)
    else:
        month = periods.add_months(periods.first_of_month(clock.today()), -1)
    with audit.channel("task"):
        return payments.start_run(month, trigger=RunTrigger.SCHEDULE).pk
