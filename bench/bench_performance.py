"""Benchmark: the monthly performance facts job (issue 9 part 1) and the dashboards over a
national-scale database – the payment-run benchmark's 250,000 people and five contract
years (bench/contracts_data.py) plus what the facts read beyond it (first appointments,
allocation decisions, terminations, offender manager assignments, failures to comply,
escalations, their workflow events and transfers: bench/performance_data.py).

Run by hand, never in the test suite:

    createdb -h 127.0.0.1 -U postgres probation_bench_performance
    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/probation_bench_performance \\
        .venv/bin/python bench/bench_performance.py [--fresh] [--requests 5] [--quick]

The data is generated once, set-wise (a few minutes; ``--fresh`` generates it again, both
parts). Steps:

1. the facts emptied (TRUNCATE: benchmark database only), then the full job for every
   month from FACTS_FIRST_MONTH to the current month (``facts.refresh`` in process, as the
   ``refresh_facts --all`` command runs it): wall time, queries, facts;
2. the cross-check: a busy month's facts of the seven contract service levels against
   ``contracts.service_levels.figures`` at each level (any mismatch is printed, exit 1);
3. the incremental job with nothing changed (the open months only);
4. one audited change (a first appointment of March 2017 recorded as missed, with its
   audit event), then the incremental job: the months the change may move (March 2017,
   the appointment's month) and the open months computed again, the others checked
   against the day's changes, only the figures that moved written;
5. the time per measure of computing that busy month (one query each);
6. the national overview (``performance:overview``) and one CRC's page
   (``performance:organisation``) with Django's test Client as a NOMS contract manager:
   median of ``--requests`` requests and the queries of one (a page that answers 404 is
   not built yet: printed, and the benchmark goes on).

``--quick`` keeps the stored facts and skips step 1 (about 15 minutes on two shared
cores).

Prints a table and the details as JSON.
"""

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

BUSY_MONTH = datetime.date(2017, 3, 1)
CRC = "CRC11"
USERNAME = "bench.performance"


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "probation.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.pop("REDIS_URL", None)  # the tasks run in process
    import django

    django.setup()


def _generate(fresh: bool) -> dict:
    import bench_contracts
    import contracts_data
    import performance_data

    report = {}
    started = time.perf_counter()
    report["contracts_data"] = contracts_data.generate(bench_contracts.WAV_SQL, fresh=fresh)
    user_id = contracts_data._user_id()
    report["performance_data"] = performance_data.generate(user_id, fresh=fresh)
    report["generation_s"] = round(time.perf_counter() - started, 1)
    return report


def _counts() -> dict:
    from django.db import connection

    tables = (
        "probation_person",
        "probation_sentence",
        "probation_contact",
        "probation_termination",
        "allocation_allocationdecision",
        "probation_offendermanagerassignment",
        "enforcement_failure",
        "enforcement_riskescalation",
        "probation_workflowevent",
        "probation_casetransfer",
        "resettlement_resettlementplan",
    )
    counts = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - constants
            counts[table] = cursor.fetchone()[0]
    return counts


def _timed(function, *args, **kwargs):
    """(result, seconds, queries): queries counted by an execute wrapper (the test
    utilities' capture keeps only the last 9,000)."""
    from django.db import connection

    count = 0

    def counted(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counted):
        started = time.perf_counter()
        result = function(*args, **kwargs)
        seconds = time.perf_counter() - started
    return result, round(seconds, 2), count


def _empty_facts():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE performance_fact, performance_factsmonth")


def _cross_check(month: datetime.date) -> list[str]:
    """The stored facts of the service levels against contracts.service_levels.figures."""
    from contracts import service_levels
    from performance.models import Fact
    from probation.models import Organisation
    from probation.models.organisations import NPS_KINDS

    kinds = dict(Organisation.objects.values_list("pk", "kind"))
    nps_id = Organisation.objects.get(kind="NPS").pk
    stored = {
        (f.measure, f.organisation_id): (f.numerator, f.denominator)
        for f in Fact.objects.filter(month=month, breakdown="", measure__in=service_levels.MEASURES)
    }
    levels = {"provider": ("CRC", "NPS"), "division": ("NPS_DIVISION",), "ldu": ("LDU",)}
    problems = []
    for by, level_kinds in levels.items():
        theirs = service_levels.figures(month, by=by)
        for code, figures in theirs.items():
            expected: dict[int, list[int]] = {}
            for organisation, figure in figures.items():
                owner = (
                    nps_id
                    if by == "provider" and kinds[organisation] in NPS_KINDS
                    else organisation
                )
                counts = expected.setdefault(owner, [0, 0])
                counts[0] += figure.numerator
                counts[1] += figure.denominator
            ours = {
                organisation: figure
                for (measure, organisation), figure in stored.items()
                if measure == code and kinds[organisation] in level_kinds
            }
            expected_figures = {k: tuple(v) for k, v in expected.items()}
            if ours != expected_figures:
                problems.append(
                    f"{code} by {by}: facts {ours} != service levels {expected_figures}"
                )
    return problems


def _audited_change() -> str:
    """A first appointment of the busy month recorded as missed, through the audit trail
    as a service would."""
    from django.db import transaction

    from probation import audit
    from probation.models import Contact

    contact = (
        Contact.objects.filter(
            outcome="ATTENDED_COMPLIED",
            starts_at__date__gte=BUSY_MONTH + datetime.timedelta(days=2),
            starts_at__date__lt=BUSY_MONTH + datetime.timedelta(days=20),
            sentence__sentence_type="COMMUNITY_ORDER",
        )
        .order_by("pk")
        .first()
    )
    with transaction.atomic(), audit.channel("command"):
        before = audit.snapshot(contact)
        contact.outcome = "UNACCEPTABLE_ABSENCE"
        contact.save(update_fields=["outcome", "updated_at"])
        audit.record_update(actor=None, instance=contact, before=before)
    return f"contact {contact.pk} of {contact.starts_at:%Y-%m-%d} recorded as missed"


def _per_measure(month: datetime.date) -> list[tuple[str, float]]:
    from performance import facts, measures

    first, after = facts.month_bounds(month)
    timings = []
    for measure in measures.MEASURES.values():
        started = time.perf_counter()
        if measure.kind == "MONEY":
            measure.figures(first, after)
        else:
            list(facts._groups(measure, first, after))
        timings.append((measure.code, round(time.perf_counter() - started, 2)))
    return sorted(timings, key=lambda timing: -timing[1])


def _manager():
    from django.contrib.auth.models import Group

    from probation import clock
    from probation.models import Organisation, User, VettingRecord
    from probation.roles import ROLES_BY_CODE

    user, created = User.objects.get_or_create(
        username=USERNAME,
        defaults={
            "first_name": "Bench",
            "last_name": "Manager",
            "organisation": Organisation.objects.get(code="NOMS"),
        },
    )
    if created:
        user.groups.add(Group.objects.get(name=ROLES_BY_CODE["NOMS_CONTRACT_MANAGER"].group_name))
        today = clock.today()
        VettingRecord.objects.create(
            user=user,
            baseline_check_date=today - datetime.timedelta(days=365),
            dbs_check_date=today - datetime.timedelta(days=365),
            dbs_expiry_date=today + datetime.timedelta(days=700),
        )
    return user


def _pages(requests: int) -> list[dict]:
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(_manager())
    results = []
    for label, url in (
        ("national overview", reverse("performance:overview")),
        (f"{CRC}'s page", reverse("performance:organisation", kwargs={"org_code": CRC})),
    ):
        response, _, queries = _timed(client.get, url)
        if response.status_code != 200:
            print(f"{label} ({url}) answers {response.status_code}: not built yet; going on")
            results.append({"page": label, "url": url, "status": response.status_code})
            continue
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            client.get(url)
            times.append(time.perf_counter() - started)
        results.append(
            {
                "page": label,
                "url": url,
                "status": 200,
                "median_s": round(statistics.median(times), 3),
                "queries": queries,
            }
        )
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fresh", action="store_true", help="generate the data again")
    parser.add_argument("--requests", type=int, default=5, help="requests per page")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="keep the stored facts: skip the full job",
    )
    args = parser.parse_args()

    _setup()  # first: the migration below inherits its environment
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v", "0"], check=True)
    from django.db import connection

    from performance import facts
    from probation import clock

    assert connection.vendor == "postgresql", "run on PostgreSQL (DATABASE_URL)"
    report: dict = _generate(args.fresh)
    report["data"] = _counts()
    today = clock.today()
    months = facts.all_months(today)
    rows = []

    if not args.quick:
        _empty_facts()
        full, seconds, queries = _timed(facts.refresh, months)
        rows.append(
            (f"full job: {full['months']} months, {full['facts']:,} facts", queries, seconds)
        )
        report["full"] = {k: v for k, v in full.items() if k != "per_month"}

    problems = _cross_check(BUSY_MONTH)
    report["cross_check_problems"] = problems

    again, seconds, queries = _timed(facts.refresh)
    rows.append(
        (
            f"incremental, nothing changed: {again['months']} months, {again['changed']} changed",
            queries,
            seconds,
        )
    )
    report["incremental_unchanged"] = {k: v for k, v in again.items() if k != "per_month"}

    # Step 4: cheap, the job computes only the months a change may move.
    report["change"] = _audited_change()
    changed, seconds, queries = _timed(facts.refresh)
    moved = [m for m in changed["per_month"] if m["changed"]]
    rows.append(
        (
            f"incremental after one audited change: {changed['months']} months, "
            f"{changed['changed']} facts changed",
            queries,
            seconds,
        )
    )
    report["incremental_changed"] = {"summary": changed["changed"], "months_changed": moved}

    busy, seconds, queries = _timed(facts.refresh_month, BUSY_MONTH)
    rows.append(
        (f"one busy month ({BUSY_MONTH:%B %Y}) again: {busy['facts']:,} facts", queries, seconds)
    )
    report["per_measure_s"] = _per_measure(BUSY_MONTH)

    pages = _pages(args.requests)
    report["pages"] = pages
    for page in pages:
        if page["status"] == 200:
            rows.append(
                (f"{page['page']}: median of {args.requests}", page["queries"], page["median_s"])
            )

    print()
    print(f"{'step':<78} {'queries':>8} {'seconds':>9}")
    for label, queries, seconds in rows:
        print(f"{label:<78} {queries:>8} {seconds:>9}")
    print()
    print("slowest measures of", f"{BUSY_MONTH:%B %Y}:", report["per_measure_s"][:8])
    print(json.dumps(report, indent=1, default=str))
    if problems:
        print("CROSS-CHECK FAILED:")
        for problem in problems:
            print(" ", problem)
        sys.exit(1)


if __name__ == "__main__":
    main()
