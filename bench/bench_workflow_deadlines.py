"""Benchmark: the workflow deadline job and the needs-action list at a national volume of
open workflow records.

Run by hand, never in the test suite, on a database bench/seed_demo.py seeded (the national
``probation_bench``, 250,000 people; any seeded demo database works – the records below do
not depend on its size):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/probation_bench \\
        .venv/bin/python bench/bench_workflow_deadlines.py [runs]

Preparation (benchmark data only, set-wise): every enforcement record, workflow event and
deadline alert is deleted, then open records are bulk-inserted straight into the tables
(not through the engine: no events), spread over the people of every CPA and over due
dates from 15 days before the job's day to 10 days after it – ``VOLUME``: 20,000 failures
to comply, 5,000 breach referrals (a fifth returned with advice), 2,000 risk escalations,
1,500 recall requests (a third awaiting endorsement), 10,000 risk reviews. Then
``find_workflow_deadlines`` runs in process (no REDIS_URL: the 21 CPA tasks one after
another) for the last business day: a first run, which records the alerts and notifies,
and ``runs`` more, which find nothing new. Then the needs-action list of a CRC11 manager
over the whole organisation, and of the offender manager ``crc.om.11`` (their caseload),
first page. Prints rows, queries and wall times as JSON. ``FOCUS_SHARE`` of the failures are
of people ``FOCUS_CRC`` (CRC11) manages, so one CRC has many records.
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

from caseload import MANAGER, OFFICER, _setup  # noqa: E402

VOLUME = {
    "failure": 20_000,
    "breach_referral": 5_000,
    "risk_escalation": 2_000,
    "recall_request": 1_500,
    "risk_review": 10_000,
}
DUE_FROM, DUE_TO = -15, 10  # calendar days around the job's day
# One CRC with many records: this share of the failures are of people it manages.
FOCUS_CRC, FOCUS_SHARE = "CRC11", 0.4
BATCH = 5_000


def _counter():
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    return queries, count


def _prepare(today: datetime.date) -> dict:
    """Delete the enforcement records and insert ``VOLUME`` open ones (module docstring)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from allocation.models import AllocationDecision
    from enforcement.models import (
        BreachReferral,
        Failure,
        Intelligence,
        RecallRequest,
        RiskEscalation,
        RiskReview,
        SeriousFurtherOffence,
        VictimSummaryReport,
    )
    from probation.models import (
        CaseDocument,
        Notification,
        Organisation,
        Person,
        Sentence,
        User,
    )
    from probation.models.organisations import NPS_CODE, PPCS_CODE
    from probation.models.workflow import DeadlineAlert, WorkflowEvent

    rng = random.Random(1)
    actor = User.objects.get(username=OFFICER)
    nps = Organisation.objects.get(code=NPS_CODE).pk
    ppcs = Organisation.objects.get(code=PPCS_CODE).pk

    def when():
        due = today + datetime.timedelta(days=rng.randint(DUE_FROM, DUE_TO))
        started = due - datetime.timedelta(days=rng.randint(1, 8))
        return due, timezone.make_aware(datetime.datetime.combine(started, datetime.time(10)))

    with transaction.atomic():
        for model in (
            VictimSummaryReport,
            SeriousFurtherOffence,
            Intelligence,
            RecallRequest,
            BreachReferral,
            RiskEscalation,
            RiskReview,
            Failure,
        ):
            model.objects.all().delete()
        WorkflowEvent.objects.all().delete()
        DeadlineAlert.objects.all().delete()
        Notification.objects.filter(kind="WORKFLOW_DEADLINE").delete()
        CaseDocument.objects.filter(title="Bench document").delete()

        # People with a managed sentence: (person, sentence, provider, division).
        people = list(
            Sentence.objects.filter(management="MANAGED")
            .order_by("person_id", "number")
            .distinct("person_id")
            .values_list(
                "person_id", "pk", "person__responsible_provider_id", "person__ldu__division_id"
            )
        )
        rng.shuffle(people)
        crc_people = [p for p in people if p[2] != nps]

        def cycle(rows, n):
            return [rows[i % len(rows)] for i in range(n)]

        focus = Organisation.objects.get(code=FOCUS_CRC).pk
        focused = int(VOLUME["failure"] * FOCUS_SHARE)
        failures = []
        for person, sentence, provider, _ in cycle(
            [p for p in people if p[2] == focus], focused
        ) + cycle(people, VOLUME["failure"] - focused):
            due, started = when()
            failures.append(
                Failure(
                    person_id=person,
                    sentence_id=sentence,
                    enforced_as="COMMUNITY_ORDER",
                    failure_date=started.date(),
                    description="Bench failure",
                    provider_id=provider,
                    recorded_by=actor,
                    state="AWAITING_DECISION",
                    waiting_on_id=provider,
                    step_started_at=started,
                    due_by=due,
                    opened_at=started,
                )
            )
        Failure.objects.bulk_create(failures, batch_size=BATCH)

        referred = cycle(people, VOLUME["breach_referral"])
        referred_failures = Failure.objects.bulk_create(
            [
                Failure(
                    person_id=person,
                    sentence_id=sentence,
                    enforced_as="COMMUNITY_ORDER",
                    failure_date=today - datetime.timedelta(days=20),
                    description="Bench failure, referred",
                    provider_id=provider,
                    recorded_by=actor,
                    state="REFERRED",
                    step_started_at=timezone.now(),
                    opened_at=timezone.now(),
                    closed_at=timezone.now(),
                )
                for person, sentence, provider, _ in referred
            ],
            batch_size=BATCH,
        )
        documents = CaseDocument.objects.bulk_create(
            [
                CaseDocument(
                    person_id=person,
                    kind="PRE_BREACH_PACK",
                    title="Bench document",
                    body_html="<p>Bench</p>",
                    created_by=actor,
                    created_at=timezone.now(),
                )
                for person, *_ in referred + people[: VOLUME["recall_request"]]
            ],
            batch_size=BATCH,
        )
        referrals = []
        for i, ((person, sentence, provider, division), failure) in enumerate(
            zip(referred, referred_failures, strict=True)
        ):
            due, started = when()
            returned = i % 5 == 0
            referrals.append(
                BreachReferral(
                    person_id=person,
                    failure=failure,
                    sentence_id=sentence,
                    referred_by=actor,
                    referred_by_organisation_id=provider,
                    division_id=division,
                    pre_breach_pack=documents[i],
                    state="RETURNED" if returned else "AWAITING_EO",
                    waiting_on_id=provider if returned else division,
                    step_started_at=started,
                    due_by=due,
                    opened_at=started,
                )
            )
        BreachReferral.objects.bulk_create(referrals, batch_size=BATCH)

        escalations = []
        for person, _, provider, division in crc_people[: VOLUME["risk_escalation"]]:
            due, started = when()
            escalations.append(
                RiskEscalation(
                    person_id=person,
                    raised_by=actor,
                    raised_by_organisation_id=provider,
                    division_id=division,
                    new_information="Bench",
                    current_rosh="MEDIUM",
                    crc_view="Bench",
                    state="AWAITING_NPS",
                    waiting_on_id=division,
                    step_started_at=started,
                    due_by=due,
                    opened_at=started,
                )
            )
        RiskEscalation.objects.bulk_create(escalations, batch_size=BATCH)

        recalls = []
        offset = len(referred)
        for i, (person, sentence, provider, division) in enumerate(
            people[: VOLUME["recall_request"]]
        ):
            due, started = when()
            endorsement = i % 3 == 0
            recalls.append(
                RecallRequest(
                    person_id=person,
                    sentence_id=sentence,
                    reasons="Bench",
                    recommended_type="STANDARD",
                    requested_by=actor,
                    requested_by_organisation_id=provider,
                    division_id=division,
                    document=documents[offset + i],
                    state="AWAITING_ENDORSEMENT" if endorsement else "AWAITING_PPCS",
                    waiting_on_id=division if endorsement else ppcs,
                    step_started_at=started,
                    due_by=due,
                    opened_at=started,
                )
            )
        RecallRequest.objects.bulk_create(recalls, batch_size=BATCH)

        decisions = list(
            AllocationDecision.objects.filter(organisation__kind="CRC")
            .order_by("pk")
            .values_list("pk", "person_id", "organisation_id")[: VOLUME["risk_review"]]
        )
        reviews = []
        for decision, person, provider in decisions:
            due, started = when()
            reviews.append(
                RiskReview(
                    person_id=person,
                    allocation_id=decision,
                    provider_id=provider,
                    review_by=due,
                    state="OPEN",
                    waiting_on_id=provider,
                    step_started_at=started,
                    due_by=due,
                    opened_at=started,
                )
            )
        RiskReview.objects.bulk_create(reviews, batch_size=BATCH)
    connection.cursor().execute("VACUUM ANALYZE")
    return {
        "people_with_records": len({p[0] for p in people}),
        "failures": len(failures),
        "breach_referrals": len(referrals),
        "risk_escalations": len(escalations),
        "recall_requests": len(recalls),
        "risk_reviews": len(reviews),
        "people": Person.objects.count(),
    }


def _run(today: datetime.date) -> dict:
    from django.db import connection

    from enforcement.tasks import find_workflow_deadlines
    from probation.models import Notification
    from probation.models.workflow import DeadlineAlert

    queries, count = _counter()
    alerts = DeadlineAlert.objects.count()
    notes = Notification.objects.filter(kind="WORKFLOW_DEADLINE").count()
    with connection.execute_wrapper(count):
        started = time.perf_counter()
        result = find_workflow_deadlines.delay(today.isoformat()).get()
        wall = time.perf_counter() - started
    return {
        "cpa_tasks": len(result["tasks"]),
        "alerts_recorded": DeadlineAlert.objects.count() - alerts,
        "notifications": Notification.objects.filter(kind="WORKFLOW_DEADLINE").count() - notes,
        "queries": len(queries),
        "wall_ms": round(wall * 1000, 1),
    }


def _needs_action(user, scope: str, today: datetime.date, runs: int) -> dict:
    from django.conf import settings
    from django.db import connection

    from enforcement import queues

    timings, queries = [], []
    for _ in range(runs):
        queries, count = _counter()
        with connection.execute_wrapper(count):
            started = time.perf_counter()
            rows = queues.needs_action(user=user, scope=scope)
            page = queues.items(rows[: settings.PAGE_SIZE + 1], today=today)[: settings.PAGE_SIZE]
            timings.append((time.perf_counter() - started) * 1000)
    total = queues.needs_action(user=user, scope=scope).count()
    return {
        "user": user.username,
        "scope": scope,
        "items_in_list": total,
        "page_rows": len(page),
        "overdue_on_page": sum(item.overdue for item in page),
        "queries": len(queries),
        "median_ms": round(statistics.median(timings), 1),
        "max_ms": round(max(timings), 1),
        "runs": runs,
    }


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    _setup()  # first: the migration below inherits its environment (DEBUG, no Redis)
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v", "0"], check=True)
    from django.db.models import Count

    from probation import clock
    from probation.calendar import is_business_day
    from probation.celery import app
    from probation.models import User
    from probation.models.workflow import DeadlineAlert

    assert app.conf.task_always_eager, "run without REDIS_URL: the job runs in process"
    today = clock.today()
    while not is_business_day(today):
        today -= datetime.timedelta(days=1)
    started = time.perf_counter()
    seeded = _prepare(today)
    prepare_s = round(time.perf_counter() - started, 1)
    first = _run(today)
    again = [_run(today) for _ in range(runs)]
    walls = sorted(run["wall_ms"] for run in again)
    result = {
        "job_day": today.isoformat(),
        "seeded": seeded,
        "prepare_s": prepare_s,
        "first_run": first,
        "alerts_by_kind": dict(
            DeadlineAlert.objects.values_list("kind").annotate(n=Count("pk")).order_by("kind")
        ),
        "again_same_day": {
            **again[-1],
            "wall_ms_median": round(statistics.median(walls), 1),
            "wall_ms_max": walls[-1],
            "runs": runs,
        },
        "needs_action": [
            _needs_action(User.objects.get(username=MANAGER), "organisation", today, runs),
            _needs_action(User.objects.get(username=OFFICER), "mine", today, runs),
        ],
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
