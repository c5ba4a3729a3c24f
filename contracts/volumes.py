"""Starts: what the Weighted Annual Volume counts (DOMAIN.md 9; issue 8 part 2).

A start of a CRC, dated:
- a new Community Order or SSO whose PbR provider (``Sentence.pbr_provider``) is the CRC –
  on its sentence date; its unpaid-work hours (the UNPAID_WORK requirement's) choose the band;
- a release onto licence (a custodial sentence with a licence start) or onto PSS only (no
  licence period, a PSS start) of a sentence whose PbR provider is the CRC – on the actual
  release date;
- a resettlement plan the CRC completed (``ResettlementPlan.writer``, completed_at's local
  date).
Senior Attendance Centre orders are never starts. ``pbr_provider`` already answers who a
start counts for: a reallocation in error moves it to the CRC the case ends with; transfers
between CPAs and risk escalation never touch it (the original CRC keeps it).

Everything is set-wise: one query for the grouped counts, one INSERT ... SELECT per source
for the evidence rows (``probation.sql.insert_from``), whatever the number of starts. The
weights are not applied here: ``contracts.rules.wav`` weighs what ``counts`` returns.
"""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    FilteredRelation,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import TruncDate

from contracts.models import LedgerEntry, StartType, WavStart
from probation.models import Sentence, SentenceType
from probation.orders import RequirementCode
from probation.sql import insert_from
from resettlement.models import ResettlementPlan

COLUMNS = ("person_id", "sentence_id", "start_type", "start_date", "upw_hours")
ORDER_TYPES = (SentenceType.COMMUNITY_ORDER, SentenceType.SUSPENDED_SENTENCE_ORDER)


def _local_midnight(day: datetime.date) -> datetime.datetime:
    """The instant a local (Europe/London) day begins: plans are counted by local date."""
    return datetime.datetime.combine(day, datetime.time(), tzinfo=ZoneInfo(settings.TIME_ZONE))


def order_starts(crc_id: int, start: datetime.date, end: datetime.date) -> QuerySet:
    """Community Orders and SSOs of the CRC sentenced in [start, end], with their unpaid
    work hours (None without an unpaid work requirement)."""
    return (
        Sentence.objects.filter(
            pbr_provider_id=crc_id,
            sentence_type__in=ORDER_TYPES,
            sentence_date__range=(start, end),
        )
        .annotate(
            upw=FilteredRelation(
                "requirements", condition=Q(requirements__code=RequirementCode.UNPAID_WORK)
            ),
            sentence_id=F("pk"),
            start_type=F("sentence_type"),
            start_date=F("sentence_date"),
            upw_hours=F("upw__unpaid_work_hours"),
        )
        .order_by()
        .values(*COLUMNS)
    )


def release_starts(crc_id: int, start: datetime.date, end: datetime.date) -> QuerySet:
    """Releases in [start, end] of the CRC's custodial sentences onto licence, or onto
    post-sentence supervision only (no licence period)."""
    return (
        Sentence.objects.filter(
            Q(licence_start_date__isnull=False) | Q(pss_start_date__isnull=False),
            pbr_provider_id=crc_id,
            sentence_type=SentenceType.CUSTODIAL,
            actual_release_date__range=(start, end),
        )
        .annotate(
            sentence_id=F("pk"),
            start_type=Case(
                When(licence_start_date__isnull=False, then=Value(StartType.LICENCE.value)),
                default=Value(StartType.PSS.value),
                output_field=CharField(),
            ),
            start_date=F("actual_release_date"),
            upw_hours=Value(None, output_field=IntegerField()),
        )
        .order_by()
        .values(*COLUMNS)
    )


def plan_starts(crc_id: int, start: datetime.date, end: datetime.date) -> QuerySet:
    """Resettlement plans the CRC completed on a local day in [start, end]."""
    return (
        ResettlementPlan.objects.filter(
            writer_id=crc_id,
            completed_at__gte=_local_midnight(start),
            completed_at__lt=_local_midnight(end + datetime.timedelta(days=1)),
        )
        .annotate(
            sentence_id=F("episode__sentence_id"),
            start_type=Value(StartType.RESETTLEMENT_PLAN.value, output_field=CharField()),
            start_date=TruncDate("completed_at", tzinfo=ZoneInfo(settings.TIME_ZONE)),
            upw_hours=Value(None, output_field=IntegerField()),
        )
        .order_by()
        .values(*COLUMNS)
    )


SOURCES = (order_starts, release_starts, plan_starts)


def starts(crc_id: int, start: datetime.date, end: datetime.date) -> QuerySet:
    """One row per start of the CRC in [start, end] (inclusive): person_id, sentence_id
    (None for a plan without a sentence), start_type, start_date, upw_hours."""
    first, *others = (source(crc_id, start, end) for source in SOURCES)
    return first.union(*others, all=True)


def counts(crc_id: int, start: datetime.date, end: datetime.date) -> list[tuple]:
    """``(start_type, upw_hours, number of starts)`` grouped, in one query: the input of
    ``contracts.rules.wav``."""
    union_sql, params = starts(crc_id, start, end).query.sql_with_params()
    sql = (
        f"SELECT s.start_type, s.upw_hours, COUNT(*) FROM ({union_sql}) s "  # noqa: S608 - the ORM's SQL
        "GROUP BY s.start_type, s.upw_hours"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    # By type, then hours with "no unpaid work" first (the databases sort NULL differently).
    return sorted(
        ((kind, hours, number) for kind, hours, number in found),
        key=lambda row: (row[0], row[1] is not None, row[1] or 0),
    )


def record(entry: LedgerEntry, crc_id: int, start: datetime.date, end: datetime.date) -> int:
    """Write the WavStart rows of the CRC's starts in [start, end] against ``entry`` (one
    INSERT ... SELECT per source); returns the rows written."""
    columns = {
        "entry": "entry_ref",
        "person": "person_id",
        "sentence": "sentence_id",
        "start_type": "start_type",
        "start_date": "start_date",
        "upw_hours": "upw_hours",
    }
    written = 0
    for source in SOURCES:
        rows = source(crc_id, start, end).annotate(
            entry_ref=Value(entry.pk, output_field=IntegerField())
        )
        written += insert_from(WavStart, columns, rows)
    return written


def recorded_counts(entry_id: int) -> list[tuple]:
    """``counts`` read back from the WavStart rows written against a line: the run records
    the starts first and prices the WAV from what it recorded, so the figure and its
    evidence cannot differ and the starts are found once."""
    found = (
        WavStart.objects.filter(entry_id=entry_id)
        .order_by()
        .values_list("start_type", "upw_hours")
        .annotate(number=Count("pk"))
    )
    return sorted(found, key=lambda row: (row[0], row[1] is not None, row[1] or 0))
