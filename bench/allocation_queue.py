"""Benchmark: the NPS allocation queue at the national caseload (250,000 people).

Run by hand, never in the test suite, on the database bench/seed_demo.py seeds:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/probation_bench \\
        .venv/bin/python bench/allocation_queue.py [runs]

It first brings the demo NPS allocation officer's division (NPS Wales) to exactly
``PENDING`` (2,000) sentences awaiting allocation, set-wise and idempotently (benchmark data
only): a seed made before the demo allocated its sentences has every sentence allocated
first (``allocation.demo``, as the seed now does); then the decisions of the division's
most recent sentences are removed until 2,000 wait, or the oldest surplus is allocated.
Signed in as that officer it times the first page, a later page and an LDU filter, and
prints the pending count, queries per request, median and p95 as JSON.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from caseload import _setup, _time  # noqa: E402  the caseload benchmark's helpers

OFFICER = "nps.allocation"
PENDING = 2000


def allocate_every_seeded_sentence(officer) -> int:
    """A seed from before the demo allocated its sentences has (almost) nothing allocated:
    allocate every managed sentence as the seed now does. Returns the decisions made."""
    from django.db.models import Max, Min

    from allocation.demo import allocate_seeded_sentences
    from allocation.models import AllocationDecision
    from probation.models import Person

    if AllocationDecision.objects.exists():
        return 0
    ids = Person.objects.aggregate(first=Min("pk"), last=Max("pk"))
    return allocate_seeded_sentences(
        first_person=ids["first"], last_person=ids["last"], pending_people=(), decided_by=officer
    )


def unallocate(where: str, params: list, limit: int) -> int:
    """Remove the ALLOCATION decisions of up to ``limit`` active managed sentences matching
    ``where`` (SQL over s = sentence, l = the person's LDU), most recent sentences first.
    Benchmark data only: decisions are never deleted by the platform."""
    from django.db import connection

    from allocation.models import AllocationDecision
    from probation.models import Organisation, Person, Sentence

    if limit <= 0:
        return 0
    decision, sentence = AllocationDecision._meta.db_table, Sentence._meta.db_table
    person, organisation = Person._meta.db_table, Organisation._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {decision} WHERE id IN ("  # noqa: S608 - table names
            f"SELECT a.id FROM {decision} a JOIN {sentence} s ON s.id = a.sentence_id "
            f"JOIN {person} p ON p.id = s.person_id JOIN {organisation} l ON l.id = p.ldu_id "
            f"WHERE a.kind = 'ALLOCATION' AND s.status = 'ACTIVE' "
            f"AND s.management = 'MANAGED' AND {where} "
            f"ORDER BY s.sentence_date DESC, s.id DESC LIMIT %s)",
            [*params, limit],
        )
        return cursor.rowcount


def prepare_queue(officer, pending: int = PENDING) -> dict:
    """Exactly ``pending`` sentences awaiting allocation in the officer's division."""
    from django.db import connection, transaction
    from django.db.models import Max, Min

    from allocation import selectors
    from allocation.demo import allocate_seeded_sentences
    from probation.models import Person

    with transaction.atomic():
        allocated = allocate_every_seeded_sentence(officer)
        waiting = selectors.awaiting_allocation(user=officer)
        have = waiting.count()
        removed = unallocate("l.division_id = %s", [officer.organisation_id], pending - have)
        if have > pending:  # allocate the oldest surplus, keeping the most recent waiting
            keep = waiting.order_by("-clock_start", "-pk").values_list("person_id", flat=True)
            ids = Person.objects.aggregate(first=Min("pk"), last=Max("pk"))
            allocated += allocate_seeded_sentences(
                first_person=ids["first"],
                last_person=ids["last"],
                pending_people=list(keep[:pending]),
                decided_by=officer,
                division=officer.organisation_id,
            )
    # What autovacuum does after a load: statistics, and a visibility map so the "not yet
    # allocated" checks read the decisions' index alone.
    connection.cursor().execute("VACUUM ANALYZE")
    return {
        "decisions_made": allocated,
        "decisions_removed": removed,
        "pending_in_division": selectors.awaiting_allocation(user=officer).count(),
    }


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 25
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v", "0"], check=True)
    _setup()
    from django.test import Client

    from allocation import selectors
    from probation.models import Person, User

    officer = User.objects.get(username=OFFICER)
    setup = prepare_queue(officer)
    pending = selectors.awaiting_allocation(user=officer)
    ldu = pending.values_list("person__ldu__code", flat=True).first()
    client = Client()
    client.force_login(officer)
    result = {
        "people": Person.objects.count(),
        "division": officer.organisation.code,
        **setup,
        "pending_in_ldu": pending.filter(person__ldu__code=ldu).count(),
        "requests": {
            "queue_first_page": _time(client, "/allocation/", runs),
            "queue_page_20": _time(client, "/allocation/?page=20", runs),
            "queue_one_ldu": _time(client, f"/allocation/?ldu={ldu}", runs),
        },
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
