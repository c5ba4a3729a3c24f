"""The monthly performance facts (DOMAIN.md 10; issue 9 part 1): every measure of
``performance.measures.MEASURES`` for every organisation and month, materialised as ``Fact``
rows by the nightly job (``performance.tasks.refresh_facts``), the ``refresh_facts``
command and the facts page's button.

Computing a month (``compute``) is set-wise: one query per measure, grouping the month's
case rows by (``for_provider``, ``for_division``, ``for_ldu``[, ``case_breakdown``]) –
at most a few hundred groups nationally – which are then added up in Python into the
measure's levels (the registry's rules, ``performance.measures``):

- provider: the rows of each CRC (``for_provider`` a CRC) and of the NPS as a whole
  (``for_provider`` the NPS, an NPS division or cluster), under the NPS organisation;
- division: the NPS's rows by ``for_division``;
- LDU: every row by ``for_ldu``;

each with its breakdown values (``case_breakdown``; an empty or missing value counts in the
total only) and the total (breakdown ""). A row with no organisation at a level is not
counted at that level. A figure exists where the measure has a case (SHARE, COUNT): an
organisation with no case that month has no fact, which the pages read as "no cases". A
PER_100 figure exists where its numerator or its denominator measure has one; its
denominator is the same organisation's, month's and breakdown's figure of
``denominator_from`` (its total when that measure has no breakdown; 0 when it has no
figure). MONEY figures come from ``measure.figures``. Measures decided in Python (lists of
dicts) are grouped the same way, in Python.

Refreshing a month (``refresh_month``) writes only the differences against the stored facts
(new figures inserted, changed ones updated, vanished ones deleted, including figures of a
measure no longer in the registry), in one transaction holding a row lock on the month's
``FactsMonth``, so two runs of one month wait for each other instead of interleaving. A
second run on unchanged data changes nothing. A fact's ``computed_at`` says when its figure
was last written; ``FactsMonth.computed_at`` when the month was last checked.

What "incremental" means here (``plan``): a month is computed again when

1. it was never computed (no ``FactsMonth``), from ``FACTS_FIRST_MONTH`` to the current
   month;
2. it is one of the ``FACTS_OPEN_MONTHS`` latest months (the current one included): their
   clocks still run – a deadline passing changes a figure without any change of data;
3. a change of case data audited since it was computed may move it (``touched_months``):
   every change made through the platform goes through ``probation.audit``, and a change
   moves the month it was made in, the month of every date it wrote or replaced, and the
   month of every date the changed record holds (a termination recorded late, dated last
   March, moves last March; an appointment's outcome recorded late moves the appointment's
   month; a sentence recorded today, dated 2016, moves its month in 2016). The months
   checked and not touched are marked up to date (``mark_checked``), so each night reads
   only that day's changes.

And only the figures that differ are written. Its limits:

- a closed month is not revised for a later change neither dated in it nor made to a
  record dated in it: a person transferred today counts for the new provider in today's
  month onwards; the months before keep the figures computed when they were (published
  statistics are not revised for later moves either). ``manage.py refresh_facts --month
  YYYY-MM`` or ``--all`` computes them again on the data as it stands;
- changes that bypass the audit trail are not noticed: rows written by raw SQL (the
  benchmark's generator, a restore), a change of settings (deadlines, bank holidays) or of
  a measure's definition. Run ``manage.py refresh_facts --all`` after those;
- a change committed by a transaction that took its audit id before the plan read the
  newest id but committed after can be missed until a later change touches its month (the
  open months are recomputed anyway);
- figures that depend on the date the job runs rather than the month measured (a measure
  reading today's state) are only as current as their month's last computation.
"""

import datetime
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from contracts import periods
from performance import measures as registry
from performance.base import DIVISION, LDU, PROVIDER, Kind, Measure
from performance.models import Fact, FactsMonth
from probation import clock
from probation.models import AuditEvent, Organisation, OrganisationKind
from probation.models.audit import AuditAction
from probation.models.organisations import NPS_KINDS

# (measure code, organisation id, breakdown) -> (numerator, denominator)
Key = tuple[str, int, str]
Figures = dict[Key, tuple[int, int | None]]
# One group of a month's case rows: provider, division, LDU, breakdown, rows, rows met.
Group = tuple[int | None, int | None, int | None, object, int, int]

BREAKDOWN_LENGTH = Fact._meta.get_field("breakdown").max_length
WRITE_BATCH = 500


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = periods.first_of_month(month)
    return first, periods.add_months(first, 1)


# --- Computing a month -----------------------------------------------------------------------


class _Providers:
    """Who a row's ``for_provider`` counts for at provider level: a CRC itself, and any NPS
    organisation the NPS as a whole."""

    def __init__(self):
        kinds = dict(
            Organisation.objects.filter(kind__in=(OrganisationKind.CRC, *NPS_KINDS)).values_list(
                "pk", "kind"
            )
        )
        self.nps = {pk for pk, kind in kinds.items() if kind in NPS_KINDS}
        self.crcs = {pk for pk, kind in kinds.items() if kind == OrganisationKind.CRC}
        self.nps_id = next((pk for pk, kind in kinds.items() if kind == OrganisationKind.NPS), None)

    def owner(self, provider: int | None) -> int | None:
        if provider in self.crcs:
            return provider
        if provider in self.nps:
            return self.nps_id
        return None


def _groups(measure: Measure, first: datetime.date, after: datetime.date) -> Iterable[Group]:
    """The month's case rows of the measure, counted per (provider, division, LDU,
    breakdown): one query for a queryset, a pass over the list for rows decided in
    Python."""
    rows = measure.cases(first, after)
    columns = ["for_provider", "for_division", "for_ldu"]
    if measure.breakdown:
        columns.append("case_breakdown")
    counted = {"facts_rows": Count("pk")}
    if measure.kind == Kind.SHARE:
        counted["facts_met"] = Count("pk", filter=Q(case_met=True))
    if isinstance(rows, QuerySet):
        for group in rows.order_by().values(*columns).annotate(**counted):
            yield (
                group["for_provider"],
                group["for_division"],
                group["for_ldu"],
                group.get("case_breakdown"),
                group["facts_rows"],
                group.get("facts_met", 0),
            )
        return
    tally: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        counts = tally[tuple(row.get(column) for column in columns)]
        counts[0] += 1
        counts[1] += bool(measure.kind == Kind.SHARE and row.get("case_met"))
    for key, (found, met) in tally.items():
        provider, division, ldu = key[:3]
        yield provider, division, ldu, key[3] if measure.breakdown else None, found, met


def _levels(
    measure: Measure, groups: Iterable[Group], providers: _Providers
) -> dict[str, dict[tuple[int, str], list[int]]]:
    """level -> (organisation id, breakdown) -> [rows, rows met], for the measure's
    levels (module docstring)."""
    levels: dict[str, dict[tuple[int, str], list[int]]] = {
        level: defaultdict(lambda: [0, 0]) for level in measure.levels
    }
    for provider, division, ldu, part, found, met in groups:
        owners = {
            PROVIDER: providers.owner(provider),
            DIVISION: division if provider in providers.nps else None,
            LDU: ldu,
        }
        parts = [""]
        if measure.breakdown and part not in (None, ""):
            parts.append(str(part)[:BREAKDOWN_LENGTH])
        for level, counts in levels.items():
            owner = owners.get(level)
            if owner is None:
                continue
            for breakdown in parts:
                figure = counts[(owner, breakdown)]
                figure[0] += found
                figure[1] += met
    return levels


def _per_100(
    measure: Measure,
    numerators: dict[str, dict[tuple[int, str], list[int]]],
    denominators: dict[str, dict[tuple[int, str], list[int]]],
    denominator_has_breakdown: bool,
) -> Figures:
    figures: Figures = {}
    for level, counts in numerators.items():
        per = denominators.get(level, {})
        keys = set(counts) | {key for key in per if measure.breakdown or key[1] == ""}
        for organisation, breakdown in keys:
            base = per.get((organisation, breakdown))
            if base is None and breakdown and not denominator_has_breakdown:
                base = per.get((organisation, ""))
            numerator = counts.get((organisation, breakdown), [0, 0])[0]
            figures[(measure.code, organisation, breakdown)] = (
                numerator,
                base[0] if base else 0,
            )
    return figures


def compute(month: datetime.date) -> Figures:
    """Every measure's figures for the month: (measure code, organisation id, breakdown)
    -> (numerator, denominator). One query per measure (plus what a MONEY measure's
    ``figures`` runs, and one for the organisations)."""
    first, after = month_bounds(month)
    providers = _Providers()
    measures = registry.MEASURES
    figures: Figures = {}
    counted: dict[str, dict[str, dict[tuple[int, str], list[int]]]] = {}
    # PER_100 measures last: they divide by another measure's counts.
    for measure in sorted(measures.values(), key=lambda m: m.kind == Kind.PER_100):
        if measure.kind == Kind.MONEY:
            for organisation, breakdown, numerator, denominator in measure.figures(first, after):
                figures[(measure.code, organisation, breakdown or "")] = (numerator, denominator)
            continue
        if measure.cases is None:
            continue
        levels = _levels(measure, _groups(measure, first, after), providers)
        counted[measure.code] = levels
        if measure.kind == Kind.PER_100:
            base = measures.get(measure.denominator_from or "")
            if base is None or base.code not in counted:
                raise ValueError(
                    f"{measure.code}: denominator_from {measure.denominator_from!r} is not a "
                    "COUNT measure of the registry"
                )
            figures |= _per_100(measure, levels, counted[base.code], bool(base.breakdown))
            continue
        for counts in levels.values():
            for (organisation, breakdown), (found, met) in counts.items():
                figures[(measure.code, organisation, breakdown)] = (
                    (met, found) if measure.kind == Kind.SHARE else (found, None)
                )
    return figures


# --- Refreshing the stored facts --------------------------------------------------------------


def newest_change() -> int:
    """The id of the newest audit event that changed case data (anything but a VIEW); 0
    when there is none."""
    newest = (
        AuditEvent.objects.exclude(action=AuditAction.VIEW)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return newest or 0


def _locked(month: datetime.date) -> FactsMonth:
    FactsMonth.objects.get_or_create(month=month, defaults={"computed_at": clock.now()})
    return FactsMonth.objects.select_for_update().get(month=month)


def _batches(items: list, size: int = WRITE_BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def refresh_month(month: datetime.date) -> dict:
    """Compute the month and write the differences against its stored facts (module
    docstring). Returns a summary: facts, added, updated, removed, changed."""
    month = periods.first_of_month(month)
    with transaction.atomic():
        status = _locked(month)
        mark = newest_change()  # read before the figures: a later change marks the month
        figures = compute(month)
        now = clock.now()
        stored = {
            (measure, organisation, breakdown): (pk, numerator, denominator)
            for pk, measure, organisation, breakdown, numerator, denominator in (
                Fact.objects.filter(month=month).values_list(
                    "pk", "measure", "organisation_id", "breakdown", "numerator", "denominator"
                )
            )
        }
        added = [
            Fact(
                month=month,
                measure=code,
                organisation_id=organisation,
                breakdown=breakdown,
                numerator=numerator,
                denominator=denominator,
                computed_at=now,
            )
            for (code, organisation, breakdown), (numerator, denominator) in figures.items()
            if (code, organisation, breakdown) not in stored
        ]
        updated = [
            Fact(pk=stored[key][0], numerator=figure[0], denominator=figure[1], computed_at=now)
            for key, figure in figures.items()
            if key in stored and stored[key][1:] != figure
        ]
        removed = [pk for key, (pk, *_) in stored.items() if key not in figures]
        Fact.objects.bulk_create(added, batch_size=WRITE_BATCH)
        Fact.objects.bulk_update(
            updated, ["numerator", "denominator", "computed_at"], batch_size=WRITE_BATCH
        )
        for batch in _batches(removed):
            Fact.objects.filter(pk__in=batch).delete()
        changed = len(added) + len(updated) + len(removed)
        status.computed_at = now
        status.source_mark = mark
        status.facts = len(figures)
        status.changed = changed
        if changed:
            status.changed_at = now
        status.save()
    return {
        "month": f"{month:%Y-%m}",
        "facts": len(figures),
        "added": len(added),
        "updated": len(updated),
        "removed": len(removed),
        "changed": changed,
    }


def all_months(today: datetime.date) -> list[datetime.date]:
    """Every month from FACTS_FIRST_MONTH to the current one."""
    month = periods.first_of_month(settings.FACTS_FIRST_MONTH)
    current = periods.first_of_month(today)
    months = []
    while month <= current:
        months.append(month)
        month = periods.add_months(month, 1)
    return months


# A date (or the date of a timestamp) in an audited change: "2016-03-31", "2016-03-31T…".
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def _months_in(value, found: set[datetime.date]) -> None:
    """Add the month of every date written in an audited value (nested lists and dicts
    too)."""
    if isinstance(value, str):
        match = _DATE.match(value)
        if match:
            year, month, _ = (int(part) for part in match.groups())
            if 1 <= month <= 12:
                found.add(datetime.date(year, month, 1))
    elif isinstance(value, dict):
        for item in value.values():
            _months_in(item, found)
    elif isinstance(value, list | tuple):
        for item in value:
            _months_in(item, found)


def _dated_fields(model) -> list[str]:
    return [
        field.attname
        for field in model._meta.concrete_fields
        if isinstance(field, models.DateField)  # DateTimeField is a DateField
    ]


def _months_of_objects(objects: dict[str, set[str]], found: set[datetime.date]) -> None:
    """Add the months of the dates each changed object holds now (an appointment whose
    outcome was recorded late moves the month of the appointment): one query per kind of
    object and chunk of ids."""
    for label, ids in objects.items():
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            continue
        names = _dated_fields(model)
        if not names:
            continue
        ids = sorted(ids)
        for start in range(0, len(ids), 5000):
            rows = model._default_manager.filter(pk__in=ids[start : start + 5000]).values_list(
                *names
            )
            for row in rows.iterator(chunk_size=5000):
                for value in row:
                    if isinstance(value, datetime.datetime):
                        value = timezone.localdate(value)
                    if value is not None:
                        found.add(periods.first_of_month(value))


def touched_months(after: int, upto: int) -> set[datetime.date]:
    """The months the changes of case data audited after event ``after`` up to ``upto``
    may move: the month each change was made, the month of every date it wrote or replaced
    (a termination recorded late moves the month it is dated in), and the month of every
    date the changed object holds (an appointment's outcome recorded late moves the
    appointment's month). One query for the events, read in chunks, and one per kind of
    object changed."""
    found: set[datetime.date] = set()
    objects: dict[str, set[str]] = defaultdict(set)
    events = (
        AuditEvent.objects.filter(pk__gt=after, pk__lte=upto)
        .exclude(action=AuditAction.VIEW)
        .order_by()
        .values_list("at", "changes", "object_type", "object_id")
    )
    for at, changes, object_type, object_id in events.iterator(chunk_size=5000):
        found.add(periods.first_of_month(timezone.localdate(at)))
        _months_in(changes, found)
        if object_id:
            objects[object_type].add(object_id)
    _months_of_objects(objects, found)
    return found


@dataclass(frozen=True)
class Plan:
    due: list[datetime.date]  # the months to compute, oldest first
    newest: int  # the newest case-data change seen
    checked: list[datetime.date]  # computed months the changes since their mark do not move


def plan(today: datetime.date) -> Plan:
    """Which months the job computes (module docstring), and which computed months the
    changes since their mark were checked against and do not touch."""
    months = all_months(today)
    newest = newest_change()
    if not months:
        return Plan([], newest, [])
    open_from = periods.add_months(months[-1], 1 - settings.FACTS_OPEN_MONTHS)
    marks = dict(
        FactsMonth.objects.filter(month__gte=months[0], month__lte=months[-1]).values_list(
            "month", "source_mark"
        )
    )
    # Months computed at the same mark share one reading of the changes since it.
    touched = {
        mark: touched_months(mark, newest)
        for mark in {marks[m] for m in months if m in marks and m < open_from}
        if mark < newest
    }
    due, checked = [], []
    for month in months:
        if month not in marks or month >= open_from:
            due.append(month)
        elif marks[month] < newest:
            (due if month in touched[marks[month]] else checked).append(month)
    return Plan(due, newest, checked)


def months_to_refresh(today: datetime.date) -> list[datetime.date]:
    """The months the job computes today (``plan``), oldest first."""
    return plan(today).due


def mark_checked(checked: Plan) -> int:
    """Record that the months the plan checked are up to date with its newest change, so
    the next night reads only the changes made since. Returns how many were marked."""
    return FactsMonth.objects.filter(
        month__in=checked.checked, source_mark__lt=checked.newest
    ).update(source_mark=checked.newest)


def refresh(
    months: Iterable[datetime.date] | None = None,
    *,
    progress: Callable[[dict], object] | None = None,
) -> dict:
    """Refresh the months (by default ``months_to_refresh`` today), one after another, each
    in its own transaction. Returns the months' summaries and their totals."""
    if months is None:
        due = plan(clock.today())
        mark_checked(due)
        months = due.due
    done = []
    for month in months:
        done.append(refresh_month(month))
        if progress:
            progress(done[-1])
    return summarise(done)


def summarise(done: list[dict]) -> dict:
    return {
        "months": len(done),
        "facts": sum(month["facts"] for month in done),
        "changed": sum(month["changed"] for month in done),
        "per_month": done,
    }
