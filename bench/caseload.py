"""Benchmark: caseload pages and the caseload API at the national caseload (250,000 people).

Run by hand, never in the test suite:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/probation_bench \\
        .venv/bin/python bench/caseload.py [--reseed] [--explain]

It uses the database bench/seed_demo.py seeds (``--reseed`` seeds it first, 250,000
people). It takes the demo CRC offender manager ``crc.om.11`` and tops their caseload up to
60 cases, and makes their team hold about 5,000 current cases by moving other CRC11 teams'
current assignments into it (set-wise UPDATEs: benchmark data only). Then, signed in with
the Django test client, it times ≥ 20 requests of each page and API list and prints the
median and p95 wall time and the queries per request as JSON.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

OFFICER = "crc.om.11"
MANAGER = "crc.manager.11"
OFFICER_CASES = 60
TEAM_CASES = 5000


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "probation.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()


def _prepare() -> dict:
    """Top up the officer's caseload and the team's, set-wise. Returns what was used."""
    from django.db import connection, transaction

    from probation import caseload
    from probation.models import OffenderManagerAssignment, Team, User

    officer = User.objects.get(username=OFFICER)
    team = officer.team
    assignments = OffenderManagerAssignment._meta.db_table
    users = User._meta.db_table
    with transaction.atomic():
        have = caseload.caseload(user=officer).count()
        if have < OFFICER_CASES:
            # Colleagues' cases in the same team, on a caseload, move to the officer.
            wanted = list(
                caseload.caseload(user=User.objects.get(username=MANAGER), team=team)
                .exclude(offender_manager_id=officer.pk)
                .values_list("pk", flat=True)[: OFFICER_CASES - have]
            )
            OffenderManagerAssignment.objects.filter(
                person_id__in=wanted, ended_at__isnull=True
            ).update(offender_manager=officer)
        current = OffenderManagerAssignment.objects.filter(ended_at__isnull=True, team=team)
        if current.count() < TEAM_CASES * 0.95:
            others = (
                Team.objects.filter(organisation=team.organisation)
                .exclude(pk=team.pk)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            moved = current.count()
            with connection.cursor() as cursor:
                for other in others:
                    if moved >= TEAM_CASES:
                        break
                    cursor.execute(
                        f"UPDATE {assignments} SET team_id = %s "  # noqa: S608 - table names
                        f"WHERE team_id = %s AND ended_at IS NULL",
                        [team.pk, other],
                    )
                    moved += cursor.rowcount
                    cursor.execute(
                        f"UPDATE {users} SET team_id = %s WHERE team_id = %s",  # noqa: S608
                        [team.pk, other],
                    )
        connection.cursor().execute("ANALYZE")
    manager = User.objects.get(username=MANAGER)
    return {
        "officer": OFFICER,
        "officer_caseload": caseload.caseload(user=officer).count(),
        "team": team.name,
        "team_id": team.pk,
        "team_current_assignments": OffenderManagerAssignment.objects.filter(
            ended_at__isnull=True, team=team
        ).count(),
        "team_caseload": caseload.caseload(user=manager, team=team).count(),
    }


def _time(client, url, runs) -> dict:
    from django.db import connection

    for _ in range(2):  # warm up
        assert client.get(url).status_code == 200, url
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)
    assert response.status_code == 200, url
    walls = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url)
        walls.append((time.perf_counter() - started) * 1000)
    walls.sort()
    return {
        "url": url,
        "queries": len(queries),
        "median_ms": round(statistics.median(walls), 1),
        "p95_ms": round(walls[max(0, int(round(0.95 * len(walls))) - 1)], 1),
        "max_ms": round(walls[-1], 1),
        "runs": runs,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reseed", action="store_true", help="seed 250,000 people first")
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE")
    args = parser.parse_args()
    if args.reseed:
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "seed_demo.py"), "--offenders", "250000"],
            check=True,
        )
    _setup()
    from django.http import QueryDict
    from django.test import Client

    from probation import caseload
    from probation.models import Person, User

    setup = _prepare()
    team = setup["team_id"]
    officer, manager = User.objects.get(username=OFFICER), User.objects.get(username=MANAGER)
    om_client, manager_client = Client(), Client()
    om_client.force_login(officer)
    manager_client.force_login(manager)
    scenarios = {
        "om_caseload_page": (om_client, "/caseload/"),
        "om_caseload_page_sorted_by_rosh": (om_client, "/caseload/?sort=-rosh"),
        "team_page_first": (manager_client, f"/caseload/?team={team}"),
        "team_page_filtered_sorted": (
            manager_client,
            f"/caseload/?team={team}&rosh=MEDIUM&overdue=true&sort=-next_appointment",
        ),
        "team_page_sorted_supervision_end_page_3": (
            manager_client,
            f"/caseload/?team={team}&sort=supervision_end&page=3",
        ),
        "api_om_caseload": (om_client, "/api/v1/caseload/"),
        "api_team_caseload": (manager_client, f"/api/v1/caseload/?team={team}"),
        "api_team_sorted_next_appointment": (
            manager_client,
            f"/api/v1/caseload/?team={team}&sort=next_appointment&page_size=50",
        ),
    }
    result = {"people": Person.objects.count(), **setup, "requests": {}}
    for name, (client, url) in scenarios.items():
        result["requests"][name] = _time(client, url, args.runs)
    print(json.dumps(result, indent=2))
    if args.explain:
        team_obj = officer.team
        for label, people in (
            ("officer", caseload.caseload(user=officer)),
            ("team", caseload.caseload(user=manager, team=team_obj)),
            (
                "team_sorted_rosh",
                caseload.caseload(user=manager, team=team_obj, filters={"sort": "-rosh"}),
            ),
            (
                "team_filtered_sorted",
                caseload.caseload(
                    user=manager,
                    team=team_obj,
                    filters=QueryDict("rosh=MEDIUM&overdue=true&sort=-next_appointment"),
                ),
            ),
        ):
            print(f"--- EXPLAIN ANALYZE: {label} (first page) ---")
            print(people[:26].explain(analyze=True))


if __name__ == "__main__":
    main()
