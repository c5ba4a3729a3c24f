"""Reads of NOMS's national dashboards (issue 9 parts 2 and 3; DOMAIN.md 10; TOM 7.4): the
national overview (every CRC, the NPS and each NPS division against their service levels,
with volumes and payments) and the funnel plots comparing CRCs, NPS divisions or LDUs.

Every read starts from ``probation.access`` (``facts_visible_to``,
``performance_organisations_visible_to``); the views answer 404 to anyone who does not see
national performance. Each read takes a constant number of queries whatever the number of
organisations and measures: the month's facts in one query, the contracts' targets in one,
the funnel plots of the last ``FUNNEL_PERSISTENT_MONTHS`` months in one, and the funnels
computed in Python by ``performance.funnel.funnel`` – the same function as
``POST /api/v1/calculations/funnel``, so the pages and the endpoint cannot disagree.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Case, IntegerField, Value, When

from contracts import periods
from contracts.models import ServiceLevel
from contracts.service_levels import met as service_level_met
from performance import charts, funnel, measures
from performance.base import DIVISION, LDU, PROVIDER, Kind, Measure
from probation import access
from probation.models import Organisation, OrganisationKind

# The rows of the national overview, in this order: the CRCs (by CPA), the NPS as a whole,
# its divisions.
OVERVIEW_KINDS = (OrganisationKind.CRC, OrganisationKind.NPS, OrganisationKind.NPS_DIVISION)
# The organisations a funnel plot of each level compares (forms.LEVEL_LABELS).
LEVEL_KINDS = {
    PROVIDER: OrganisationKind.CRC,
    DIVISION: OrganisationKind.NPS_DIVISION,
    LDU: OrganisationKind.LDU,
}
KIND_LEVELS = {kind: level for level, kind in LEVEL_KINDS.items()}
PAYMENTS_TO_DATE = "PAYMENTS_TO_DATE"
# Flagged units first, the most extreme first.
FLAG_ORDER = {
    funnel.Flag.HIGH_ALERT: 0,
    funnel.Flag.LOW_ALERT: 1,
    funnel.Flag.HIGH_WARNING: 2,
    funnel.Flag.LOW_WARNING: 3,
    funnel.Flag.WITHIN: 4,
}


def _overview_organisations(user) -> list[Organisation]:
    return list(
        access.performance_organisations_visible_to(user)
        .filter(kind__in=OVERVIEW_KINDS)
        .annotate(
            kind_order=Case(
                *(When(kind=kind, then=Value(i)) for i, kind in enumerate(OVERVIEW_KINDS)),
                output_field=IntegerField(),
            )
        )
        .order_by("kind_order", "cpa_number", "code")
    )


# --- The national overview -------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of the overview: a measure (or the organisation's name, measure None)."""

    key: str
    label: str
    measure: Measure | None = None
    group: str = ""  # "Service levels", "Volumes", "Payments"


@dataclass
class Cell:
    measure: Measure
    numerator: int | None = None
    denominator: int | None = None
    target: Decimal | None = None  # a service level's target (CRCs under contract)

    @property
    def present(self) -> bool:
        return self.numerator is not None

    @property
    def rate(self) -> float | None:
        if self.numerator is None or not self.denominator:
            return None
        return self.numerator / self.denominator

    @property
    def percent(self) -> float | None:
        rate = self.rate
        return None if rate is None else rate * 100

    @property
    def target_percent(self) -> Decimal | None:
        return None if self.target is None else self.target * 100

    @property
    def met(self) -> bool | None:
        """Met or not against the contract's target; None without a target or cases."""
        if self.numerator is None:
            return None
        return service_level_met(self.numerator, self.denominator or 0, self.target)

    @property
    def sort_value(self) -> float | None:
        if self.measure.kind == Kind.COUNT:
            return self.numerator
        return self.rate

    @property
    def pounds(self) -> tuple[Decimal, Decimal | None] | None:
        """MONEY: (paid, of the MAP) in pounds."""
        if self.numerator is None:
            return None
        of = None if self.denominator is None else Decimal(self.denominator) / 100
        return Decimal(self.numerator) / 100, of


@dataclass(frozen=True)
class Persistent:
    """A unit flagged on a measure's funnel plot in each of the last months running."""

    organisation: Organisation
    measure: Measure
    level: str
    flags: tuple[funnel.Flag, ...]  # oldest month first

    @property
    def flag(self) -> funnel.Flag:
        """The latest month's flag."""
        return self.flags[-1]

    @property
    def described(self) -> str:
        """The latest flag in words: "below the 99.8% limit"."""
        return self.flag.label.split(": ", 1)[-1]


@dataclass
class Row:
    organisation: Organisation
    cells: list[Cell]
    persistent: list[Persistent] = field(default_factory=list)


def overview_columns() -> list[Column]:
    """The service levels, then the volumes (COUNT measures), then payments to date."""
    ordered = measures.ordered()
    columns = [Column("organisation", "Organisation")]
    columns += [Column(m.code, m.name, m, "Service levels") for m in ordered if m.service_level]
    columns += [Column(m.code, m.name, m, "Volumes") for m in ordered if m.kind == Kind.COUNT]
    payments = measures.MEASURES.get(PAYMENTS_TO_DATE)
    if payments is not None:
        columns.append(Column(payments.code, payments.name, payments, "Payments"))
    return columns


def overview(user, month: datetime.date) -> tuple[list[Column], list[Row]]:
    """Every CRC, the NPS and each NPS division the user sees, with its figure of each
    column's measure for the month (and, for a CRC, its contract's service level targets).
    Three queries, whatever the number of organisations and measures."""
    columns = overview_columns()
    measured = [c.measure for c in columns if c.measure is not None]
    organisations = _overview_organisations(user)
    figures = {
        (organisation_id, code): (numerator, denominator)
        for organisation_id, code, numerator, denominator in access.facts_visible_to(user)
        .filter(
            month=month,
            breakdown="",
            measure__in=[m.code for m in measured],
            organisation__kind__in=OVERVIEW_KINDS,
        )
        .values_list("organisation_id", "measure", "numerator", "denominator")
    }
    targets = {
        (crc_id, code): target
        for crc_id, code, target in ServiceLevel.objects.filter(
            contract__crc__in=access.performance_organisations_visible_to(user).filter(
                kind=OrganisationKind.CRC
            ),
            contract__start_date__lte=month,
            contract__end_date__gte=month,
        ).values_list("contract__crc_id", "code", "target")
    }
    rows = []
    for organisation in organisations:
        cells = []
        for measure in measured:
            numerator, denominator = figures.get((organisation.pk, measure.code), (None, None))
            cells.append(
                Cell(
                    measure=measure,
                    numerator=numerator,
                    denominator=denominator,
                    target=targets.get((organisation.pk, measure.code))
                    if measure.service_level
                    else None,
                )
            )
        rows.append(Row(organisation=organisation, cells=cells))
    return columns, rows


def sort_rows(rows: list[Row], columns: list[Column], key: str, descending: bool) -> list[Row]:
    """The rows sorted by a column (the organisation's name, or a measure's rate or count);
    rows without a figure last either way. An unknown key keeps the natural order."""
    if key == "organisation":
        return sorted(rows, key=lambda r: r.organisation.name.lower(), reverse=descending)
    index = next((i for i, c in enumerate(columns[1:]) if c.key == key), None)
    if index is None:
        return rows
    valued = [r for r in rows if r.cells[index].sort_value is not None]
    empty = [r for r in rows if r.cells[index].sort_value is None]
    valued.sort(key=lambda r: r.cells[index].sort_value, reverse=descending)
    return valued + empty


# --- Funnel plots ----------------------------------------------------------------------------


def _units(facts) -> tuple[list[funnel.Unit], list]:
    """Funnel units of fact rows (code, numerator, denominator, ...): those a funnel cannot
    take (a rate above 1, e.g. more escalations than cases) are left out and returned."""
    units, left_out = [], []
    for row in facts:
        code, numerator, denominator = row[:3]
        if 0 <= numerator <= denominator:
            units.append(funnel.Unit(code, numerator, denominator))
        else:
            left_out.append(row)
    return units, left_out


def persistent_flags(
    user, month: datetime.date, *, organisations: dict[int, Organisation] | None = None
) -> list[Persistent]:
    """The CRCs and NPS divisions flagged (any flag but WITHIN) on a comparable measure's
    funnel plot at their level – CRCs among the CRCs, divisions among the divisions, around
    the pooled rate – in each of the ``FUNNEL_PERSISTENT_MONTHS`` months up to and including
    ``month``. A month without the unit's figure breaks the run. One query (and one for the
    organisations found, unless ``organisations`` holds them by id)."""
    running = settings.FUNNEL_PERSISTENT_MONTHS
    months = [periods.add_months(month, -back) for back in range(running - 1, -1, -1)]
    comparable = {m.code: m for m in measures.comparable()}
    facts = (
        access.facts_visible_to(user)
        .filter(
            month__in=months,
            breakdown="",
            measure__in=list(comparable),
            organisation__kind__in=(OrganisationKind.CRC, OrganisationKind.NPS_DIVISION),
            denominator__gt=0,
        )
        .values_list(
            "organisation__code",
            "numerator",
            "denominator",
            "month",
            "measure",
            "organisation__kind",
            "organisation_id",
        )
    )
    plots: dict[tuple, list] = defaultdict(list)
    for row in facts:
        level = KIND_LEVELS[row[5]]
        if level in comparable[row[4]].levels:
            plots[(row[4], level, row[3])].append(row)
    # (organisation id, measure, level) -> {month: flag}
    flagged: dict[tuple, dict] = defaultdict(dict)
    for (code, level, plot_month), rows in plots.items():
        units, _ = _units(rows)
        ids = {row[0]: row[6] for row in rows}
        for point in funnel.funnel(units).points:
            if point.flag.flagged:
                flagged[(ids[point.code], code, level)][plot_month] = point.flag
    found = [
        (key, tuple(by_month[m] for m in months))
        for key, by_month in flagged.items()
        if all(m in by_month for m in months)
    ]
    if not found:
        return []
    organisations = dict(organisations or {})
    missing = {key[0] for key, _ in found} - set(organisations)
    if missing:
        organisations |= {o.pk: o for o in Organisation.objects.filter(pk__in=missing)}
    return sorted(
        (
            Persistent(organisations[pk], comparable[code], level, flags)
            for (pk, code, level), flags in found
        ),
        key=lambda p: (
            p.organisation.kind,
            p.organisation.cpa_number or 0,
            p.organisation.code,
            list(comparable).index(p.measure.code),
        ),
    )


@dataclass(frozen=True)
class PlotRow:
    organisation: Organisation
    point: funnel.Point

    @property
    def flag_colour(self) -> str:
        if self.point.flag in (funnel.Flag.HIGH_ALERT, funnel.Flag.LOW_ALERT):
            return "red"
        if self.point.flag.flagged:
            return "orange"
        return "green"

    # The rate and limits as percentages, for the table.
    @property
    def rate_percent(self) -> float:
        return 100 * self.point.rate

    @property
    def lower_95_percent(self) -> float:
        return 100 * self.point.lower_95

    @property
    def upper_95_percent(self) -> float:
        return 100 * self.point.upper_95

    @property
    def lower_998_percent(self) -> float:
        return 100 * self.point.lower_998

    @property
    def upper_998_percent(self) -> float:
        return 100 * self.point.upper_998


@dataclass
class Plot:
    measure: Measure
    level: str
    month: datetime.date
    result: funnel.Funnel
    rows: list[PlotRow]  # flagged first
    left_out: list[tuple[Organisation, int, int]]  # figures a funnel cannot take
    chart: dict  # performance.charts.funnel
    text: str  # the chart's text alternative

    @property
    def flagged(self) -> list[PlotRow]:
        return [r for r in self.rows if r.point.flag.flagged]

    @property
    def unit(self) -> str:
        """How a rate times 100 reads: a percentage, or (PER_100) per 100 cases."""
        return " per 100" if self.measure.kind == Kind.PER_100 else "%"

    @property
    def centre(self) -> str:
        """The centre line (the pooled rate, or the target) times 100: ``57.5%``."""
        return f"{round(100 * self.result.pooled_rate, 2):g}{self.unit}"

    @property
    def numerator(self) -> int:
        return sum(r.point.numerator for r in self.rows)

    @property
    def denominator(self) -> int:
        return sum(r.point.denominator for r in self.rows)


def funnel_plot(
    user,
    measure: Measure,
    level: str,
    month: datetime.date,
    *,
    target_rate: float | None = None,
    title: str = "",
) -> Plot:
    """The funnel plot of a comparable measure across the units of a level (the month's
    figures with a denominator above 0), around the pooled rate or ``target_rate``. Two
    queries."""
    facts = list(
        access.facts_visible_to(user)
        .filter(
            month=month,
            breakdown="",
            measure=measure.code,
            organisation__kind=LEVEL_KINDS[level],
            denominator__gt=0,
        )
        .order_by("organisation__code")
        .values_list("organisation__code", "numerator", "denominator", "organisation_id")
    )
    units, left_out = _units(facts)
    organisations = {
        o.code: o
        for o in Organisation.objects.filter(pk__in=[row[3] for row in facts]).order_by("code")
    }
    result = funnel.funnel(units, target_rate)
    title = title or measure.name
    labels = {code: organisation.name for code, organisation in organisations.items()}
    rows = sorted(
        (PlotRow(organisations[p.code], p) for p in result.points),
        key=lambda r: (FLAG_ORDER[r.point.flag], -r.point.rate, r.organisation.name),
    )
    return Plot(
        measure=measure,
        level=level,
        month=month,
        result=result,
        rows=rows,
        left_out=[(organisations[code], n, d) for code, n, d, _ in left_out],
        chart=charts.funnel(title=title, result=result, labels=labels),
        text=charts.funnel_text(title=title, result=result, labels=labels),
    )
