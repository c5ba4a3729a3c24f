"""Allocation performance for the dashboards: the share of cases allocated within one
business day, by NPS division and month (issue "Allocation", 8; DOMAIN.md 4).

A case counts in the month its allocation fell due. The cases due are the allocation
decisions due that month and the sentences due that month that are still unallocated (the
deadline job recorded a breach for each); a breach later allocated is counted once, by its
decision. Counted in SQL, two GROUP BY queries whatever the number of cases.
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce, TruncMonth

from allocation.models import AllocationBreach, AllocationDecision, AllocationKind

SHARE_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Timeliness:
    division: str  # the NPS division's code
    month: datetime.date  # the first day of the month
    due: int
    allocated_in_time: int
    share: Decimal | None  # allocated in time / due, to four places; None when none fell due


def _share(due: int, in_time: int) -> Decimal | None:
    if not due:
        return None
    return (Decimal(in_time) / Decimal(due)).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)


def allocation_timeliness(
    *, since: datetime.date, until: datetime.date, division: str | None = None
) -> list[Timeliness]:
    """Per division (``division``: one division's code) and month, the cases whose
    allocation fell due between ``since`` and ``until`` (inclusive) and how many were
    allocated on or before the due date. Ordered by division and month."""
    decisions = (
        AllocationDecision.objects.filter(
            kind=AllocationKind.ALLOCATION, due_by__gte=since, due_by__lte=until
        )
        # Decisions record the deciding division; fall back to the person's LDU's.
        .annotate(
            division_code=Coalesce(F("division__code"), F("person__ldu__division__code")),
            month=TruncMonth("due_by"),
        )
    )
    allocated = AllocationDecision.objects.filter(
        sentence=OuterRef("sentence"), kind=AllocationKind.ALLOCATION
    )
    unallocated = (
        AllocationBreach.objects.filter(due_by__gte=since, due_by__lte=until)
        .filter(~Exists(allocated))
        .annotate(division_code=F("division__code"), month=TruncMonth("due_by"))
    )
    if division:
        decisions = decisions.filter(division_code=division)
        unallocated = unallocated.filter(division_code=division)

    counts: dict[tuple[str, datetime.date], list[int]] = {}
    for row in (
        decisions.order_by()
        .values("division_code", "month")
        .annotate(due=Count("pk"), in_time=Count("pk", filter=Q(within_deadline=True)))
    ):
        counts[row["division_code"], _as_date(row["month"])] = [row["due"], row["in_time"]]
    for row in unallocated.order_by().values("division_code", "month").annotate(due=Count("pk")):
        key = (row["division_code"], _as_date(row["month"]))
        counts.setdefault(key, [0, 0])[0] += row["due"]
    return [
        Timeliness(
            division=code,
            month=month,
            due=due,
            allocated_in_time=in_time,
            share=_share(due, in_time),
        )
        for (code, month), (due, in_time) in sorted(counts.items())
    ]


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value
