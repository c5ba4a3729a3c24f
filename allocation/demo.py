"""Allocation decisions for demo and national-scale data (``probation.demo``).

A seeded sentence was, in the demo's story, allocated soon after sentence to the provider
that manages the person now, so its ``AllocationDecision`` names the person's responsible
provider, the team and offender manager of their current assignment and the sentence's PbR
cohort. Most were decided on the day of sentence; one in twenty a business day after its
due date, and those also carry the breach the morning job would have recorded – so the
timeliness figures (``allocation.reports``) look like a real service's. The recommended
rule is a plausible one for the provider (the home CPA's CRC; for the NPS high RoSH, else
MAPPA), not a re-run of the rules over invented facts.

Set-wise, a few ``INSERT … SELECT`` statements whatever the number of people (portable SQL,
as ``probation.demo`` adds licence conditions), so the national seed stays fast.
"""

import datetime
import json

from django.db import connection

from allocation.models import AllocationBreach, AllocationDecision, AllocationKind, AllocationPoint
from allocation.rules import Decision, Rule, due_by
from probation.calendar import add_business_days
from probation.models import (
    Management,
    OffenderManagerAssignment,
    Organisation,
    Person,
    PlanVersion,
    Sentence,
    SentenceStatus,
    User,
)

# One decision in LATE_EVERY was made a business day after its due date (demo figure).
LATE_EVERY = 20
# UTC: the afternoon of the day of sentence (the next business day for a weekend court).
DECIDED_AT = datetime.time(15, 0)
LATE_DECIDED_AT = datetime.time(10, 0)  # the morning the job flagged it
INPUTS = json.dumps({"demo": True})


def _starts_sql(starts) -> tuple[str, list]:
    """Like ``allocation.deadlines.due_dates_sql``, widened with, per clock start, when an
    in-time and a late decision were made and the morning a late one was found overdue:
    (column1 start, column2 due, column3 decided in time, column4 decided late, column5
    found on)."""
    starts = sorted(set(starts))
    ops = connection.ops
    rows, params = [], []
    for start in starts:
        due = due_by(start)
        found = add_business_days(due, 1)
        rows.append("(%s, %s, %s, %s, %s)")
        params += [
            ops.adapt_datefield_value(start),
            ops.adapt_datefield_value(due),
            ops.adapt_datetimefield_value(
                datetime.datetime.combine(
                    add_business_days(start, 0), DECIDED_AT, tzinfo=datetime.UTC
                )
            ),
            ops.adapt_datetimefield_value(
                datetime.datetime.combine(found, LATE_DECIDED_AT, tzinfo=datetime.UTC)
            ),
            ops.adapt_datefield_value(found),
        ]
    sql = (
        "SELECT column1, column2, column3, column4, column5 "  # noqa: S608 - placeholders only
        f"FROM (VALUES {', '.join(rows)}) AS starts"
    )
    return sql, params


def allocate_seeded_sentences(
    *,
    first_person: int,
    last_person: int,
    pending_people,
    decided_by: User,
    division: int | None = None,
) -> int:
    """Allocate every active managed sentence of the people with ids from ``first_person``
    to ``last_person`` (living in ``division``, an NPS division's id, if given) that has no
    allocation yet, except those of ``pending_people`` (left in the queue). Returns the
    number of decisions made."""
    sentence, person = Sentence._meta.db_table, Person._meta.db_table
    organisation = Organisation._meta.db_table
    assignment = OffenderManagerAssignment._meta.db_table
    plan = PlanVersion._meta.db_table
    decision, breach = AllocationDecision._meta.db_table, AllocationBreach._meta.db_table
    pending_people = sorted(set(pending_people))
    excluded = ""
    if pending_people:
        excluded = f"AND p.id NOT IN ({', '.join(['%s'] * len(pending_people))}) "
    people = (
        f"FROM {sentence} s "
        f"JOIN {person} p ON p.id = s.person_id "
        f"JOIN {organisation} l ON l.id = p.ldu_id "
        f"JOIN {organisation} o ON o.id = p.responsible_provider_id "
    )
    where = f"WHERE p.id BETWEEN %s AND %s {excluded}AND s.status = %s AND s.management = %s "
    where_params = [
        first_person,
        last_person,
        *pending_people,
        SentenceStatus.ACTIVE,
        Management.MANAGED,
    ]
    if division is not None:
        where += "AND l.division_id = %s "
        where_params.append(division)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Rows loaded in this transaction have no statistics yet; without them the
            # planner takes the national seed's tables for empty and nests loops over them.
            cursor.execute(f"ANALYZE {sentence}, {person}, {assignment}, {plan}")
        cursor.execute(f"SELECT DISTINCT s.sentence_date {people}{where}", where_params)  # noqa: S608
        starts = [row[0] for row in cursor.fetchall()]
        if not starts:
            return 0
        if isinstance(starts[0], str):  # SQLite returns dates as text
            starts = [datetime.date.fromisoformat(start) for start in starts]
        dates, date_params = _starts_sql(starts)
        dated = f"JOIN ({dates}) d ON d.column1 = s.sentence_date "
        late = f"s.id %% {LATE_EVERY} = 0"  # %% : a literal % beside placeholders
        made = 0
        # One statement per recommended rule: its reasons are a constant of that statement.
        for provider_kind, rule, rosh in (
            ("CRC", Rule.HOME_CPA_CRC, ""),
            ("NPS", Rule.HIGH_ROSH, "AND COALESCE(pv.rosh_level, '') IN ('HIGH', 'VERY_HIGH') "),
            ("NPS", Rule.MAPPA, "AND COALESCE(pv.rosh_level, '') NOT IN ('HIGH', 'VERY_HIGH') "),
        ):
            outcome = Decision.CRC if provider_kind == "CRC" else Decision.NPS
            cursor.execute(
                f"INSERT INTO {decision} (sentence_id, person_id, kind, point, division_id, "  # noqa: S608 - table names and constants
                f"recommended_decision, recommended_rule, reasons, inputs, decision, "
                f"judgement, organisation_id, team_id, offender_manager_id, pbr_provider_id, "
                f"moves_existing_sentences, review_triggers, due_by, decided_at, "
                f"decided_by_id, within_deadline) "
                f"SELECT s.id, p.id, %s, %s, l.division_id, %s, %s, %s, %s, %s, '', "
                f"p.responsible_provider_id, m.team_id, m.offender_manager_id, "
                f"s.pbr_provider_id, FALSE, '', d.column2, "
                f"CASE WHEN {late} THEN d.column4 ELSE d.column3 END, %s, "
                f"CASE WHEN {late} THEN FALSE ELSE TRUE END "
                f"{people}{dated}"
                f"JOIN {assignment} m ON m.person_id = p.id AND m.ended_at IS NULL "
                f"LEFT JOIN {plan} pv ON pv.person_id = p.id AND pv.version = 1 "
                f"{where}AND o.kind = %s {rosh}"
                # Already allocated: the partial unique index one_allocation_per_sentence
                # skips it (a NOT EXISTS would rescan the rows this statement inserts).
                f"ON CONFLICT (sentence_id) WHERE kind = 'ALLOCATION' DO NOTHING",
                [
                    AllocationKind.ALLOCATION,
                    AllocationPoint.NEW_SENTENCE,
                    outcome,
                    rule,
                    json.dumps([f"Demo data: {Rule(rule).label}"]),
                    INPUTS,
                    outcome,
                    decided_by.pk,
                    *date_params,
                    *where_params,
                    provider_kind,
                ],
            )
            made += cursor.rowcount
        # The breaches the morning job recorded for the late ones.
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {decision}")
        cursor.execute(
            f"INSERT INTO {breach} (sentence_id, division_id, cpa_id, due_by, found_on) "  # noqa: S608
            f"SELECT s.id, l.division_id, l.crc_id, d.column2, d.column5 "
            f"{people}{dated}{where}"
            f"AND EXISTS (SELECT 1 FROM {decision} x WHERE x.sentence_id = s.id "
            f"AND x.kind = %s AND x.within_deadline = FALSE) "
            f"ON CONFLICT (sentence_id) DO NOTHING",
            [*date_params, *where_params, AllocationKind.ALLOCATION],
        )
    return made
