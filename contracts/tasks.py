"""Celery tasks of the payment run. Tasks take ids, call ``contracts.payments`` and are safe
to run twice: a part done does nothing, and the ledger writes each key once."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from contracts import payments, periods
from contracts.models import RunTrigger
from probation import audit, clock


@shared_task(
    name="contracts.tasks.pay_part",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
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
