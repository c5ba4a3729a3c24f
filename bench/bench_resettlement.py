"""Benchmark: the resettlement morning clocks and the designated-release measure at national
scale (issue 7: about 85,000 people in custody).

Run by hand, never in the test suite, on a database bench/seed_demo.py seeded (any size of
at least ~100,000 people; the figures in the README used 120,000):

    .venv/bin/python bench/seed_demo.py --offenders 120000 --database probation_bench_ttg
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/probation_bench_ttg \\
        .venv/bin/python bench/bench_resettlement.py [runs]

Preparation (benchmark data only, set-wise with ``bulk_create``; every resettlement row,
resettlement alert and notification is deleted first, so it can be run again):

- ``PRISONS_PER_CPA`` prisons for every CPA through ``designations.prison_create`` and
  ``designate``: two adult male locals (one shared with the next CPA's CRC as host), a
  category C, an open prison designated to two CPAs, and a prison that is not a resettlement
  prison; a tenth of them re-designated ``REDESIGNATED_DAYS_AGO`` days ago;
- ``IN_CUSTODY`` open custody episodes (15 % remand, 5 % recalled, the rest sentenced),
  most in a resettlement prison of the home CPA, with who does what from the rules, a stay
  (a fifth moved once), an empty screening and the plan: receptions of the last 15 days
  are still in SCREENING, PLANNING or TO_SHARE with their deadlines, older ones are shared;
  expected releases spread over the next year (so a quarter of the windows have opened:
  the first run opens them all at once), ``STALE`` of them with an allocation changed
  behind the signal's back, and ``OVERDUE_REQUESTS`` HDC/ROTL requests past their deadline;
- ``RELEASES`` episodes released last month, with one to three stays.

Then, in process (no REDIS_URL), for the last business day: the resettlement clocks of every
CPA (``record_resettlement_clocks``, one after another) and the workflow deadline job of
every CPA (``record_workflow_deadlines``, which flags the plans' deadlines), a first run and
``runs`` repeats; and ``measures.designated_release`` for last month. Prints a table of wall
time and queries, and the details as JSON.
"""

import datetime
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from caseload import OFFICER, _setup  # noqa: E402

IN_CUSTODY = 85_000
RELEASES = 6_000
STALE = 100
OVERDUE_REQUESTS = 3_000
RECENT_RECEPTIONS = 3_000  # received in the last 15 days: plans still on their clocks
REDESIGNATED_DAYS_AGO = 60
BATCH = 5_000


def _counter():
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    return queries, count


def _prisons(actor, today: datetime.date):
    """Every CPA's prisons and designations (module docstring). Returns the prisons with
    their designation facts today."""
    from probation.models import Organisation
    from resettlement import designations
    from resettlement.models import Prison

    crcs = list(Organisation.objects.crcs())
    ldus = {}
    for ldu in Organisation.objects.ldus().order_by("code"):
        ldus.setdefault(ldu.crc_id, ldu)
    since = datetime.date(2015, 1, 1)
    prisons = []
    letters = iter(
        f"{a}{b}{c}"
        for a in "BDGJKMQTVXZ"
        for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    )
    for i, crc in enumerate(crcs):
        neighbour = crcs[(i + 1) % len(crcs)]
        other = crcs[(i + 2) % len(crcs)]
        kinds = [
            ("MALE_LOCAL", True, (), ()),
            ("MALE_LOCAL", True, (neighbour.code,), ()),
            ("MALE_TRAINING", True, (), ()),
            ("MALE_OPEN", True, (), (neighbour.code, other.code)),
            ("MALE_TRAINING", False, (), ()),
        ]
        for n, (kind, resettlement, hosts, designated_to) in enumerate(kinds):
            code = next(letters)
            prison = designations.prison_create(
                actor=None,
                code=code,
                name=f"HMP Bench {crc.code} {n}",
                kind=kind,
                contracted=n == 2,
                ldu=ldus[crc.pk],
            )
            designations.designate(
                actor=actor,
                prison=prison,
                effective_from=since,
                resettlement=resettlement,
                host_lead_provider=crc.code if resettlement else None,
                host_crcs=list(hosts),
                designated_to=list(designated_to),
                source="bench",
                check_actor=False,
            )
            if resettlement and n == 2 and i % 2 == 0:  # re-designated: a new lead provider
                designations.designate(
                    actor=actor,
                    prison=prison,
                    effective_from=today - datetime.timedelta(days=REDESIGNATED_DAYS_AGO),
                    resettlement=True,
                    host_lead_provider=neighbour.code,
                    source="bench",
                    check_actor=False,
                )
            prisons.append(prison)
    facts = {p.pk: designations.designation_facts(p, today) for p in prisons}
    return Prison.objects.filter(pk__in=[p.pk for p in prisons]).select_related(
        "organisation", "ldu"
    ), facts


def _prepare(today: datetime.date) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    from probation.calendar import add_business_days
    from probation.models import Notification, Organisation, Person, Sentence, User
    from probation.models.organisations import NPS_CODE
    from probation.models.workflow import DeadlineAlert, WorkflowEvent
    from resettlement import rules
    from resettlement.models import (
        CustodyEpisode,
        Designation,
        DesignationCrc,
        PlanNeed,
        PreReleaseTask,
        Prison,
        PrisonStay,
        ResettlementPlan,
        Screening,
    )

    rng = random.Random(7)
    actor = User.objects.get(username=OFFICER)
    nps = Organisation.objects.get(code=NPS_CODE)
    orgs = {o.code: o.pk for o in Organisation.objects.filter(kind__in=["CRC", "NPS"])}
    with transaction.atomic():
        DeadlineAlert.objects.filter(
            workflow__in=["resettlement_plan", "pre_release_task"]
        ).delete()
        WorkflowEvent.objects.filter(workflow="resettlement_plan").delete()
        Notification.objects.filter(kind__in=["RESETTLEMENT", "WORKFLOW_DEADLINE"]).delete()
        # Raw DELETEs: the ORM's delete sends a signal per row (simple_history writes a
        # history row for each), far too slow for a benchmark's reset.
        prison_orgs = list(Prison.objects.values_list("organisation_id", flat=True))
        models = [
            PreReleaseTask,
            PlanNeed,
            ResettlementPlan,
            Screening,
            PrisonStay,
            CustodyEpisode,
            DesignationCrc,
            Designation,
            Prison,
        ]
        with connection.cursor() as cursor:
            for model in models:
                history = getattr(model, "history", None)
                if history is not None:
                    cursor.execute(f"DELETE FROM {history.model._meta.db_table}")  # noqa: S608
                cursor.execute(f"DELETE FROM {model._meta.db_table}")  # noqa: S608
        Organisation.history.filter(id__in=prison_orgs).delete()
        Organisation.objects.filter(pk__in=prison_orgs).delete()

        prisons, facts = _prisons(actor, today)
        prisons = list(prisons)
        by_cpa: dict[int, list] = {}
        for p in prisons:
            by_cpa.setdefault(p.ldu.crc_id, []).append(p)

        people = list(
            Person.objects.order_by("pk").values_list(
                "pk", "ldu__crc_id", "ldu__crc__code", "responsible_provider_id", "gender"
            )
        )
        rng.shuffle(people)
        sentences = dict(
            Sentence.objects.order_by("person_id", "-number")
            .distinct("person_id")
            .values_list("person_id", "pk")
        )
        provider_code = {pk: code for code, pk in orgs.items()}
        custody, released = people[:IN_CUSTODY], people[IN_CUSTODY : IN_CUSTODY + RELEASES]
        now = timezone.now()

        episodes, meta = [], []
        stale_count = 0
        answers: dict[tuple, rules.Responsibility] = {}
        for index, (person_id, cpa_id, cpa_code, provider_id, _) in enumerate(custody):
            roll = rng.random()
            sentence_id = sentences.get(person_id)
            status = (
                "REMAND"
                if roll < 0.15 or sentence_id is None
                else ("RECALLED" if roll < 0.20 else "SENTENCED")
            )
            home = by_cpa[cpa_id]
            place = rng.random()
            if place < 0.80:
                prison = rng.choice(home[:4])
            elif place < 0.95:
                prison = rng.choice(rng.choice(list(by_cpa.values()))[:4])
            else:
                prison = home[4]
            if index < RECENT_RECEPTIONS:
                received = today - datetime.timedelta(days=rng.randint(0, 15))
            else:
                received = today - datetime.timedelta(days=rng.randint(16, 700))
            release = (
                None
                if status == "REMAND"
                else today + datetime.timedelta(days=rng.randint(-3, 365))
            )
            if release is not None and release < received:
                release = received
            allocated = None if status == "REMAND" else provider_code[provider_id]
            key = (prison.pk, status, allocated, cpa_code)
            if key not in answers:
                answers[key] = rules.responsibility(
                    rules.Facts(
                        prison=facts[prison.pk].prison_facts,
                        custody_status=status,
                        allocated_to=allocated,
                        home_crc=cpa_code,
                        reception_date=received,
                    )
                )
            answer = answers[key]
            stale = status != "REMAND" and index % (IN_CUSTODY // STALE) == 1
            allocated_id = orgs[allocated] if allocated else None
            if stale:  # an allocation changed behind the signal's back
                allocated_id = nps.pk if allocated != NPS_CODE else orgs[cpa_code]
                stale_count += 1
            episodes.append(
                CustodyEpisode(
                    person_id=person_id,
                    status=status,
                    sentence_id=None if status == "REMAND" else sentence_id,
                    received_on=received,
                    reception_prison=prison,
                    prison=prison,
                    home_crc_id=cpa_id,
                    expected_release_on=release,
                    allocated_to_id=allocated_id,
                    plan_writer_id=orgs.get(answer.plan_writer),
                    share_with_id=orgs.get(answer.share_with),
                    pre_release_lead_id=orgs.get(answer.pre_release_lead),
                    accommodation_employment_by_id=orgs.get(answer.accommodation_employment_by),
                    reasons=answer.reasons,
                    recorded_by=actor,
                    recorded_at=now,
                )
            )
            meta.append((index, received, prison))
        CustodyEpisode.objects.bulk_create(episodes, batch_size=BATCH)

        stays, screenings, plans = [], [], []
        for episode, (index, received, prison) in zip(episodes, meta, strict=True):
            if rng.random() < 0.2 and (today - received).days > 30:
                moved = received + datetime.timedelta(days=rng.randint(1, (today - received).days))
                first = rng.choice(by_cpa[prison.ldu.crc_id][:4])
                stays.append(
                    PrisonStay(
                        episode=episode,
                        prison=first,
                        arrived_on=received,
                        left_on=moved,
                        recorded_by=actor,
                    )
                )
                stays.append(
                    PrisonStay(episode=episode, prison=prison, arrived_on=moved, recorded_by=actor)
                )
            else:
                stays.append(
                    PrisonStay(
                        episode=episode, prison=prison, arrived_on=received, recorded_by=actor
                    )
                )
            screenings.append(Screening(episode=episode, person_id=episode.person_id))
            access_by = rules.screening_access_by(received)
            plan_due = rules.plan_due_by(received)
            started = timezone.make_aware(datetime.datetime.combine(received, datetime.time(10)))
            plan = ResettlementPlan(
                person_id=episode.person_id,
                episode=episode,
                screening_access_by=access_by,
                plan_due_by=plan_due,
                opened_at=started,
                step_started_at=started,
            )
            if episode.plan_writer_id is None:
                plan.state, plan.waiting_on_id = "EXCEPTION", orgs.get("NOMS")
            elif index < RECENT_RECEPTIONS:
                stage = index % 3
                if stage == 0:
                    plan.state, plan.waiting_on_id, plan.due_by = (
                        "SCREENING",
                        prison.organisation_id,
                        access_by,
                    )
                elif stage == 1:
                    plan.state, plan.waiting_on_id, plan.due_by = (
                        "PLANNING",
                        episode.plan_writer_id,
                        plan_due,
                    )
                else:
                    plan.state, plan.waiting_on_id = "TO_SHARE", episode.plan_writer_id
                    plan.writer_id = episode.plan_writer_id
                    plan.due_by = add_business_days(received + datetime.timedelta(days=1), 1)
                    plan.step_started_at = started + datetime.timedelta(days=1)
            else:
                plan.state, plan.closed_at = "SHARED", started
                plan.writer_id = episode.plan_writer_id
            plans.append(plan)
        PrisonStay.objects.bulk_create(stays, batch_size=BATCH)
        Screening.objects.bulk_create(screenings, batch_size=BATCH)
        ResettlementPlan.objects.bulk_create(plans, batch_size=BATCH)

        requests = []
        sentenced = [e for e in episodes if e.status != "REMAND" and e.allocated_to_id]
        for episode in rng.sample(sentenced, OVERDUE_REQUESTS):
            opened = today - datetime.timedelta(days=rng.randint(15, 30))
            requests.append(
                PreReleaseTask(
                    episode=episode,
                    person_id=episode.person_id,
                    kind=rng.choice(["HDC_HOME_CIRCUMSTANCES", "ROTL"]),
                    owner_id=episode.allocated_to_id,
                    opened_on=opened,
                    due_by=opened + datetime.timedelta(days=rng.randint(1, 12)),
                    details="Bench request",
                    requested_by=actor,
                )
            )
        PreReleaseTask.objects.bulk_create(requests, batch_size=BATCH)

        # Last month's releases.
        first_of_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
        next_month = today.replace(day=1)
        gone, gone_meta = [], []
        for person_id, cpa_id, _code, provider_id, _ in released:
            released_on = first_of_month + datetime.timedelta(
                days=rng.randrange((next_month - first_of_month).days)
            )
            home = by_cpa[cpa_id]
            path = [rng.choice(home[:4]) if rng.random() < 0.8 else rng.choice(prisons)]
            for _ in range(rng.choice([0, 0, 1, 2])):
                path.insert(0, rng.choice(prisons))
            received = released_on - datetime.timedelta(days=rng.randint(20, 400))
            sentence_id = sentences.get(person_id)
            status = "SENTENCED" if sentence_id else "REMAND"
            gone.append(
                CustodyEpisode(
                    person_id=person_id,
                    status=status,
                    sentence_id=sentence_id,
                    received_on=received,
                    reception_prison=path[0],
                    prison=path[-1],
                    home_crc_id=cpa_id,
                    allocated_to_id=provider_id if status != "REMAND" else None,
                    released_on=released_on,
                    release_prison=path[-1],
                    release_type="CONDITIONAL_RELEASE" if status != "REMAND" else "END_OF_REMAND",
                    recorded_by=actor,
                    recorded_at=now,
                )
            )
            gone_meta.append((received, released_on, path))
        CustodyEpisode.objects.bulk_create(gone, batch_size=BATCH)
        gone_stays = []
        for episode, (received, released_on, path) in zip(gone, gone_meta, strict=True):
            span = (released_on - received).days
            cuts = sorted(rng.sample(range(1, span), len(path) - 1)) if len(path) > 1 else []
            starts = [received] + [received + datetime.timedelta(days=c) for c in cuts]
            ends = starts[1:] + [released_on]
            gone_stays += [
                PrisonStay(episode=episode, prison=p, arrived_on=a, left_on=e, recorded_by=actor)
                for p, a, e in zip(path, starts, ends, strict=True)
            ]
        PrisonStay.objects.bulk_create(gone_stays, batch_size=BATCH)
    connection.cursor().execute("VACUUM ANALYZE")
    return {
        "people": len(people),
        "prisons": len(prisons),
        "in_custody": len(episodes),
        "remand": sum(e.status == "REMAND" for e in episodes),
        "windows_open": sum(
            1
            for e in episodes
            if e.expected_release_on and e.expected_release_on <= today + datetime.timedelta(84)
        ),
        "stale_allocations": stale_count,
        "plans_on_the_clock": RECENT_RECEPTIONS,
        "overdue_requests": len(requests),
        "released_last_month": len(gone),
        "release_stays": len(gone_stays),
        "month": first_of_month.isoformat(),
    }


def _timed(fn) -> tuple[object, int, float]:
    from django.db import connection

    queries, count = _counter()
    with connection.execute_wrapper(count):
        started = time.perf_counter()
        result = fn()
        wall = time.perf_counter() - started
    return result, len(queries), round(wall * 1000, 1)


def _clocks(today: datetime.date) -> dict:
    from enforcement.tasks import record_workflow_deadlines
    from probation.models import Organisation
    from resettlement.tasks import record_resettlement_clocks

    codes = list(Organisation.objects.crcs().values_list("code", flat=True))

    def resettlement():
        totals: dict[str, int] = {}
        for code in codes:
            for name, n in record_resettlement_clocks(code, today.isoformat()).items():
                totals[name] = totals.get(name, 0) + n
        return totals

    def workflow():
        return sum(record_workflow_deadlines(code, today.isoformat()) for code in codes)

    result, queries, wall = _timed(resettlement)
    result2, queries2, wall2 = _timed(workflow)
    return {
        "resettlement": {**result, "queries": queries, "wall_ms": wall},
        "workflow": {"alerts": result2, "queries": queries2, "wall_ms": wall2},
    }


def _measure(month: datetime.date, runs: int) -> dict:
    from resettlement import measures

    timings = []
    for _ in range(runs):
        figures, queries, wall = _timed(lambda: measures.designated_release(month))
        timings.append(wall)
    released = sum(f.released for f in figures)
    designated = sum(f.designated for f in figures)
    return {
        "month": month.isoformat(),
        "released_in_measure": released,
        "designated": designated,
        "crcs_meeting_target": sum(bool(f.met) for f in figures),
        "queries": queries,
        "median_ms": round(statistics.median(timings), 1),
        "max_ms": max(timings),
        "runs": runs,
    }


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    _setup()  # first: the migration below inherits its environment (DEBUG, no Redis)
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v", "0"], check=True)
    from probation import clock
    from probation.calendar import is_business_day
    from probation.celery import app
    from resettlement.models import PreReleaseTask

    assert app.conf.task_always_eager, "run without REDIS_URL: the jobs run in process"
    today = clock.today()
    while not is_business_day(today):
        today -= datetime.timedelta(days=1)
    started = time.perf_counter()
    seeded = _prepare(today)
    prepare_s = round(time.perf_counter() - started, 1)
    first = _clocks(today)
    again = [_clocks(today) for _ in range(runs)]
    measure = _measure(datetime.date.fromisoformat(seeded["month"]), runs)

    def median(part, key):
        return round(statistics.median(run[part][key] for run in again), 1)

    rows = [
        (
            "resettlement clocks, 21 CPAs, first run "
            f"({first['resettlement']['tasks_opened']:,} tasks opened, "
            f"{first['resettlement']['overdue_alerts']:,} overdue alerts, "
            f"{first['resettlement']['refreshed']} allocations caught up)",
            first["resettlement"]["queries"],
            first["resettlement"]["wall_ms"],
        ),
        (
            f"resettlement clocks again the same day (median of {runs})",
            again[-1]["resettlement"]["queries"],
            median("resettlement", "wall_ms"),
        ),
        (
            "workflow deadline job, 21 CPAs, first run "
            f"({first['workflow']['alerts']:,} alerts incl. resettlement plans)",
            first["workflow"]["queries"],
            first["workflow"]["wall_ms"],
        ),
        (
            f"workflow deadline job again the same day (median of {runs})",
            again[-1]["workflow"]["queries"],
            median("workflow", "wall_ms"),
        ),
        (
            f"designated_release({measure['month']}): "
            f"{measure['released_in_measure']:,} adult men, {measure['designated']:,} counted",
            measure["queries"],
            measure["median_ms"],
        ),
    ]
    print(f"{'benchmark':<100} {'queries':>8} {'wall ms':>10}")
    for label, queries, wall in rows:
        print(f"{label:<100} {queries:>8} {wall:>10}")
    print(
        json.dumps(
            {
                "job_day": today.isoformat(),
                "seeded": seeded,
                "prepare_s": prepare_s,
                "open_tasks_after": PreReleaseTask.objects.filter(status="OPEN").count(),
                "first_run": first,
                "again": again[-1],
                "measure": measure,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
