"""Benchmark: the allocation deadline job and the timeliness report at the national
caseload (250,000 people).

Run by hand, never in the test suite, on the database bench/seed_demo.py seeds:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/probation_bench \\
        .venv/bin/python bench/allocation_deadlines.py [runs]

Preparation, set-wise and idempotent (benchmark data only): every seeded sentence is
allocated if the seed predates the demo's decisions; then in every CPA outside the
allocation-queue benchmark's division the decisions of ``OVERDUE_PER_CPA`` sentences made
two to six weeks ago are removed, so thousands of sentences are overdue; the breaches and
overdue notifications of sentences still unallocated are cleared, so the first run finds
them all again.

Then ``find_overdue_allocations`` runs in process (no REDIS_URL: the 21 CPA tasks run one
after another) for the last business day: a first run, which records the breaches and
notifies the divisions, and ``runs`` more, which find nothing new. Then
``allocation_timeliness`` over the year to that day. Prints rows, queries and wall times as
JSON.
"""

import datetime
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from allocation_queue import OFFICER, allocate_every_seeded_sentence, unallocate  # noqa: E402
from caseload import _setup  # noqa: E402

OVERDUE_PER_CPA = 500
WEEKS_AGO = (14, 42)  # days before the job's day


def _prepare(today: datetime.date, queue_division_id: int) -> dict:
    from django.db import connection, transaction
    from django.db.models import Exists, OuterRef

    from allocation.models import AllocationBreach, AllocationDecision, AllocationKind
    from probation.models import Management, Notification, Organisation, Sentence

    since = today - datetime.timedelta(days=WEEKS_AGO[1])
    until = today - datetime.timedelta(days=WEEKS_AGO[0])
    removed = 0
    with transaction.atomic():
        for cpa in Organisation.objects.crcs().exclude(ldus__division_id=queue_division_id):
            waiting = (
                Sentence.objects.filter(
                    person__ldu__crc=cpa,
                    status="ACTIVE",
                    management=Management.MANAGED,
                    sentence_date__range=(since, until),
                )
                .exclude(allocation_decisions__kind=AllocationKind.ALLOCATION)
                .count()
            )
            removed += unallocate(
                "l.crc_id = %s AND s.sentence_date BETWEEN %s AND %s",
                [cpa.pk, since, until],
                OVERDUE_PER_CPA - waiting,
            )
        allocated = AllocationDecision.objects.filter(
            sentence=OuterRef("sentence"), kind=AllocationKind.ALLOCATION
        )
        cleared = AllocationBreach.objects.filter(~Exists(allocated)).delete()[0]
        Notification.objects.filter(kind="ALLOCATION_OVERDUE").delete()
    # What autovacuum does after a load: statistics, and a visibility map so the "not yet
    # allocated" checks read the decisions' index alone.
    connection.cursor().execute("VACUUM ANALYZE")
    return {"decisions_removed": removed, "breaches_cleared": cleared}


def _run(today: datetime.date) -> dict:
    from django.db import connection

    from allocation.models import AllocationBreach
    from allocation.tasks import find_overdue_allocations
    from probation.models import Notification

    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    breaches = AllocationBreach.objects.count()
    notes = Notification.objects.filter(kind="ALLOCATION_OVERDUE").count()
    with connection.execute_wrapper(count):
        started = time.perf_counter()
        result = find_overdue_allocations.delay(today.isoformat()).get()
        wall = time.perf_counter() - started
    return {
        "cpa_tasks": len(result["tasks"]),
        "breaches_recorded": AllocationBreach.objects.count() - breaches,
        "notifications": Notification.objects.filter(kind="ALLOCATION_OVERDUE").count() - notes,
        "queries": len(queries),
        "wall_ms": round(wall * 1000, 1),
    }


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v", "0"], check=True)
    _setup()
    from django.db import connection
    from django.db.models import Count

    from allocation import deadlines, reports
    from allocation.models import AllocationBreach, AllocationDecision
    from probation import clock
    from probation.calendar import is_business_day
    from probation.celery import app
    from probation.models import Organisation, Person, Sentence, User

    assert app.conf.task_always_eager, "run without REDIS_URL: the job runs in process"
    today = clock.today()
    while not is_business_day(today):
        today -= datetime.timedelta(days=1)
    officer = User.objects.get(username=OFFICER)
    allocated = allocate_every_seeded_sentence(officer)
    setup = _prepare(today, officer.organisation_id)
    overdue = sum(
        deadlines.overdue_sentences(cpa=cpa, today=today).count()
        for cpa in Organisation.objects.crcs()
    )
    first = _run(today)
    again = [_run(today) for _ in range(runs)]
    walls = sorted(run["wall_ms"] for run in again)

    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    since = today.replace(year=today.year - 1) + datetime.timedelta(days=1)
    timings = []
    for _ in range(runs):
        queries.clear()
        with connection.execute_wrapper(count):
            started = time.perf_counter()
            rows = reports.allocation_timeliness(since=since, until=today)
            timings.append((time.perf_counter() - started) * 1000)
    result = {
        "people": Person.objects.count(),
        "sentences": Sentence.objects.count(),
        "allocation_decisions": AllocationDecision.objects.count(),
        "decisions_made_for_an_old_seed": allocated,
        **setup,
        "job_day": today.isoformat(),
        "overdue_before_first_run": overdue,
        "first_run": first,
        "second_run": {
            **again[-1],
            "wall_ms_median": round(statistics.median(walls), 1),
            "wall_ms_max": walls[-1],
            "runs": runs,
        },
        "breaches_by_division": dict(
            AllocationBreach.objects.filter(found_on=today)
            .values_list("division__code")
            .annotate(n=Count("pk"))
            .order_by("division__code")
        ),
        "timeliness_year": {
            "since": since.isoformat(),
            "until": today.isoformat(),
            "rows": len(rows),
            "cases_due": sum(row.due for row in rows),
            "allocated_in_time": sum(row.allocated_in_time for row in rows),
            "queries": len(queries),
            "median_ms": round(statistics.median(timings), 1),
            "max_ms": round(max(timings), 1),
            "runs": runs,
        },
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
