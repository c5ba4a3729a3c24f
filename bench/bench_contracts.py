"""Benchmark: the monthly payment run (issue 8) over a national-scale database – 250,000
people, five contract years of cohorts – against hand-written SQL computing the same WAV
and cohort figures on the same database.

Run by hand, never in the test suite:

    createdb -h 127.0.0.1 -U postgres probation_bench_contracts
    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/probation_bench_contracts \\
        .venv/bin/python bench/bench_contracts.py [--fresh] [--workers N] [--sql-runs 3]

The facts are generated once, set-wise, by bench/contracts_data.py (``--fresh`` generates
them again). The month is January 2020: the last month of contract year 5, which pays
year 5's fee-for-service reconciliation (every start of the year counted, with the
evidence rows of each) and its twelfth instalment. With the default data lag (3 months) no
cohort matures in a January (quarters end in January, April, July and October; a cohort
matures PBR_PROVEN_WITHIN_MONTHS + 1 + PBR_DATA_LAG_MONTHS months after its end, so 22 months
after a January is a November). So the benchmark sets ``PBR_DATA_LAG_MONTHS=5`` (unless
the environment sets it): year 3's last quarterly cohort (Y3-Q4, binary) and its annual
cohort (Y3, frequency), which end on 31 January 2018, then mature in January 2020 too.
Earlier cohorts are marked paid by earlier runs (a zero ledger line for each of their
keys, written before the run: a month's run in the steady state pays only what matures
that month, as the hand-written SQL computes).

Steps:

1. the hand-written SQL (``WAV_SQL``, ``COHORT_SQL``: raw SQL written from DOMAIN.md 9 and
   the issue, independently of contracts.volumes and contracts.cohorts), ``--sql-runs``
   times, wall time of each;
2. the floor (``FLOOR_*``): the same hand-written SQL made to write every start and cohort
   member it counts (one INSERT ... SELECT each for the country) and to compute its figures
   from those rows, committed – into bare tables; with a primary key and an index on the
   line; with those and a foreign key to the person (``FLOOR_VARIANTS``); ``--sql-runs``
   times each. What any
   run that keeps the evidence issue 8 asks for must at least do; its figures must equal
   step 1's;
3. the ledger, runs and service level results are emptied (TRUNCATE – benchmark database
   only; the append-only trigger guards rows, not a truncation) and the earlier cohorts
   marked paid; a service level per contract for two measures of
   ``contracts.service_levels.MEASURES`` (PREFERRED_SERVICE_LEVELS);
4. the run in process: a ``PaymentRun`` for the month with its parts (as
   ``payments.start_run`` makes them) and ``payments.pay_part`` for each CRC part one after
   another, timed, with its queries (``CaptureQueriesContext``); then the NPS divisions'
   parts (service levels only), reported apart;
5. the cross-check: each reconciliation line's ``actual_wav`` and each PbR line's
   ``cohort_size``/``reoffenders``/``reoffences`` against the SQL's figures – any mismatch
   is printed and the script exits 1;
6. the same month run again (a second ``PaymentRun``): nothing new may be written;
7. with ``--workers N``: the ledger emptied again, a real Celery worker pool of N processes
   (``REDIS_URL=redis://127.0.0.1:6379/9``, the bench's environment) started, the parts
   sent to it, wall time until every part is done; the ledger it writes must equal the
   in-process run's. The worker is stopped afterwards (by its process id).

Prints a table and the details as JSON.
"""

import argparse
import datetime
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

MONTH = datetime.date(2020, 1, 1)
RECONCILED_YEAR = 5
DATA_LAG_MONTHS = "5"
WORKER_REDIS = "redis://127.0.0.1:6379/9"
# Service levels given to every contract (credits when missed): measures the generated
# facts feed.
PREFERRED_SERVICE_LEVELS = ["PLAN_WITHIN_5_DAYS", "ORDERS_COMPLETED"]

# --- The hand-written SQL ----------------------------------------------------------------
#
# Written from DOMAIN.md 9 and issue 8, not from contracts/volumes.py or cohorts.py:
# - a start of a CRC in a contract year: a Community Order or SSO whose PbR provider is the
#   CRC, sentenced in the year (weight of its type plus, with an UNPAID_WORK requirement,
#   the weight of the first band whose max_hours is at or above the hours ordered, a null
#   max_hours being the open band); a custodial sentence of the CRC actually released in
#   the year onto licence (a licence start) or onto PSS only (no licence start, a PSS
#   start); a resettlement plan the CRC wrote, completed in the year (local date). Senior
#   Attendance Centre and deferred sentences are never starts;
# - a cohort member: a person entering the CRC's cohort in the period – a CO or SSO of the
#   CRC (sentence date) or a release onto licence or PSS (actual release date), never SAC –
#   once per person at the earliest entry; they reoffend with a proven reoffence on their
#   PNC number committed on or after entry and before entry + FOLLOW_UP months, proven
#   (disposal date) before entry + PROVEN months. A cohort (a contract quarter: binary; a
#   contract year: frequency) matures in the first month after the end of its last
#   member's proving window (period end + PROVEN months), plus the data lag.

WAV_CONTRACTS = """
k AS (
    SELECT id AS contract_id, crc_id, start_date, end_date, wav_weights, upw_bands
    FROM contracts_contract WHERE year = %(year)s
), bands AS (
    SELECT k.contract_id, b.n, (b.band ->> 'max_hours')::int AS max_hours,
           (b.band ->> 'weight')::numeric AS weight
    FROM k, jsonb_array_elements(k.upw_bands) WITH ORDINALITY AS b(band, n)
), band_ranges AS (
    SELECT contract_id, weight,
           COALESCE(lag(max_hours) OVER (PARTITION BY contract_id ORDER BY n), -1) AS above,
           max_hours
    FROM bands
)"""

# One row per start: (contract_id, person_id, sentence_id, start_type, hours).
WAV_STARTS = """
    SELECT k.contract_id, s.person_id, s.id AS sentence_id, s.sentence_type AS start_type,
           r.unpaid_work_hours AS hours
    FROM k
    JOIN probation_sentence AS s
      ON s.pbr_provider_id = k.crc_id
     AND s.sentence_type IN ('COMMUNITY_ORDER', 'SUSPENDED_SENTENCE_ORDER')
     AND s.sentence_date BETWEEN k.start_date AND k.end_date
    LEFT JOIN probation_requirement AS r
      ON r.sentence_id = s.id AND r.code = 'UNPAID_WORK'
    UNION ALL
    SELECT k.contract_id, s.person_id, s.id,
           CASE WHEN s.licence_start_date IS NOT NULL THEN 'LICENCE' ELSE 'PSS' END, NULL
    FROM k
    JOIN probation_sentence AS s
      ON s.pbr_provider_id = k.crc_id
     AND s.sentence_type = 'CUSTODIAL'
     AND s.actual_release_date BETWEEN k.start_date AND k.end_date
     AND (s.licence_start_date IS NOT NULL OR s.pss_start_date IS NOT NULL)
    UNION ALL
    SELECT k.contract_id, p.person_id, NULL, 'RESETTLEMENT_PLAN', NULL
    FROM k
    JOIN resettlement_resettlementplan AS p
      ON p.writer_id = k.crc_id
     AND p.completed_at >= k.start_date::timestamp AT TIME ZONE 'Europe/London'
     AND p.completed_at < (k.end_date + 1)::timestamp AT TIME ZONE 'Europe/London'
"""

# The figures of every contract from the CTE ``starts`` (rows of WAV_STARTS).
WAV_FROM_STARTS = """
grouped AS (
    SELECT contract_id, start_type, hours, count(*) AS number
    FROM starts GROUP BY contract_id, start_type, hours
), weighted AS (
    SELECT g.contract_id, g.start_type, g.number,
           g.number * ((k.wav_weights ->> g.start_type)::numeric
                       + COALESCE(b.weight, 0)) AS weighted,
           CASE WHEN g.start_type IN ('COMMUNITY_ORDER', 'SUSPENDED_SENTENCE_ORDER')
                     AND g.hours IS NOT NULL
                THEN COALESCE(b.max_hours::text, 'open') END AS band
    FROM grouped AS g
    JOIN k USING (contract_id)
    LEFT JOIN band_ranges AS b
      ON b.contract_id = g.contract_id
     AND g.start_type IN ('COMMUNITY_ORDER', 'SUSPENDED_SENTENCE_ORDER')
     AND g.hours > b.above AND (b.max_hours IS NULL OR g.hours <= b.max_hours)
)
SELECT k.contract_id, k.crc_id,
       COALESCE(sum(w.number), 0)::int AS starts,
       COALESCE(sum(w.weighted), 0) AS wav,
       COALESCE(jsonb_object_agg(w.start_type, w.type_total)
                FILTER (WHERE w.start_type IS NOT NULL), '{}') AS by_type,
       COALESCE(jsonb_object_agg(w.band, w.band_starts)
                FILTER (WHERE w.band IS NOT NULL), '{}') AS upw_bands
FROM k
LEFT JOIN (
    SELECT contract_id, start_type, NULL AS band, sum(number) AS number,
           sum(weighted) AS weighted, sum(weighted)::text AS type_total,
           NULL::int AS band_starts
    FROM weighted GROUP BY contract_id, start_type
    UNION ALL
    SELECT contract_id, NULL, band, 0, 0, NULL, sum(number)::int
    FROM weighted WHERE band IS NOT NULL GROUP BY contract_id, band
) AS w USING (contract_id)
GROUP BY k.contract_id, k.crc_id
ORDER BY k.crc_id
"""

WAV_SQL = f"WITH {WAV_CONTRACTS}, starts AS ({WAV_STARTS}), {WAV_FROM_STARTS}"

COHORTS_DUE = """
k AS (
    SELECT id AS contract_id, crc_id, year, start_date, end_date FROM contracts_contract
), periods AS (
    SELECT k.contract_id, k.crc_id, 'PBR_BINARY' AS kind,
           'Y' || k.year || '-Q' || q AS label,
           (k.start_date + make_interval(months => 3 * (q - 1)))::date AS period_start,
           (k.start_date + make_interval(months => 3 * q))::date - 1 AS period_end
    FROM k, generate_series(1, 4) AS q
    UNION ALL
    SELECT k.contract_id, k.crc_id, 'PBR_FREQUENCY', 'Y' || k.year, k.start_date, k.end_date
    FROM k
), due AS (
    SELECT * FROM periods
    WHERE date_trunc('month', period_end
                     + make_interval(months => %(proven)s + 1 + %(lag)s))::date = %(month)s
)"""

# One row per member of a cohort due: (contract_id, kind, label, person_id, entered_on,
# reoffences), as the CTE ``counted``.
COHORT_MEMBERS = """
entries AS (
    SELECT s.pbr_provider_id AS crc_id, s.person_id, s.sentence_date AS entered_on
    FROM probation_sentence AS s
    WHERE s.pbr_provider_id IS NOT NULL
      AND s.sentence_type IN ('COMMUNITY_ORDER', 'SUSPENDED_SENTENCE_ORDER')
    UNION ALL
    SELECT s.pbr_provider_id, s.person_id, s.actual_release_date
    FROM probation_sentence AS s
    WHERE s.pbr_provider_id IS NOT NULL AND s.sentence_type = 'CUSTODIAL'
      AND s.actual_release_date IS NOT NULL
      AND (s.licence_start_date IS NOT NULL OR s.pss_start_date IS NOT NULL)
), members AS (
    SELECT d.contract_id, d.kind, d.label, e.person_id, min(e.entered_on) AS entered_on
    FROM due AS d
    JOIN entries AS e
      ON e.crc_id = d.crc_id AND e.entered_on BETWEEN d.period_start AND d.period_end
    GROUP BY d.contract_id, d.kind, d.label, e.person_id
), counted AS (
    SELECT m.contract_id, m.kind, m.label, m.person_id, m.entered_on,
           count(r.id) AS reoffences
    FROM members AS m
    JOIN probation_person AS p ON p.id = m.person_id
    LEFT JOIN contracts_provenreoffence AS r
      ON r.pnc_number = p.pnc_number
     AND r.offence_date >= m.entered_on
     AND r.offence_date < (m.entered_on + make_interval(months => %(follow_up)s))::date
     AND r.disposal_date < (m.entered_on + make_interval(months => %(proven)s))::date
    GROUP BY m.contract_id, m.kind, m.label, m.person_id, m.entered_on
)"""

# The figures of every cohort due from the CTEs ``due`` and ``counted``.
COHORT_FROM_MEMBERS = """
SELECT d.contract_id, d.crc_id, d.kind, d.label, d.period_start, d.period_end,
       count(c.person_id)::int AS cohort_size,
       (count(*) FILTER (WHERE c.reoffences > 0))::int AS reoffenders,
       COALESCE(sum(c.reoffences), 0)::int AS reoffences
FROM due AS d
LEFT JOIN counted AS c USING (contract_id, kind, label)
GROUP BY d.contract_id, d.crc_id, d.kind, d.label, d.period_start, d.period_end
ORDER BY d.crc_id, d.kind, d.label
"""

COHORT_SQL = f"WITH {COHORTS_DUE}, {COHORT_MEMBERS} {COHORT_FROM_MEMBERS}"

# --- The floor: the same SQL writing the rows it counts ----------------------------------
#
# What any run that keeps its evidence must at least do: the hand-written SQL above, made
# to write every start and every member it counts into a table (INSERT ... SELECT, one
# statement for the country, not one per CPA) and to compute its figures from those rows,
# then commit. Measured into bare tables (no key, no index, no constraint – cheaper than any
# table a contract manager could drill down through), and into tables with the least a
# drill-down needs (a primary key, an index on the line counted), with and without a foreign
# key to the person counted.
FLOOR_TABLES = {
    "bench_floor_starts": "contract_id int, person_id int, sentence_id int, "
    "start_type varchar(32), hours int",
    "bench_floor_members": "contract_id int, kind varchar(16), label varchar(16), "
    "person_id int, entered_on date, reoffences int",
}
# What each floor adds to the bare tables: "indexed" a primary key and an index on the line
# (the contract's starts, the cohort's members), "keyed" also a foreign key to the person.
FLOOR_LINE_INDEX = {
    "bench_floor_starts": "CREATE INDEX ON bench_floor_starts (contract_id)",
    "bench_floor_members": "CREATE INDEX ON bench_floor_members (contract_id, kind, label)",
}
FLOOR_VARIANTS = {
    "bare": [],
    "indexed": [
        "ALTER TABLE {table} ADD COLUMN id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
        "{line_index}",
    ],
    "keyed": [
        "ALTER TABLE {table} ADD COLUMN id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
        "{line_index}",
        "ALTER TABLE {table} ADD FOREIGN KEY (person_id) REFERENCES probation_person (id) "
        "DEFERRABLE INITIALLY DEFERRED",
    ],
}
FLOOR_WAV_INSERT = (
    "INSERT INTO bench_floor_starts (contract_id, person_id, sentence_id, start_type, hours) "
    f"WITH {WAV_CONTRACTS} {WAV_STARTS}"
)
FLOOR_WAV_FIGURES = (
    f"WITH {WAV_CONTRACTS}, starts AS (SELECT * FROM bench_floor_starts), {WAV_FROM_STARTS}"  # noqa: S608 - constants
)
FLOOR_COHORT_INSERT = (
    "INSERT INTO bench_floor_members (contract_id, kind, label, person_id, entered_on, "  # noqa: S608 - constants
    f"reoffences) WITH {COHORTS_DUE}, {COHORT_MEMBERS} "
    "SELECT contract_id, kind, label, person_id, entered_on, reoffences FROM counted"
)
FLOOR_COHORT_FIGURES = (
    f"WITH {COHORTS_DUE}, counted AS (SELECT * FROM bench_floor_members) {COHORT_FROM_MEMBERS}"  # noqa: S608 - constants
)


def _wav_rows(cursor) -> dict[int, dict]:
    columns = [c[0] for c in cursor.description]
    return {row[0]: dict(zip(columns, row, strict=True)) for row in cursor.fetchall()}


def _cohort_rows(cursor) -> dict[tuple[int, str], dict]:
    columns = [c[0] for c in cursor.description]
    figures = {}
    for row in cursor.fetchall():
        row = dict(zip(columns, row, strict=True))
        figures[(row["contract_id"], f"{row['kind']}:{row['label']}")] = row
    return figures


def wav_figures(cursor, year: int) -> dict[int, dict]:
    """The hand-written WAV of every CRC's contract of ``year``: {contract_id: figures}."""
    cursor.execute(WAV_SQL, {"year": year})
    return _wav_rows(cursor)


def cohort_figures(
    cursor, month: datetime.date, *, follow_up: int = 12, proven: int = 18, lag: int = 3
) -> dict[tuple[int, str], dict]:
    """The hand-written figures of the cohorts maturing in ``month``:
    {(contract_id, "PBR_BINARY:Y3-Q4"): figures}."""
    cursor.execute(
        COHORT_SQL, {"month": month, "follow_up": follow_up, "proven": proven, "lag": lag}
    )
    return _cohort_rows(cursor)


def floor_figures(
    connection,
    year: int,
    month: datetime.date,
    *,
    variant: str = "bare",
    follow_up: int = 12,
    proven: int = 18,
    lag: int = 3,
) -> tuple[dict, dict, float, dict]:
    """The floor (``FLOOR_*``): the hand-written SQL writing the starts of ``year`` and the
    members of the cohorts maturing in ``month`` into the bench_floor tables (made afresh,
    as FLOOR_VARIANTS[variant] says), its figures computed from those rows, in one
    transaction (a savepoint inside a test's). Returns (WAV figures, cohort figures, seconds
    from the first insert to the end of the commit, rows written per table). The tables are
    dropped afterwards."""
    from django.db import transaction

    params = {"year": year, "month": month, "follow_up": follow_up, "proven": proven, "lag": lag}
    with connection.cursor() as cursor:
        for table, columns in FLOOR_TABLES.items():
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(f"CREATE TABLE {table} ({columns})")
            for ddl in FLOOR_VARIANTS[variant]:
                cursor.execute(ddl.format(table=table, line_index=FLOOR_LINE_INDEX[table]))
    try:
        started = time.perf_counter()
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(FLOOR_WAV_INSERT, params)
            written = {"bench_floor_starts": cursor.rowcount}
            cursor.execute(FLOOR_COHORT_INSERT, params)
            written["bench_floor_members"] = cursor.rowcount
            cursor.execute(FLOOR_WAV_FIGURES, params)
            wav = _wav_rows(cursor)
            cursor.execute(FLOOR_COHORT_FIGURES, params)
            cohorts = _cohort_rows(cursor)
            # The deferred foreign keys checked here rather than at the commit (the same work;
            # inside a test's transaction there is no commit, and the tables are dropped).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        seconds = time.perf_counter() - started
    finally:
        with connection.cursor() as cursor:
            for table in FLOOR_TABLES:
                cursor.execute(f"DROP TABLE IF EXISTS {table}")
    return wav, cohorts, seconds, written


# --- The benchmark -------------------------------------------------------------------------


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "probation.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("PBR_DATA_LAG_MONTHS", DATA_LAG_MONTHS)
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()


def _settings():
    from django.conf import settings

    return {
        "follow_up": settings.PBR_REOFFENDING_FOLLOW_UP_MONTHS,
        "proven": settings.PBR_PROVEN_WITHIN_MONTHS,
        "lag": settings.PBR_DATA_LAG_MONTHS,
    }


def _maturing(month) -> dict:
    """What contracts.periods says matures in ``month`` (the run's own rule), per kind."""
    from contracts import periods

    found = {"PBR_BINARY": [], "PBR_FREQUENCY": []}
    for year in range(1, RECONCILED_YEAR + 1):
        start, end = periods.contract_year_dates(year)
        for period in periods.quarters(start, year):
            if period.matures_in() == month:
                found["PBR_BINARY"].append(period.label)
        period = periods.year_period(start, end, year)
        if period.matures_in() == month:
            found["PBR_FREQUENCY"].append(period.label)
    return found


def _time_sql(runs: int) -> dict:
    from django.db import connection

    timings, wav, cohorts = [], None, None
    for _ in range(runs):
        with connection.cursor() as cursor:
            started = time.perf_counter()
            wav = wav_figures(cursor, RECONCILED_YEAR)
            middle = time.perf_counter()
            cohorts = cohort_figures(cursor, MONTH, **_settings())
            ended = time.perf_counter()
        timings.append((middle - started, ended - middle, ended - started))
    return {
        "wav": wav,
        "cohorts": cohorts,
        "runs_s": [[round(t, 3) for t in run] for run in timings],
        "wav_median_s": round(statistics.median(t[0] for t in timings), 3),
        "cohorts_median_s": round(statistics.median(t[1] for t in timings), 3),
        "total_median_s": round(statistics.median(t[2] for t in timings), 3),
    }


def _time_floor(runs: int, sql: dict) -> dict:
    """The floor (``floor_figures``), each variant ``runs`` times: median seconds,
    rows written, and whether its figures equal the read-only SQL's."""
    from django.db import connection

    found = {}
    for variant in FLOOR_VARIANTS:
        timings = []
        for _ in range(runs):
            wav, cohorts, seconds, written = floor_figures(
                connection, RECONCILED_YEAR, MONTH, variant=variant, **_settings()
            )
            timings.append(seconds)
        found[variant] = {
            "runs_s": [round(t, 3) for t in timings],
            "median_s": round(statistics.median(timings), 3),
            "rows_written": written,
            "same_figures_as_sql": wav == sql["wav"] and cohorts == sql["cohorts"],
        }
    return found


def _helpers_ready() -> list[str]:
    """The functions of the run not yet written by the other helpers."""
    import importlib

    wanted = {
        "contracts.volumes": ["counts", "record"],
        "contracts.cohorts": ["figures", "record"],
        "contracts.service_levels": ["record_month", "MEASURES"],
        "contracts.rate_cards": [
            "invoices",
            "record_invoice",
            "attendance_centre",
            "record_charge",
        ],
    }
    missing = []
    for module, names in wanted.items():
        loaded = importlib.reload(importlib.import_module(module))
        missing += [f"{module}.{name}" for name in names if not hasattr(loaded, name)]
    return missing


RESET_TABLES = [
    "contracts_countedreoffence",
    "contracts_cohortmember",
    "contracts_wavstart",
    "contracts_invoiceddelivery",
    "contracts_chargedorder",
    "contracts_ledgerentry",
    "contracts_servicelevelcase",
    "contracts_servicelevelresult",
    "contracts_paymentrunpart",
    "contracts_paymentrun",
]


def _reset_ledger() -> int:
    """Empty the ledger and runs (benchmark database only) and mark every cohort maturing
    before MONTH paid by an earlier run (a zero line per key). Returns the lines seeded."""
    from django.db import connection, transaction

    from contracts import periods
    from contracts.models import Contract

    seeded = []
    for contract in Contract.objects.filter(start_date__lt=MONTH).order_by("crc_id", "year"):
        quarters = periods.quarters(contract.start_date, contract.year)
        year = periods.year_period(contract.start_date, contract.end_date, contract.year)
        for kind, period in [("PBR_BINARY", q) for q in quarters] + [("PBR_FREQUENCY", year)]:
            if period.matures_in() < MONTH:
                seeded.append((contract.pk, period.matures_in(), kind, f"{kind}:{period.label}"))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(RESET_TABLES) + " CASCADE")
        cursor.executemany(
            """
            INSERT INTO contracts_ledgerentry (month, kind, key, correction, amount, excess,
                payer, payer_name, description, detail, reason, created_at, contract_id)
            VALUES (%s, %s, %s, 0, 0, 0, 'NOMS', '', 'Paid by an earlier run (benchmark)',
                    '{"bench": "cohort paid by an earlier run"}', '', now(), %s)
            """,
            [(matures, kind, key, contract) for contract, matures, kind, key in seeded],
        )
    return len(seeded)


def _service_levels() -> list[str]:
    """A service level per contract for (up to) two measures of the registry."""
    from django.db import connection

    from contracts import service_levels

    measures = sorted(getattr(service_levels, "MEASURES", {}))
    codes = [code for code in PREFERRED_SERVICE_LEVELS if code in measures] or measures[:2]
    with connection.cursor() as cursor:
        for code in codes:
            cursor.execute(
                """
                INSERT INTO contracts_servicelevel (code, target, credit_share, contract_id)
                SELECT %s, 0.90, 0.02, id FROM contracts_contract
                ON CONFLICT DO NOTHING
                """,
                [code],
            )
    return codes


def _new_run():
    from contracts.models import PaymentRun, PaymentRunPart, RunTrigger
    from probation import clock
    from probation.models import Organisation, OrganisationKind

    run = PaymentRun.objects.create(
        month=MONTH, trigger=RunTrigger.COMMAND, requested_at=clock.now()
    )
    organisations = Organisation.objects.filter(
        kind__in=(OrganisationKind.CRC, OrganisationKind.NPS_DIVISION), active=True
    )
    PaymentRunPart.objects.bulk_create(
        PaymentRunPart(run=run, organisation=organisation) for organisation in organisations
    )
    return run


def _pay_in_process(run) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from contracts import payments

    parts = list(
        run.parts.select_related("organisation").order_by(
            "organisation__cpa_number", "organisation__code"
        )
    )
    result = {"crc_parts": [], "division_parts": []}
    slowest = []
    for part in parts:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            summary = payments.pay_part(part.pk)
            wall = time.perf_counter() - started
        slowest += [
            (float(q["time"]), part.organisation.code, " ".join(q["sql"].split())[:240])
            for q in queries.captured_queries
        ]
        kind = "crc_parts" if part.organisation.kind == "CRC" else "division_parts"
        result[kind].append(
            {
                "organisation": part.organisation.code,
                "wall_s": round(wall, 3),
                "queries": len(queries),
                "lines_written": summary.get("lines_written"),
                "already_held": summary.get("already_held"),
            }
        )
    result["slowest_queries"] = sorted(slowest, reverse=True)[:8]
    for kind in ("crc_parts", "division_parts"):
        result[kind + "_wall_s"] = round(sum(p["wall_s"] for p in result[kind]), 3)
        result[kind + "_queries"] = sum(p["queries"] for p in result[kind])
    return result


def _written(run_ids) -> dict:
    """Ledger lines and evidence rows written by the runs ``run_ids``."""
    from django.db.models import Count

    from contracts.models import (
        ChargedOrder,
        CohortMember,
        CountedReoffence,
        InvoicedDelivery,
        LedgerEntry,
        ServiceLevelCase,
        ServiceLevelResult,
        WavStart,
    )

    lines = LedgerEntry.objects.filter(run_part__run_id__in=run_ids)
    return {
        "ledger_lines": lines.count(),
        "ledger_lines_by_kind": dict(
            lines.values_list("kind").annotate(n=Count("pk")).order_by("kind")
        ),
        "wav_starts": WavStart.objects.filter(entry__in=lines).count(),
        "cohort_members": CohortMember.objects.filter(entry__in=lines).count(),
        "counted_reoffences": CountedReoffence.objects.filter(member__entry__in=lines).count(),
        "invoiced_deliveries": InvoicedDelivery.objects.filter(entry__in=lines).count(),
        "charged_orders": ChargedOrder.objects.filter(entry__in=lines).count(),
        "service_level_results": ServiceLevelResult.objects.filter(
            run_part__run_id__in=run_ids
        ).count(),
        "service_level_cases": ServiceLevelCase.objects.filter(
            result__run_part__run_id__in=run_ids
        ).count(),
    }


def _ledger_snapshot(run_id) -> dict:
    from contracts.models import LedgerEntry

    return {
        (contract, key): (str(amount), str(excess), json.dumps(detail, sort_keys=True))
        for contract, key, amount, excess, detail in LedgerEntry.objects.filter(
            run_part__run_id=run_id
        ).values_list("contract_id", "key", "amount", "excess", "detail")
    }


def _cross_check(run_id, sql: dict) -> list[str]:
    """The run's figures against the hand-written SQL's: a list of mismatches."""
    from contracts.models import EntryKind, LedgerEntry

    problems = []
    lines = LedgerEntry.objects.filter(run_part__run_id=run_id)
    reconciliations = {e.contract_id: e for e in lines.filter(kind=EntryKind.FFS_RECONCILIATION)}
    for contract_id, figures in sql["wav"].items():
        entry = reconciliations.get(contract_id)
        if entry is None:
            problems.append(f"contract {contract_id}: no reconciliation line")
            continue
        if Decimal(entry.detail["actual_wav"]) != Decimal(figures["wav"]):
            problems.append(
                f"contract {contract_id}: actual_wav {entry.detail['actual_wav']} (run) != "
                f"{figures['wav']} (SQL)"
            )
        if "starts" in entry.detail and int(entry.detail["starts"]) != figures["starts"]:
            problems.append(
                f"contract {contract_id}: starts {entry.detail['starts']} (run) != "
                f"{figures['starts']} (SQL)"
            )
    extra = set(reconciliations) - set(sql["wav"])
    if extra:
        problems.append(f"reconciliation lines for contracts the SQL does not reconcile: {extra}")
    cohort_lines = {
        (e.contract_id, e.key): e
        for e in lines.filter(kind__in=(EntryKind.PBR_BINARY, EntryKind.PBR_FREQUENCY))
    }
    for key, figures in sql["cohorts"].items():
        entry = cohort_lines.get(key)
        if entry is None:
            problems.append(f"{key}: no PbR line")
            continue
        for name in ("cohort_size", "reoffenders", "reoffences"):
            if int(entry.detail[name]) != figures[name]:
                problems.append(
                    f"{key}: {name} {entry.detail[name]} (run) != {figures[name]} (SQL)"
                )
    extra = set(cohort_lines) - set(sql["cohorts"])
    if extra:
        problems.append(f"PbR lines for cohorts the SQL does not find due: {sorted(extra)}")
    return problems


def _with_workers(workers: int, timeout: int) -> dict:
    """The month on a real Celery worker pool (module docstring, step 7)."""
    from celery import Celery

    from contracts.models import PartStatus

    env = dict(os.environ, REDIS_URL=WORKER_REDIS)
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    sender = Celery(broker=WORKER_REDIS, backend=WORKER_REDIS)
    sender.control.purge()
    (ROOT / ".run").mkdir(exist_ok=True)
    log = open(ROOT / ".run" / "bench_contracts_worker.log", "w")  # noqa: SIM115
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "probation",
            "worker",
            "--pool",
            "prefork",
            "-c",
            str(workers),
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"bench-contracts-{os.getpid()}@%h",
            "-l",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            if sender.control.ping(timeout=1):
                break
        else:
            raise RuntimeError("the Celery worker did not answer within 60 s")
        run = _new_run()
        parts = list(
            run.parts.order_by("organisation__cpa_number", "organisation__code").values_list(
                "pk", flat=True
            )
        )
        started = time.perf_counter()
        for pk in parts:
            sender.send_task("contracts.tasks.pay_part", args=[pk])
        crc_done_at = None
        deadline = time.time() + timeout
        while time.time() < deadline:
            statuses = list(run.parts.values_list("organisation__kind", "status"))
            crc = [s for kind, s in statuses if kind == "CRC"]
            if crc_done_at is None and all(s in (PartStatus.DONE, PartStatus.FAILED) for s in crc):
                crc_done_at = time.perf_counter()
            if all(s in (PartStatus.DONE, PartStatus.FAILED) for _, s in statuses):
                break
            time.sleep(0.05)
        wall = time.perf_counter() - started
        failed = list(
            run.parts.filter(status=PartStatus.FAILED).values_list("organisation__code", "error")
        )
        return {
            "workers": workers,
            "run_id": run.pk,
            "wall_all_parts_s": round(wall, 3),
            "wall_crc_parts_s": round((crc_done_at or time.perf_counter()) - started, 3),
            "failed": failed,
        }
    finally:
        os.kill(worker.pid, signal.SIGTERM)  # warm shutdown of the pool it started
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)  # its own process group only
            worker.wait()
        log.close()
        sender.control.purge()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fresh", action="store_true", help="generate the facts again")
    parser.add_argument("--sql-runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=0, help="also run on N Celery workers")
    parser.add_argument("--worker-timeout", type=int, default=1800)
    parser.add_argument("--sql-only", action="store_true", help="the SQL figures alone")
    args = parser.parse_args()

    _setup()  # first: the migration below inherits its environment
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v", "0"], check=True)
    import contracts_data
    from django.db import connection

    from probation.celery import app

    assert connection.vendor == "postgresql", "run on PostgreSQL (DATABASE_URL)"
    assert app.conf.task_always_eager, "run without REDIS_URL: the in-process run is eager"
    report: dict = {"month": MONTH.isoformat(), "settings": _settings()}

    started = time.perf_counter()
    generation = contracts_data.generate(WAV_SQL, fresh=args.fresh)
    report["generation_s"] = round(time.perf_counter() - started, 1)
    report["generation_steps"] = [(label, rows, round(s, 1)) for label, rows, s in generation]
    with connection.cursor() as cursor:
        counts = {}
        for table in (
            "probation_person",
            "probation_sentence",
            "probation_requirement",
            "resettlement_custodyepisode",
            "resettlement_resettlementplan",
            "contracts_provenreoffence",
            "contracts_contract",
        ):
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - constants
            counts[table] = cursor.fetchone()[0]
    report["facts"] = counts

    maturing = _maturing(MONTH)
    report["maturing_in_month"] = maturing
    if not maturing["PBR_BINARY"] or not maturing["PBR_FREQUENCY"]:
        print(f"WARNING: with these settings {MONTH:%B %Y} pays no binary or annual cohort")

    sql = _time_sql(args.sql_runs)
    report["sql"] = {k: v for k, v in sql.items() if k not in ("wav", "cohorts")}
    report["sql_wav"] = {str(k): {**v, "wav": str(v["wav"])} for k, v in sorted(sql["wav"].items())}
    report["sql_cohorts"] = [
        {k: str(v) if isinstance(v, datetime.date) else v for k, v in row.items()}
        for row in sql["cohorts"].values()
    ]
    rows = [
        (
            f"hand-written SQL: WAV of year {RECONCILED_YEAR}, 21 CRCs "
            f"({sum(v['starts'] for v in sql['wav'].values()):,} starts), median of "
            f"{args.sql_runs}",
            2,
            sql["wav_median_s"],
        ),
        (
            f"hand-written SQL: {len(sql['cohorts'])} cohorts maturing "
            f"({sum(v['cohort_size'] for v in sql['cohorts'].values()):,} members)",
            1,
            sql["cohorts_median_s"],
        ),
    ]

    floor = _time_floor(args.sql_runs, sql)
    report["floor"] = floor
    for variant, label in (
        ("bare", "into bare tables"),
        ("indexed", "with a primary key and an index on the line"),
        ("keyed", "with those and a foreign key to the person"),
    ):
        rows.append(
            (
                f"floor: the same SQL writing the {sum(floor[variant]['rows_written'].values()):,}"
                f" rows it counts {label}, median of {args.sql_runs} "
                f"({floor[variant]['median_s'] / sql['total_median_s']:.2f}x the SQL)",
                4,
                floor[variant]["median_s"],
            )
        )

    missing = _helpers_ready()
    report["missing_functions"] = missing
    exit_code = 0
    if not all(variant["same_figures_as_sql"] for variant in floor.values()):
        print("!!! the floor's figures differ from the SQL's !!!", file=sys.stderr)
        exit_code = 1
    if missing:
        print("The run's functions are not all written yet:", missing)
    if not missing and not args.sql_only:
        report["ledger_lines_seeded_as_earlier_runs"] = _reset_ledger()
        report["service_levels"] = _service_levels()
        first = _new_run()
        paid = _pay_in_process(first)
        report["run"] = paid
        report["run_written"] = _written([first.pk])
        problems = _cross_check(first.pk, sql)
        report["cross_check_problems"] = problems
        snapshot = _ledger_snapshot(first.pk)
        again = _new_run()
        paid_again = _pay_in_process(again)
        report["again"] = paid_again
        report["again_written"] = _written([again.pk])
        ratio = paid["crc_parts_wall_s"] / sql["total_median_s"]
        report["ratio_run_to_sql"] = round(ratio, 2)
        written = report["run_written"]
        slowest = max(paid["crc_parts"], key=lambda p: p["wall_s"])
        rows += [
            (
                f"payment run {MONTH:%B %Y}, 21 CRC parts in process, one after another "
                f"({written['ledger_lines']} lines, {written['wav_starts']:,} WAV starts, "
                f"{written['cohort_members']:,} members, "
                f"{written['counted_reoffences']:,} reoffences)",
                paid["crc_parts_queries"],
                paid["crc_parts_wall_s"],
            ),
            (
                f"  of which the slowest CRC part ({slowest['organisation']})",
                slowest["queries"],
                slowest["wall_s"],
            ),
            (
                f"  NPS division parts (service levels only, {len(paid['division_parts'])})",
                paid["division_parts_queries"],
                paid["division_parts_wall_s"],
            ),
            (
                f"the same month again, 21 CRC parts ({report['again_written']['ledger_lines']}"
                " new lines)",
                paid_again["crc_parts_queries"],
                paid_again["crc_parts_wall_s"],
            ),
            (f"ratio: run (CRC parts) / hand-written SQL = {ratio:.2f}", "", ""),
        ]
        if report["again_written"]["ledger_lines"]:
            problems.append("the second run of the month wrote new ledger lines")
        if args.workers:
            _reset_ledger()
            pool = _with_workers(args.workers, args.worker_timeout)
            pool["written"] = _written([pool["run_id"]])
            pool["same_ledger_as_in_process"] = _ledger_snapshot(pool["run_id"]) == snapshot
            report["workers"] = pool
            rows.append(
                (
                    f"payment run on {args.workers} Celery worker processes, all "
                    f"{len(paid['crc_parts']) + len(paid['division_parts'])} parts "
                    f"(CRC parts done at {pool['wall_crc_parts_s']} s; "
                    f"same ledger: {pool['same_ledger_as_in_process']})",
                    "",
                    pool["wall_all_parts_s"],
                )
            )
            if pool["failed"] or not pool["same_ledger_as_in_process"]:
                problems.append(f"worker run: failed {pool['failed']} or a different ledger")
        if problems:
            exit_code = 1

    print(f"{'benchmark':<110} {'queries':>8} {'wall s':>9}")
    for label, queries, wall in rows:
        print(f"{label:<110} {queries!s:>8} {wall!s:>9}")
    print(json.dumps(report, indent=2, default=str))
    if exit_code:
        print("\n!!! MISMATCH between the run and the hand-written SQL !!!", file=sys.stderr)
        for problem in report.get("cross_check_problems", []):
            print("  -", problem, file=sys.stderr)
    sys.exit(exit_code)


if __name__ == "__main__":
    main()
