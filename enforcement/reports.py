"""Timeliness of the referrals and responses between organisations, for the performance
dashboards (issue "Risk escalation, SFO and enforcement", 7): how many steps with a
deadline each organisation completed, by workflow, step and month, and how many of them in
time.

Read from ``WorkflowEvent``: an event that ends a step with a deadline carries the step's
organisation (``step_organisation``: the one that had to act), its deadline (``due_by``)
and whether it was made by then (``within_deadline``, set by ``probation.workflow``). A
step counts in the month it was completed. One GROUP BY query whatever the number of
events. Steps still open past their deadline are the deadline job's OVERDUE alerts
(``DeadlineAlert``), counted separately.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth

from probation.models.workflow import WorkflowEvent


@dataclass(frozen=True)
class StepTimeliness:
    organisation: str  # the code of the organisation that had to act
    workflow: str  # the workflow's name, e.g. "breach_referral"
    step: str  # the state the step was in (the event's from_state)
    month: datetime.date  # first day of the month the step was completed
    completed: int
    within_deadline: int
    late: int


def workflow_timeliness(
    *, date_from: datetime.date, date_to: datetime.date
) -> list[StepTimeliness]:
    """Steps with a deadline completed between ``date_from`` and ``date_to`` (inclusive,
    local dates), by the organisation that had to act, workflow, step and month; ordered by
    organisation, workflow, step and month."""
    rows = (
        WorkflowEvent.objects.filter(
            due_by__isnull=False,
            step_organisation__isnull=False,
            at__date__gte=date_from,
            at__date__lte=date_to,
        )
        .annotate(month=TruncMonth("at"))
        .order_by()
        .values("step_organisation__code", "workflow", "from_state", "month")
        .annotate(
            completed=Count("pk"),
            within=Count("pk", filter=Q(within_deadline=True)),
            late=Count("pk", filter=Q(within_deadline=False)),
        )
    )
    return sorted(
        (
            StepTimeliness(
                organisation=row["step_organisation__code"],
                workflow=row["workflow"],
                step=row["from_state"],
                month=_as_date(row["month"]),
                completed=row["completed"],
                within_deadline=row["within"],
                late=row["late"],
            )
            for row in rows
        ),
        key=lambda t: (t.organisation, t.workflow, t.step, t.month),
    )


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value
