"""The one-business-day allocation deadline, checked every business morning (DOMAIN.md 4;
issue "Allocation", 8).

``record_breaches`` finds, for one Contract Package Area, every sentence still awaiting
allocation after its due date, records one ``AllocationBreach`` per sentence for
performance reporting and tells each NPS division's allocation managers how many of its
cases in that CPA are overdue. It is one ``INSERT … SELECT … ON CONFLICT DO NOTHING``
whatever the number of sentences, so the national run (``allocation.tasks``, one task per
CPA) costs a few queries per CPA, and a second run on the same day adds nothing: the
breach is unique per sentence and the notification per division, CPA and day.

Which sentences are overdue is decided in Python, once per run, by ``overdue_cutoff``: due
dates only move forward with the clock start, so "due before today" is "clock started on
or before the cutoff", a plain date comparison the database can do for every row.
"""

import datetime
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef
from django.urls import reverse

from allocation.models import (
    AllocationBreach,
    AllocationDecision,
    AllocationKind,
    AllocationReferral,
)
from allocation.rules import due_by
from allocation.selectors import CLOCK_START
from probation import audit
from probation.calendar import is_business_day
from probation.models import (
    Management,
    NotificationKind,
    Organisation,
    OrganisationKind,
    Person,
    Sentence,
    SentenceStatus,
)
from probation.models.audit import AuditAction
from probation.notifications import notify

_ONE_DAY = datetime.timedelta(days=1)


def overdue_cutoff(today: datetime.date) -> datetime.date:
    """The latest clock start whose due date (``rules.due_by``: one business day later) is
    before ``today``. Every sentence whose clock started on or before it is overdue today.

    Due dates fall on business days, so a due date is before today exactly when it is on
    or before the last business day before today; and the next business day after a start
    is on or before that day exactly when the start is before it."""
    last_business_day = today - _ONE_DAY
    while not is_business_day(last_business_day):
        last_business_day -= _ONE_DAY
    return last_business_day - _ONE_DAY


def due_dates_sql(starts) -> tuple[str, list]:
    """A derived table ``(column1 = clock start, column2 = due date)`` for the given
    start dates, as SQL and parameters: the business-day calendar lives in Python, so raw
    inserts join this small table instead of computing due dates row by row. VALUES names
    its columns column1, column2 on both SQLite and PostgreSQL."""
    starts = sorted(set(starts))
    rows = ", ".join(["(%s, %s)"] * len(starts))
    params = []
    for start in starts:
        params += [
            connection.ops.adapt_datefield_value(start),
            connection.ops.adapt_datefield_value(due_by(start)),
        ]
    return f"SELECT column1, column2 FROM (VALUES {rows}) AS due_dates", params  # noqa: S608


def overdue_sentences(*, cpa: Organisation, today: datetime.date):
    """Sentences of people living in the CPA, active, managed by probation and not
    allocated, whose clock started on or before ``overdue_cutoff(today)``."""
    allocated = AllocationDecision.objects.filter(
        sentence=OuterRef("pk"), kind=AllocationKind.ALLOCATION
    )
    return (
        Sentence.objects.filter(
            person__ldu__crc=cpa,
            status=SentenceStatus.ACTIVE,
            management=Management.MANAGED,
        )
        .annotate(clock_start=CLOCK_START)
        .filter(clock_start__lte=overdue_cutoff(today))
        .filter(~Exists(allocated))
    )


def _insert_breaches(*, cpa: Organisation, today: datetime.date, starts) -> int:
    breach = AllocationBreach._meta.db_table
    sentence = Sentence._meta.db_table
    person = Person._meta.db_table
    organisation = Organisation._meta.db_table
    referral = AllocationReferral._meta.db_table
    decision = AllocationDecision._meta.db_table
    due_dates, due_params = due_dates_sql(starts)
    adapt = connection.ops.adapt_datefield_value
    # The clock start as CLOCK_START defines it (the referral's date, else the sentence's).
    start = "COALESCE(r.received_on, s.sentence_date)"
    sql = (
        f"INSERT INTO {breach} (sentence_id, division_id, cpa_id, due_by, found_on) "  # noqa: S608 - table names and constants only
        f"SELECT s.id, l.division_id, l.crc_id, d.column2, %s "
        f"FROM {sentence} s "
        f"JOIN {person} p ON p.id = s.person_id "
        f"JOIN {organisation} l ON l.id = p.ldu_id "
        f"LEFT JOIN {referral} r ON r.sentence_id = s.id "
        f"JOIN ({due_dates}) d ON d.column1 = {start} "
        f"WHERE l.crc_id = %s AND s.status = %s AND s.management = %s AND {start} <= %s "
        f"AND NOT EXISTS (SELECT 1 FROM {decision} a "
        f"WHERE a.sentence_id = s.id AND a.kind = %s) "
        f"ON CONFLICT (sentence_id) DO NOTHING"
    )
    params = [
        adapt(today),
        *due_params,
        cpa.pk,
        SentenceStatus.ACTIVE,
        Management.MANAGED,
        adapt(overdue_cutoff(today)),
        AllocationKind.ALLOCATION,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


@transaction.atomic
def record_breaches(*, cpa_code: str, today: datetime.date) -> int:
    """Record a breach for every overdue sentence in the CPA and notify the allocation
    managers of each NPS division concerned (see the module docstring). Safe to run twice:
    returns the number of breaches new this time."""
    cpa = Organisation.objects.get(code=cpa_code, kind=OrganisationKind.CRC)
    # One pass over the CPA's sentences gives both the clock starts the insert needs and
    # what to tell each division: overdue sentences by start, division and LDU.
    overdue = list(
        overdue_sentences(cpa=cpa, today=today)
        .order_by()
        .values_list("clock_start", "person__ldu__division_id", "person__ldu__name")
        .annotate(n=Count("pk"))
    )
    if not overdue:
        return 0
    created = _insert_breaches(cpa=cpa, today=today, starts={row[0] for row in overdue})
    if created:
        # One audit row for the set-wise write, as for any bulk load.
        audit.record_event(
            actor=None,
            action=AuditAction.CREATE,
            instance=cpa,
            person_crn="",
            object_repr=f"Allocation breaches in {cpa.name}",
            changes={
                "allocation_breaches": [None, {"found_on": today.isoformat(), "new": created}]
            },
        )
    _notify_divisions(cpa=cpa, today=today, overdue=overdue)
    return created


def _notify_divisions(*, cpa: Organisation, today: datetime.date, overdue) -> None:
    """One notification a day per division with overdue cases in the CPA, to its allocation
    managers: how many, and in which LDUs. The queue lists the most overdue first.
    ``overdue``: (clock start, division id, LDU name, sentences) rows."""
    per_ldu: dict[tuple[int, str], int] = defaultdict(int)
    for _, division_id, ldu_name, n in overdue:
        per_ldu[division_id, ldu_name] += n
    divisions: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for (division_id, ldu_name), n in per_ldu.items():
        divisions[division_id].append((ldu_name, n))
    organisations = Organisation.objects.in_bulk(list(divisions))
    cpa_name = cpa.name.removesuffix(" CRC")
    url = reverse("allocation:queue")
    for division_id, ldus in sorted(divisions.items()):
        division = organisations[division_id]
        total = sum(n for _, n in ldus)
        title = (
            f"1 allocation past its deadline in {cpa_name}"
            if total == 1
            else f"{total} allocations past their deadline in {cpa_name}"
        )
        notify(
            kind=NotificationKind.ALLOCATION_OVERDUE,
            organisation=division,
            role="NPS_ALLOCATION_MANAGER",
            title=title,
            body="Overdue by LDU: " + ", ".join(f"{name} {n}" for name, n in sorted(ldus)) + ".",
            url=url,
            key=f"allocation-overdue:{division.code}:{cpa.code}:{today.isoformat()}",
        )
