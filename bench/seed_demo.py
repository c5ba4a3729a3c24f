"""Benchmark: seed the national caseload (250,000 people) into a fresh PostgreSQL database.

Run by hand, never in the test suite:

    .venv/bin/python bench/seed_demo.py --offenders 250000 --seed 1

It creates (or recreates) the database named by --database on the PostgreSQL server at
--server (default postgres://postgres@127.0.0.1:5432), migrates it, runs
``manage.py seed_demo`` in a child process and reports the wall time and the child's peak
resident memory, then a few counts and the timing of the scoped people list at that scale.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offenders", type=int, default=250_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="probation_bench")
    args = parser.parse_args()

    env = dict(os.environ, DEBUG="1", DATABASE_URL=f"{args.server}/{args.database}")
    env.pop("REDIS_URL", None)
    subprocess.run(
        ["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", args.database], check=True
    )
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", args.database], check=True)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)

    started = time.perf_counter()
    subprocess.run(
        [
            *manage,
            "seed_demo",
            "--offenders",
            str(args.offenders),
            "--seed",
            str(args.seed),
            "-v",
            "0",
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )
    wall = time.perf_counter() - started
    # ru_maxrss of the children: the seed_demo process is the largest one waited for.
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss

    probe = subprocess.run(
        [*manage, "shell", "-c", PROBE],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    result = {
        "offenders": args.offenders,
        "seed": args.seed,
        "seed_demo_wall_seconds": round(wall, 1),
        "seed_demo_peak_rss_mib": round(peak_kib / 1024, 1),
        **json.loads(probe.stdout.strip().splitlines()[-1]),
    }
    print(json.dumps(result, indent=2))


PROBE = r"""
import json, time
from django.db import connection
from django.test.utils import CaptureQueriesContext
from probation.models import Person, User, Organisation
from probation import selectors
from probation.pagination import page_of
user = User.objects.get(username="crc.om.11")
noms = User.objects.get(username="noms.contracts")
out = {"people": Person.objects.count(), "staff": User.objects.count(),
       "ldus_with_people": Person.objects.values("ldu").distinct().count()}
for label, who, filters in [("crc_list_page", user, {}), ("noms_list_page", noms, {}),
                            ("crc_name_search", user, {"name": "jo"})]:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        page = page_of(selectors.person_list(user=who, filters=filters), 1, size=25)
        out[label + "_ms"] = round((time.perf_counter() - started) * 1000, 1)
    out[label + "_queries"] = len(queries)
print(json.dumps(out))
"""

if __name__ == "__main__":
    main()
