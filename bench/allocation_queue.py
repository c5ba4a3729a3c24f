"""Benchmark: the NPS allocation queue at the national caseload (250,000 people).

Run by hand, never in the test suite, on the database bench/seed_demo.py seeds:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/probation_bench \\
        .venv/bin/python bench/allocation_queue.py

Demo sentences carry no allocation decisions, so every active managed sentence in the
division is "awaiting allocation": the queue is measured at that (larger than real) size,
signed in as the demo NPS allocation officer (NPS Wales), for the first page, a later page
and an LDU filter. Prints the pending count, queries per request, median and p95 as JSON.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from caseload import _setup, _time  # noqa: E402  the caseload benchmark's helpers


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 25
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v", "0"], check=True)
    _setup()
    from django.test import Client

    from allocation import selectors
    from probation.models import Person, User

    officer = User.objects.get(username="nps.allocation")
    pending = selectors.awaiting_allocation(user=officer)
    ldu = pending.values_list("person__ldu__code", flat=True).first()
    client = Client()
    client.force_login(officer)
    result = {
        "people": Person.objects.count(),
        "division": officer.organisation.code,
        "pending_in_division": pending.count(),
        "requests": {
            "queue_first_page": _time(client, "/allocation/", runs),
            "queue_page_20": _time(client, "/allocation/?page=20", runs),
            "queue_one_ldu": _time(client, f"/allocation/?ldu={ldu}", runs),
        },
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
