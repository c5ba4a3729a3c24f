"""Facts for tests: ``fact_of("CRC11", "FIRST_APPOINTMENT", "2016-03", 8, 10)`` stores a
monthly figure as the facts job would (``performance.facts``)."""

import datetime

from contracts import periods
from performance.models import Fact
from tests.probation.factories import org


def fact_of(
    organisation: str,
    measure: str,
    month: str | datetime.date,
    numerator: int,
    denominator: int | None = None,
    *,
    breakdown: str = "",
) -> Fact:
    if isinstance(month, str):
        month = periods.parse_month(month)
    return Fact.objects.create(
        organisation=org(organisation),
        measure=measure,
        month=month,
        breakdown=breakdown,
        numerator=numerator,
        denominator=denominator,
        computed_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
    )
