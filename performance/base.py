"""The shape of a dashboard measure (``performance.measures`` explains the registry)."""

import datetime
import enum
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import QuerySet

from contracts import service_levels

PROVIDER, DIVISION, LDU = "provider", "division", "ldu"
ALL_LEVELS = (PROVIDER, DIVISION, LDU)

# Topics, in the order the dashboards show them: the four CRC service level groups of
# DOMAIN.md 10, then the NPS's own measures, volumes and money.
VOLUMES = "Volumes"
ALLOCATION = "Allocation"
SENTENCE_DELIVERY = service_levels.SENTENCE_DELIVERY
PUBLIC_PROTECTION = service_levels.PUBLIC_PROTECTION
RISK = "Risk escalation"
ENFORCEMENT = service_levels.ENFORCEMENT
TRANSFERS = "Transfers"
THROUGH_THE_GATE = service_levels.THROUGH_THE_GATE
PAYMENT = "Contract and payment"
TOPICS = (
    VOLUMES,
    ALLOCATION,
    SENTENCE_DELIVERY,
    PUBLIC_PROTECTION,
    RISK,
    ENFORCEMENT,
    TRANSFERS,
    THROUGH_THE_GATE,
    PAYMENT,
)


class Kind(enum.StrEnum):
    SHARE = "SHARE"
    COUNT = "COUNT"
    PER_100 = "PER_100"
    MONEY = "MONEY"


Rows = QuerySet | list[dict]
# (first day of the month, first day of the next) -> the month's case rows of everyone.
CaseQuery = Callable[[datetime.date, datetime.date], Rows]
# (first day of the month, first day of the next) -> [(organisation id, breakdown,
# numerator, denominator)] for MONEY measures.
FigureQuery = Callable[[datetime.date, datetime.date], list[tuple[int, str, int, int | None]]]


@dataclass(frozen=True)
class Measure:
    code: str
    name: str
    topic: str
    kind: Kind
    numerator: str  # what the numerator counts
    denominator: str  # what the denominator counts ("" for a COUNT)
    cases: CaseQuery | None = None
    figures: FigureQuery | None = None  # MONEY measures
    denominator_from: str | None = None  # PER_100: the COUNT measure that is the denominator
    levels: tuple[str, ...] = ALL_LEVELS
    breakdown: str = ""  # what case_breakdown holds, e.g. "Sentence type"; "" for none
    stock: bool = False  # a position at the month's end (a caseload), not a flow
    higher_is_better: bool | None = None  # None: neither (volumes, rates to compare)
    service_level: bool = False  # a contract service level of the same code
    comparable: bool = field(default=False)  # offered on the funnel plots (TOM 7.4)

    @property
    def is_rate(self) -> bool:
        return self.kind in (Kind.SHARE, Kind.PER_100)
