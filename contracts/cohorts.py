"""Payment-by-results cohorts and their reoffending (DOMAIN.md 9; issue 8 part 5).

Membership: a person enters a CRC's cohort on the start of a Community Order or SSO
(sentence date) or on release onto licence or PSS (actual release date) of a sentence whose
``pbr_provider`` is the CRC; quarterly cohorts (binary) by the contract quarter of entry,
annual cohorts (frequency) by contract year; once per cohort (the earliest entry in the
period, the lowest sentence id on a tie); Senior Attendance Centre orders never. Escalated
and transferred cases keep their ``pbr_provider``; a reallocation in error moves it (so the
case follows the new CRC).

Reoffending: a member reoffends if a proven reoffence matched on their PNC number was
committed on or after entry and before entry + PBR_REOFFENDING_FOLLOW_UP_MONTHS, and proven
(disposal date) before entry + PBR_PROVEN_WITHIN_MONTHS (contracts.periods.AddMonths). Both
windows are half-open: an offence on entry + 12 months exactly, or proven on entry + 18
months exactly, does not count. A member without a PNC number is counted but can never be
matched.

Everything is one SQL query (members with their reoffences counted in a subquery), so the
figures, the page and the ledger's evidence rows all read the same rows.
"""

from django.conf import settings
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from contracts.models import CohortMember, CountedReoffence, LedgerEntry, ProvenReoffence, StartType
from contracts.periods import AddMonths, Period
from probation.models import Sentence, SentenceType
from probation.sql import insert_from

# The reoffences counted against a line's members: one join on the PNC number (table names
# from the models' meta; the line's id as a parameter).
COUNTED_SQL = """
    INSERT INTO {counted} (member_id, reoffence_id)
    SELECT m.id, r.id FROM {members} m JOIN {reoffences} r ON r.pnc_number = m.pnc_number
     WHERE m.entry_id = %s AND m.pnc_number <> ''
       AND r.offence_date >= m.entered_on AND r.offence_date < m.offences_before
       AND r.disposal_date < m.proven_before
"""
ORDER_TYPES = (SentenceType.COMMUNITY_ORDER, SentenceType.SUSPENDED_SENTENCE_ORDER)
COLUMNS = (
    "person_id",
    "sentence_id",
    "entry_type",
    "entered_on",
    "pnc_number",
    "offences_before",
    "proven_before",
    "reoffences",
)


def entries(crc_id: int, period: Period) -> QuerySet:
    """Every entry of a sentence into the CRC's cohort in the period (a person may have
    several): orders on their sentence date, releases onto licence or PSS on the release
    date. Annotated with ``entered_on`` and ``entry_type``."""
    return (
        Sentence.objects.filter(
            Q(sentence_type__in=ORDER_TYPES, sentence_date__range=(period.start, period.end))
            | (
                Q(
                    sentence_type=SentenceType.CUSTODIAL,
                    actual_release_date__range=(period.start, period.end),
                )
                & (Q(licence_start_date__isnull=False) | Q(pss_start_date__isnull=False))
            ),
            pbr_provider_id=crc_id,
        )
        .annotate(
            entered_on=Case(
                When(sentence_type__in=ORDER_TYPES, then=F("sentence_date")),
                default=F("actual_release_date"),
            ),
            entry_type=Case(
                When(sentence_type__in=ORDER_TYPES, then=F("sentence_type")),
                When(licence_start_date__isnull=False, then=Value(StartType.LICENCE.value)),
                default=Value(StartType.PSS.value),
                output_field=CharField(),
            ),
        )
        .order_by()
    )


def _counted() -> QuerySet:
    """Proven reoffences that count for the member row outside (``OuterRef``): matched on
    the PNC number, committed in [entered_on, offences_before), proven before
    proven_before."""
    return ProvenReoffence.objects.filter(
        pnc_number=OuterRef("pnc_number"),
        offence_date__gte=OuterRef("entered_on"),
        offence_date__lt=OuterRef("offences_before"),
        disposal_date__lt=OuterRef("proven_before"),
    )


def _members(crc_id: int, period: Period) -> QuerySet:
    """One row per member of the CRC's cohort for the period – the person's earliest entry
    (ties: the lowest sentence id): person_id, sentence_id, entry_type, entered_on,
    pnc_number ("" when unknown), offences_before, proven_before and reoffences (the number
    of matched proven reoffences that count)."""
    earlier = entries(crc_id, period).filter(
        Q(entered_on__lt=OuterRef("entered_on"))
        | Q(entered_on=OuterRef("entered_on"), pk__lt=OuterRef("pk")),
        person_id=OuterRef("person_id"),
    )
    reoffences = (
        _counted().order_by().values("pnc_number").annotate(number=Count("pk")).values("number")
    )
    return (
        entries(crc_id, period)
        .filter(~Exists(earlier))
        .annotate(
            sentence_id=F("pk"),
            pnc_number=Coalesce(F("person__pnc_number"), Value(""), output_field=CharField()),
            offences_before=AddMonths(F("entered_on"), settings.PBR_REOFFENDING_FOLLOW_UP_MONTHS),
            proven_before=AddMonths(F("entered_on"), settings.PBR_PROVEN_WITHIN_MONTHS),
            reoffences=Coalesce(
                Subquery(reoffences, output_field=IntegerField()),
                Value(0),
                output_field=IntegerField(),
            ),
        )
    )


def members(crc_id: int, period: Period) -> QuerySet:
    """The cohort's members as rows of ``COLUMNS`` (see ``_members``)."""
    return _members(crc_id, period).values(*COLUMNS)


def figures(crc_id: int, period: Period) -> tuple[int, int, int]:
    """(members n, reoffenders, proven reoffences counted), aggregated in SQL."""
    # The aggregates' names differ from the annotations' (Django drops an annotation an
    # aggregate of the same name shadows).
    totals = _members(crc_id, period).aggregate(
        total_members=Count("pk"),
        total_reoffenders=Count("pk", filter=Q(reoffences__gt=0)),
        total_reoffences=Coalesce(Sum("reoffences"), 0),
    )
    return totals["total_members"], totals["total_reoffenders"], totals["total_reoffences"]


def record(entry: LedgerEntry, crc_id: int, period: Period) -> int:
    """Write the cohort's members against ``entry`` – their reoffences counted inside the
    INSERT ... SELECT, as the table is append-only – and then the CountedReoffence row of
    every reoffence counted, set-wise. Returns the members written."""
    written = insert_from(
        CohortMember,
        {
            "entry": "entry_ref",
            "person": "person_id",
            "sentence": "sentence_id",
            "entry_type": "entry_type",
            "entered_on": "entered_on",
            "pnc_number": "pnc_number",
            "offences_before": "offences_before",
            "proven_before": "proven_before",
            "reoffences": "reoffences",
        },
        members(crc_id, period).annotate(entry_ref=Value(entry.pk, output_field=IntegerField())),
    )
    # A PNC number belongs to one person, and a person is a member once per line, so each
    # reoffence matches at most one member of the line: one join, not a lookup per row.
    tables = {
        "counted": CountedReoffence._meta.db_table,
        "members": CohortMember._meta.db_table,
        "reoffences": ProvenReoffence._meta.db_table,
    }
    with connection.cursor() as cursor:
        cursor.execute(COUNTED_SQL.format(**tables), [entry.pk])
    return written


def recorded_figures(entry_id: int) -> tuple[int, int, int]:
    """``figures`` read back from the CohortMember rows written against a line (the run
    records the members first, then prices the cohort from them)."""
    totals = CohortMember.objects.filter(entry_id=entry_id).aggregate(
        total_members=Count("pk"),
        total_reoffenders=Count("pk", filter=Q(reoffences__gt=0)),
        total_reoffences=Coalesce(Sum("reoffences"), 0),
    )
    return totals["total_members"], totals["total_reoffenders"], totals["total_reoffences"]
