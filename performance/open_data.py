"""Open-data performance tables (DOMAIN.md 10 "Performance tables are published"; issue 9
part 5): per calendar quarter, every published measure for each CRC, the NPS as a whole and
each NPS division, made from the monthly facts (``performance.models.Fact``) and published
by a NOMS contract manager as an immutable ``PublishedTable``.

How a quarter's figure is made from the facts of its three months (``figures``), per
organisation and measure, breakdown "" only, in one aggregate query:

- a flow (``stock`` false): numerators summed, denominators summed; the rate is
  Σ numerators ÷ Σ denominators;
- a stock (``stock`` true, e.g. a caseload): the figure of the quarter's last month; no fact
  for that month is "not available";
- ``PER_100``: Σ numerators per 100 of the *mean* of the monthly denominators (the months
  with a fact), e.g. risk escalations in the quarter per 100 cases of the average caseload;
  the published denominator is that mean rounded half-up to a whole number;
- ``MONEY`` measures are not published (contract payments are not open data).

Which organisations a measure applies to: its ``levels`` (CRCs and the NPS are the provider
level, NPS divisions the division level) and the facts – an organisation with no fact of
the measure in the quarter shows ``[x]`` (not available).

Suppression (``shown``, a pure function): a count from 1 to ``OPEN_DATA_SUPPRESS_AT_MOST``
(4) is shown as ``[c]``, and so is a rate whose numerator or denominator is such a count;
0 is shown as 0; a rate over a denominator of 0 is ``[x]``. Counts are whole numbers,
rates percentages (or per 100) to one decimal place, rounded half-up.

Reading published tables and their CSV sheets is ``performance.published``.
"""

import datetime
import math
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q, Sum

from performance import measures as registry
from performance.base import DIVISION, PROVIDER, Kind, Measure
from performance.models import Fact, PublishedFigure, PublishedTable
from probation import access, audit, clock
from probation.models import Organisation, OrganisationKind
from probation.models.audit import AuditAction

SUPPRESSED = "[c]"
NOT_AVAILABLE = "[x]"

# The organisations of a table, in its order, and the level of their facts.
KINDS = {
    OrganisationKind.CRC: PROVIDER,
    OrganisationKind.NPS: PROVIDER,
    OrganisationKind.NPS_DIVISION: DIVISION,
}
KIND_ORDER = (OrganisationKind.CRC, OrganisationKind.NPS, OrganisationKind.NPS_DIVISION)
TYPE_NAMES = {
    OrganisationKind.CRC: "CRC",
    OrganisationKind.NPS: "NPS",
    OrganisationKind.NPS_DIVISION: "NPS division",
}
UNITS = {
    Kind.COUNT: "count",
    Kind.SHARE: "percentage",
    Kind.PER_100: "per 100",
}
QUARTER_NAMES = {
    1: "January to March",
    4: "April to June",
    7: "July to September",
    10: "October to December",
}


# --- Quarters (pure date arithmetic) ---------------------------------------------------------


def quarter_of(day: datetime.date) -> datetime.date:
    """The first day of the calendar quarter ``day`` falls in."""
    return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_after(quarter: datetime.date) -> datetime.date:
    """The first day of the quarter after."""
    month = quarter.month + 3
    return datetime.date(quarter.year + (month > 12), (month - 1) % 12 + 1, 1)


def quarter_months(quarter: datetime.date) -> tuple[datetime.date, datetime.date, datetime.date]:
    return tuple(datetime.date(quarter.year, quarter.month + i, 1) for i in range(3))


def quarter_end(quarter: datetime.date) -> datetime.date:
    return quarter_after(quarter) - datetime.timedelta(days=1)


def quarter_label(quarter: datetime.date) -> str:
    """``2016-Q1``."""
    return f"{quarter.year}-Q{(quarter.month - 1) // 3 + 1}"


def quarter_name(quarter: datetime.date) -> str:
    """``January to March 2016``."""
    return f"{QUARTER_NAMES[quarter.month]} {quarter.year}"


def has_ended(quarter: datetime.date, today: datetime.date) -> bool:
    """A quarter is over from the first day of the next."""
    return today >= quarter_after(quarter)


def parse_quarter(text: str) -> datetime.date:
    """``2016-Q1`` → 1 January 2016; ValueError for anything else."""
    year, _, number = text.strip().upper().partition("-Q")
    if len(year) != 4 or not year.isdigit() or number not in ("1", "2", "3", "4"):
        raise ValueError(f"{text!r} is not a quarter (YYYY-Qn)")
    return datetime.date(int(year), 3 * int(number) - 2, 1)


# --- Suppression and rounding (pure) ---------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """A figure as published: strings, with ``[c]`` and ``[x]``."""

    numerator: str
    denominator: str
    value: str


def round_half_up(number: Fraction, places: int = 0) -> Fraction:
    scale = 10**places
    return Fraction(math.floor(number * scale + Fraction(1, 2)), scale)


def decimal_text(number: Fraction, places: int) -> str:
    """``number`` rounded half-up to ``places`` decimal places, as text (``12.5``)."""
    scaled = int(round_half_up(number, places) * 10**places)
    if places == 0:
        return str(scaled)
    whole, part = divmod(scaled, 10**places)
    return f"{whole}.{part:0{places}d}"


def is_disclosive(count: int, at_most: int) -> bool:
    """A count small enough to identify people: 1 to ``at_most`` (0 is not)."""
    return 1 <= count <= at_most


def count_shown(count: int, at_most: int) -> str:
    return SUPPRESSED if is_disclosive(count, at_most) else str(count)


def shown(
    numerator: int | None,
    denominator: Fraction | int | None,
    *,
    kind: Kind,
    at_most: int | None = None,
) -> Shown:
    """The suppression rule (module docstring). ``numerator`` None: no fact, ``[x]``
    throughout. For rates, the denominator is published rounded half-up to a whole number
    and the rule applies to that number; the rate is computed from the exact figures."""
    at_most = settings.OPEN_DATA_SUPPRESS_AT_MOST if at_most is None else at_most
    if numerator is None:
        return Shown(NOT_AVAILABLE, "" if kind == Kind.COUNT else NOT_AVAILABLE, NOT_AVAILABLE)
    if kind == Kind.COUNT:
        text = count_shown(numerator, at_most)
        return Shown(text, "", text)
    if denominator is None:
        return Shown(count_shown(numerator, at_most), NOT_AVAILABLE, NOT_AVAILABLE)
    whole = int(round_half_up(Fraction(denominator)))
    if whole == 0:
        value = NOT_AVAILABLE
    elif is_disclosive(numerator, at_most) or is_disclosive(whole, at_most):
        value = SUPPRESSED
    else:
        value = decimal_text(Fraction(100 * numerator) / Fraction(denominator), 1)
    return Shown(count_shown(numerator, at_most), count_shown(whole, at_most), value)


# --- The quarter's figures from the facts ----------------------------------------------------


def published_measures() -> list[Measure]:
    """Every measure of the registry (read now: it grows) except money, in its order."""
    return [m for m in registry.ordered() if m.kind != Kind.MONEY]


def organisations_of(rows: Iterable[Organisation]) -> list[Organisation]:
    """CRCs by CPA number, then the NPS, then NPS divisions by code."""
    return sorted(rows, key=lambda o: (KIND_ORDER.index(o.kind), o.cpa_number or 0, o.code))


def table_organisations() -> list[Organisation]:
    return organisations_of(Organisation.objects.filter(kind__in=KINDS, active=True))


@dataclass(frozen=True)
class Figure:
    organisation: Organisation
    measure: Measure
    numerator: int | None  # None: no fact in the quarter
    denominator: Fraction | None
    shown: Shown


@dataclass
class Quarter:
    """A quarter's table before publication: ``figures`` in the table's order."""

    quarter: datetime.date
    organisations: list[Organisation]
    measures: list[Measure]
    figures: list[Figure]
    facts: int  # monthly facts it was made from

    @property
    def label(self) -> str:
        return quarter_label(self.quarter)


def _aggregates(quarter: datetime.date, codes: list[str]) -> dict:
    """(organisation id, measure) → sums of the quarter's facts, in one query."""
    first, _, last = quarter_months(quarter)
    in_last = Q(month=last)
    rows = (
        Fact.objects.filter(
            month__gte=first,
            month__lt=quarter_after(quarter),
            breakdown="",
            measure__in=codes,
            organisation__kind__in=KINDS,
        )
        .values("organisation_id", "measure")
        .annotate(
            numerators=Sum("numerator"),
            denominators=Sum("denominator"),
            months=Count("id"),
            months_with_denominator=Count("denominator"),
            last_numerator=Sum("numerator", filter=in_last),
            last_denominator=Sum("denominator", filter=in_last),
            last_months=Count("id", filter=in_last),
        )
        .order_by()
    )
    return {(row["organisation_id"], row["measure"]): row for row in rows}


def combine(measure: Measure, row: dict | None) -> tuple[int | None, Fraction | None]:
    """A quarter's numerator and denominator from the sums of its months' facts (module
    docstring); (None, None) when not available."""
    if row is None:
        return None, None
    if measure.stock:
        if not row["last_months"]:
            return None, None
        denominator = row["last_denominator"]
        return row["last_numerator"], None if denominator is None else Fraction(denominator)
    if measure.kind == Kind.COUNT:
        return row["numerators"], None
    if not row["months_with_denominator"]:
        return row["numerators"], None
    if measure.kind == Kind.PER_100:
        return row["numerators"], Fraction(row["denominators"], row["months_with_denominator"])
    return row["numerators"], Fraction(row["denominators"])


def preview(quarter: datetime.date) -> Quarter:
    """The table of a quarter as it would be published now (not stored)."""
    quarter = quarter_of(quarter)
    measures = published_measures()
    organisations = table_organisations()
    sums = _aggregates(quarter, [m.code for m in measures])
    figures = []
    for organisation in organisations:
        level = KINDS[organisation.kind]
        for measure in measures:
            row = sums.get((organisation.pk, measure.code)) if level in measure.levels else None
            numerator, denominator = combine(measure, row)
            figures.append(
                Figure(
                    organisation,
                    measure,
                    numerator,
                    denominator,
                    shown(numerator, denominator, kind=measure.kind),
                )
            )
    facts = sum(row["months"] for row in sums.values())
    return Quarter(quarter, organisations, measures, figures, facts)


# --- Publication -----------------------------------------------------------------------------


def refusal(quarter: datetime.date, today: datetime.date) -> str | None:
    """Why a quarter cannot be published today (None if it can, facts aside)."""
    if quarter != quarter_of(quarter):
        return "Choose a calendar quarter"
    if not has_ended(quarter, today):
        return (
            f"{quarter_name(quarter)} has not ended: a quarter is published once it is over "
            f"(from {quarter_after(quarter):%-d %B %Y})"
        )
    return None


NO_FACTS = "There are no performance facts for {name}: the facts job has not computed it"


def publish(quarter: datetime.date, *, user, notes: str = "") -> PublishedTable:
    """Publish a quarter's table: a new version (1 for the first, then +1) with all its
    figures, in one transaction, audited. Refused (``ValidationError`` on ``quarter``) for a
    quarter not yet over or without facts; ``PermissionDenied`` for anybody but NOMS
    contract managers."""
    if not access.may_publish_tables(user):
        raise PermissionDenied("Only NOMS contract managers publish performance tables.")
    reason = refusal(quarter, clock.today())
    if reason:
        raise ValidationError({"quarter": reason})
    with transaction.atomic():
        table = preview(quarter)
        if not table.facts:
            raise ValidationError({"quarter": NO_FACTS.format(name=quarter_name(quarter))})
        latest = PublishedTable.objects.filter(quarter=quarter).aggregate(Max("version"))
        try:
            with transaction.atomic():
                published = PublishedTable.objects.create(
                    quarter=quarter,
                    version=(latest["version__max"] or 0) + 1,
                    published_at=clock.now(),
                    published_by=user,
                    notes=notes.strip(),
                    measures={
                        measure.code: {
                            "name": measure.name,
                            "topic": measure.topic,
                            "unit": UNITS.get(measure.kind, ""),
                            "kind": str(measure.kind),
                            "definition": definition(measure),
                        }
                        for measure in dict.fromkeys(f.measure for f in table.figures)
                    },
                )
        except IntegrityError:
            raise ValidationError(
                {"quarter": "Another version of this quarter was published just now: try again"}
            ) from None
        PublishedFigure.objects.bulk_create(
            PublishedFigure(
                table=published,
                organisation=figure.organisation,
                measure=figure.measure.code,
                numerator=figure.shown.numerator,
                denominator=figure.shown.denominator,
                value=figure.shown.value,
            )
            for figure in table.figures
        )
        audit.record_event(
            actor=user,
            action=AuditAction.CREATE,
            instance=published,
            changes={
                **{
                    k: [None, v]
                    for k, v in audit.snapshot(published).items()
                    if v not in (None, "")
                },
                "figures": [None, len(table.figures)],
                "facts": [None, table.facts],
            },
            person_crn="",
        )
    return published


def _sentence(text: str) -> str:
    return text.strip().rstrip(".")


def definition(measure: Measure) -> str:
    numerator = f"Numerator: {_sentence(measure.numerator)}."
    parts = [f"{measure.name} ({UNITS[measure.kind]}).", numerator]
    if measure.kind == Kind.SHARE:
        parts.append(
            f"Denominator: {_sentence(measure.denominator)}. Value: numerator ÷ denominator × 100."
        )
    elif measure.kind == Kind.PER_100:
        parts.append(
            f"Denominator: {_sentence(measure.denominator)}; the mean of the quarter's "
            "monthly figures. Value: numerator per 100 of the denominator."
        )
    if measure.stock:
        parts.append("A position at a month's end: the quarter's last month is published.")
    elif measure.kind == Kind.SHARE:
        parts.append("The quarter's three months' numerators and denominators added together.")
    else:
        parts.append("The quarter's three months' numerators added together.")
    levels = []
    if PROVIDER in measure.levels:
        levels.append("CRCs and the NPS")
    if DIVISION in measure.levels:
        levels.append("NPS divisions")
    parts.append(f"Published for {' and '.join(levels) or 'no organisation'}.")
    return " ".join(parts)
