"""Reading published open-data tables (issue 9 parts 5 and 6): the tables, their figures
in order, each figure's measure as published, and the two CSV sheets – ``table_rows``
(``COLUMNS``, one row per organisation and measure) and ``metadata_rows`` (each column, each
measure's definition as published, the symbols, the rules, the publication and its source).
Building and publishing a quarter's table is ``performance.open_data``.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, OuterRef

from performance import measures as registry
from performance.base import Kind
from performance.models import PublishedFigure, PublishedTable
from performance.open_data import (
    NOT_AVAILABLE,
    SUPPRESSED,
    TYPE_NAMES,
    UNITS,
    definition,
    organisations_of,
    quarter_end,
    quarter_label,
    quarter_name,
)

SOURCE = (
    "Probation case-management platform: the monthly performance facts computed each night "
    "from the case records of the CRCs and the NPS (sentences, allocations, contacts, "
    "referrals, transfers and resettlement plans), published by NOMS contract management."
)

COLUMNS = (
    ("quarter", "The calendar quarter, e.g. 2016-Q1 (January to March 2016)"),
    ("quarter_start", "The quarter's first day (YYYY-MM-DD)"),
    ("quarter_end", "The quarter's last day (YYYY-MM-DD)"),
    ("version", "The table's version: 1 for the first publication, +1 for each correction"),
    ("organisation_code", "Stable code of the organisation, e.g. CRC11, NPS, NPS-WAL"),
    ("organisation_name", "The organisation's name"),
    (
        "organisation_type",
        "CRC (a Community Rehabilitation Company, one per Contract Package Area), NPS (the "
        "National Probation Service as a whole) or NPS division (the NPS's cases of people "
        "living in the division's Local Delivery Units)",
    ),
    ("topic", "The group of measures, e.g. Sentence delivery, Enforcement"),
    ("measure_code", "Stable code of the measure (see the measures in this sheet)"),
    ("measure_name", "The measure's name"),
    (
        "unit",
        "count (a number of cases), percentage (numerator as a share of the denominator) or "
        "per 100 (numerator per 100 of the denominator)",
    ),
    (
        "numerator",
        "What the measure counts in the quarter (see each measure's definition); [c] or [x]",
    ),
    (
        "denominator",
        "What the numerator is a share of (empty for counts; for per 100, the mean of the "
        "three monthly denominators, rounded to a whole number); [c] or [x]",
    ),
    (
        "value",
        "The figure: the count, or the rate to one decimal place (rounded half-up); [c] or [x]",
    ),
)
COLUMN_NAMES = tuple(name for name, _ in COLUMNS)


def published_tables():
    """Every published table with ``figure_count`` and ``superseded`` (a newer version of
    its quarter exists), in one query."""
    newer = PublishedTable.objects.filter(
        quarter=OuterRef("quarter"), version__gt=OuterRef("version")
    )
    return PublishedTable.objects.annotate(figure_count=Count("figures"), superseded=Exists(newer))


@dataclass(frozen=True)
class Described:
    """A published figure's measure as it was published (``PublishedTable.measures``), or,
    for a table not yet published, as the registry describes it now (a code the registry
    no longer holds keeps its code as its name)."""

    code: str
    name: str
    topic: str
    unit: str
    kind: Kind | None


def described(code: str, table: PublishedTable | None = None) -> Described:
    frozen = (table.measures or {}).get(code) if table is not None else None
    if frozen:
        kind = Kind(frozen["kind"]) if frozen.get("kind") in set(Kind) else None
        return Described(code, frozen["name"], frozen["topic"], frozen["unit"], kind)
    measure = registry.MEASURES.get(code)
    if measure is None:
        return Described(code, code, "", "", None)
    return Described(code, measure.name, measure.topic, UNITS.get(measure.kind, ""), measure.kind)


def published_figures(table: PublishedTable) -> list[PublishedFigure]:
    """The table's figures in its order (organisations, then the registry's measure order),
    in one query."""
    order = {m.code: i for i, m in enumerate(registry.ordered())}
    figures = list(PublishedFigure.objects.filter(table=table).select_related("organisation"))
    for figure in figures:
        figure.table = table  # read, not queried again, for the measures as published
    places = {o.pk: i for i, o in enumerate(organisations_of({f.organisation for f in figures}))}
    figures.sort(
        key=lambda f: (places[f.organisation_id], order.get(f.measure, len(order)), f.measure)
    )
    return figures


def table_rows(table: PublishedTable, figures: list[PublishedFigure]) -> Iterator[tuple]:
    """The CSV rows (``COLUMN_NAMES``) of a published table."""
    common = (
        quarter_label(table.quarter),
        table.quarter.isoformat(),
        quarter_end(table.quarter).isoformat(),
        table.version,
    )
    for figure in figures:
        measure = described(figure.measure, table)
        organisation = figure.organisation
        yield (
            *common,
            organisation.code,
            organisation.name,
            TYPE_NAMES.get(organisation.kind, organisation.kind),
            measure.topic,
            measure.code,
            measure.name,
            measure.unit,
            figure.numerator,
            figure.denominator,
            figure.value,
        )


METADATA_COLUMNS = ("section", "item", "description")


def metadata_rows(table: PublishedTable, figures: list[PublishedFigure]) -> Iterator[tuple]:
    """The metadata sheet of a published table (``METADATA_COLUMNS``)."""
    at_most = settings.OPEN_DATA_SUPPRESS_AT_MOST
    yield ("publication", "title", f"Probation performance tables, {quarter_name(table.quarter)}")
    yield ("publication", "quarter", quarter_label(table.quarter))
    yield (
        "publication",
        "period",
        f"{table.quarter.isoformat()} to {quarter_end(table.quarter).isoformat()}",
    )
    yield ("publication", "version", str(table.version))
    yield ("publication", "published", table.published_at.date().isoformat())
    yield ("publication", "publisher", "National Offender Management Service (NOMS)")
    if table.notes:
        yield ("publication", "notes", table.notes)
    yield ("publication", "source", SOURCE)
    yield (
        "publication",
        "corrections",
        "A published table is never changed: a correction is published as a new version.",
    )
    for name, meaning in COLUMNS:
        yield ("column", name, meaning)
    yield (
        "symbol",
        SUPPRESSED,
        f"Suppressed: a count from 1 to {at_most}, or a rate made from one",
    )
    yield (
        "symbol",
        NOT_AVAILABLE,
        "Not available: the measure does not apply to the organisation (no figure at its "
        "level), or a rate over a denominator of 0",
    )
    yield (
        "rule",
        "suppression",
        f"Counts from 1 to {at_most} are shown as {SUPPRESSED} so that no person can be "
        f"identified; a rate whose numerator or denominator is from 1 to {at_most} is "
        f"{SUPPRESSED} too. 0 is shown as 0.",
    )
    yield (
        "rule",
        "rounding",
        "Counts are whole numbers; rates are percentages (or per 100) to one decimal place, "
        "rounded half-up (12.25 is 12.3).",
    )
    yield (
        "rule",
        "quarter",
        "A quarter's figure is made from its three monthly figures: counts and shares add "
        "the months' numerators and denominators; a caseload (a position at a month's end) is "
        "the quarter's last month; a rate per 100 divides the quarter's numerator by the mean "
        "of the monthly denominators.",
    )
    seen = dict.fromkeys(f.measure for f in figures)
    for code in seen:
        frozen = (table.measures or {}).get(code, {}).get("definition")
        measure = registry.MEASURES.get(code)
        if not frozen:
            frozen = definition(measure) if measure else "No longer defined by the platform."
        yield ("measure", code, frozen)
