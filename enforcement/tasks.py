"""The workflow deadline job on Celery (issue "Risk escalation, SFO and enforcement", 7).

Every weekday at ``WORKFLOW_DEADLINE_JOB_TIME`` (settings, default 07:15) the beat starts
``find_workflow_deadlines``; on a business day it fans out one ``record_workflow_deadlines``
per Contract Package Area (the CPA of the person's LDU), like the allocation deadline job
(``allocation.tasks``). For every registered workflow (``probation.workflow.with_models``:
the enforcement workflows and the resettlement plan) and each of its states with a
deadline, one ``INSERT … SELECT … ON CONFLICT DO NOTHING`` per workflow records a
``DeadlineAlert``:

- a REMINDER for a step due today or later whose reminder day has come: the business day
  ``WORKFLOW_REMINDER_BUSINESS_DAYS`` (default 1) before ``due_by`` – for the risk reviews
  set at allocation ``RISK_REVIEW_REMINDER_BUSINESS_DAYS`` (default 5) – provided the step
  had begun by then. A step shorter than the reminder period (an immediate-risk referral
  due the day it is made) gets none; 0 turns reminders off;
- an OVERDUE alert for a step still open after its ``due_by`` (the first business morning
  after it).

The alert is unique per record, step, deadline and kind (``one_alert_per_step_deadline``),
so a second run the same day adds nothing; a step entered again (a breach referral
resubmitted) has a new deadline and is reminded again. The alerts are kept for the
performance dashboards. Then each organisation that must act is told once a day per CPA and
kind, in one summary notification: addressed to the team managing the person when the
organisation waited on is the one managing the case (a CRC's failures, risk reviews,
intelligence ...), else to the whole organisation (an NPS division's referrals, PPCS).
"""

import datetime
from collections import defaultdict

from celery import shared_task
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, OuterRef, Subquery
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from enforcement.workflows import RISK_REVIEW
from probation import audit
from probation.calendar import business_days_before
from probation.models import (
    Notification,
    NotificationKind,
    OffenderManagerAssignment,
    Organisation,
    OrganisationKind,
    Person,
    Team,
)
from probation.models.audit import AuditAction
from probation.models.organisations import NPS_CODE
from probation.models.workflow import AlertKind, DeadlineAlert
from probation.notifications import notify
from probation.tasks import fan_out_per_cpa
from probation.workflow import REGISTRY, with_models

_ONE_DAY = datetime.timedelta(days=1)
# How far ahead a reminder window may reach, in calendar days (a bound on the search only:
# 20 business days before a deadline is under 40 calendar days even across Christmas).
_HORIZON_DAYS = 60


# --- When reminders are due --------------------------------------------------------------


def reminder_business_days(workflow) -> int:
    """Business days before the deadline that the reminder is raised (settings)."""
    if workflow is RISK_REVIEW:
        return settings.RISK_REVIEW_REMINDER_BUSINESS_DAYS
    return settings.WORKFLOW_REMINDER_BUSINESS_DAYS


def reminder_day(due_by: datetime.date, n: int) -> datetime.date:
    """The n-th business day before ``due_by`` (``due_by`` itself never counts)."""
    return business_days_before(due_by, n)


def reminder_window(today: datetime.date, n: int) -> dict[datetime.date, datetime.datetime]:
    """Every deadline (today or later) whose reminder day has come by ``today``, each with
    the instant the step must have begun before to be reminded: the midnight ending its
    reminder day. Reminder days never go back as deadlines go forward, so the window is the
    run of dates from today up to the first one not yet reminded. Empty when n is 0."""
    window: dict[datetime.date, datetime.datetime] = {}
    if n <= 0:
        return window
    due_by = today
    while due_by <= today + datetime.timedelta(days=_HORIZON_DAYS):
        day = reminder_day(due_by, n)
        if day > today:
            break
        window[due_by] = _local_midnight(day + _ONE_DAY)
        due_by += _ONE_DAY
    return window


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# --- Recording the alerts, set-wise --------------------------------------------------------


def _insert_alerts(*, workflow, model, cpa: Organisation, today: datetime.date) -> int:
    """One INSERT … SELECT of the reminders and overdue alerts of one workflow's records of
    people living in the CPA; returns the rows new this time."""
    states = workflow.deadline_states()
    if not states:
        return 0
    adapt_date = connection.ops.adapt_datefield_value
    adapt_instant = connection.ops.adapt_datetimefield_value
    window = reminder_window(today, reminder_business_days(workflow))
    reminders = " OR ".join(["(r.due_by = %s AND r.step_started_at < %s)"] * len(window))
    reminder_params = []
    for due_by, begun_before in window.items():
        reminder_params += [adapt_date(due_by), adapt_instant(begun_before)]
    due = "r.due_by < %s" + (f" OR {reminders}" if window else "")
    in_states = ", ".join(["%s"] * len(states))
    alert = DeadlineAlert._meta.db_table
    record = model._meta.db_table
    person = Person._meta.db_table
    organisation = Organisation._meta.db_table
    sql = (
        f"INSERT INTO {alert} "  # noqa: S608 - table names and placeholders only
        f"(workflow, record_id, person_id, state, kind, due_by, organisation_id, raised_on) "
        f"SELECT %s, r.id, r.person_id, r.state, "
        f"CASE WHEN r.due_by < %s THEN %s ELSE %s END, r.due_by, r.waiting_on_id, %s "
        f"FROM {record} r "
        f"JOIN {person} p ON p.id = r.person_id "
        f"JOIN {organisation} l ON l.id = p.ldu_id "
        f"WHERE l.crc_id = %s AND r.state IN ({in_states}) AND r.closed_at IS NULL "
        f"AND r.due_by IS NOT NULL AND r.waiting_on_id IS NOT NULL AND ({due}) "
        f"ON CONFLICT DO NOTHING"
    )
    params = [
        workflow.name,
        adapt_date(today),
        AlertKind.OVERDUE,
        AlertKind.REMINDER,
        adapt_date(today),
        cpa.pk,
        *states,
        adapt_date(today),
        *reminder_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


@transaction.atomic
def record_deadline_alerts(*, cpa_code: str, today: datetime.date) -> int:
    """Record the reminders and overdue alerts of every workflow for people living in the
    CPA on ``today`` and tell the organisations that must act (module docstring). Safe to
    run twice: returns the alerts new this time."""
    cpa = Organisation.objects.get(code=cpa_code, kind=OrganisationKind.CRC)
    created = {
        workflow.name: _insert_alerts(workflow=workflow, model=model, cpa=cpa, today=today)
        for workflow, model in with_models()
    }
    total = sum(created.values())
    if total:
        # One audit row for the set-wise write, as for any bulk load.
        audit.record_event(
            actor=None,
            action=AuditAction.CREATE,
            instance=cpa,
            person_crn="",
            object_repr=f"Workflow deadline alerts in {cpa.name}",
            changes={
                "deadline_alerts": [
                    None,
                    {"raised_on": today.isoformat(), **{k: n for k, n in created.items() if n}},
                ]
            },
        )
    _notify(cpa=cpa, today=today)
    return total


# --- Telling the organisations ---------------------------------------------------------------

# The page each organisation works the workflow from, when it is not the needs-action list.
_QUEUES = {
    ("NPS_DIVISION", "breach_referral"): "enforcement:eo-queue",
    ("NPS_DIVISION", "risk_escalation"): "enforcement:escalation-queue",
    ("NPS_DIVISION", "recall_request"): "enforcement:endorsement-queue",
    ("NOMS_UNIT", "recall_request"): "enforcement:ppcs-queue",
    ("CRC", "resettlement_plan"): "resettlement:prisons",
    ("PRISON", "resettlement_plan"): "resettlement:prisons",
}


def _url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:  # the page is not there (yet): the notification still tells
        return ""


def _notify(*, cpa: Organisation, today: datetime.date) -> None:
    """One notification per organisation (and team), alert kind and CPA for the alerts
    raised today: how many, of which workflows. One aggregate query."""
    managing_team = OffenderManagerAssignment.objects.filter(
        person=OuterRef("person"), ended_at__isnull=True, provider=OuterRef("organisation")
    ).values("team_id")[:1]
    # Only the alerts this job raises: other jobs keep theirs in the same table
    # (``resettlement.tasks``' overdue pre-release tasks) and tell their owners themselves.
    workflows = [workflow.name for workflow, _ in with_models()]
    rows = (
        DeadlineAlert.objects.filter(raised_on=today, person__ldu__crc=cpa, workflow__in=workflows)
        .annotate(team_id=Subquery(managing_team))
        .order_by()
        .values("organisation_id", "person__ldu__division_id", "team_id", "kind", "workflow")
        .annotate(n=Count("pk"))
    )
    nps_id = Organisation.objects.only("pk").get(code=NPS_CODE).pk
    # (organisation, team, kind) -> workflow -> count. A step waiting on "the NPS" (an
    # NPS-managed case's failure) is the person's division's to act on.
    summary: dict[tuple[int, int | None, str], dict[str, int]] = defaultdict(
        lambda: defaultdict(int)
    )
    for row in rows:
        organisation_id = row["organisation_id"]
        if organisation_id == nps_id:
            organisation_id = row["person__ldu__division_id"]
        summary[organisation_id, row["team_id"], row["kind"]][row["workflow"]] += row["n"]
    if not summary:
        return
    organisations = Organisation.objects.in_bulk({key[0] for key in summary})
    keys = {
        (organisation_id, team_id, kind): f"workflow-deadline:{kind}:"
        f"{organisations[organisation_id].code}:{team_id or '-'}:{cpa.code}:{today.isoformat()}"
        for organisation_id, team_id, kind in summary
    }
    # A second run the same day finds every notification made: one query, not one each.
    sent = set(
        Notification.objects.filter(key__in=list(keys.values())).values_list("key", flat=True)
    )
    teams = Team.objects.in_bulk({key[1] for key in summary if key[1]})
    cpa_name = cpa.name.removesuffix(" CRC")
    for (organisation_id, team_id, kind), counts in sorted(
        summary.items(), key=lambda item: (item[0][0], item[0][1] or 0, item[0][2])
    ):
        key = keys[organisation_id, team_id, kind]
        if key in sent:
            continue
        organisation = organisations[organisation_id]
        total = sum(counts.values())
        if kind == AlertKind.OVERDUE:
            title = f"{total} step{'s' if total != 1 else ''} past the deadline in {cpa_name}"
        else:
            title = f"{total} step{'s' if total != 1 else ''} due soon in {cpa_name}"
        queues = {_QUEUES.get((organisation.kind, name)) for name in counts}
        url_name = queues.pop() if len(queues) == 1 and None not in queues else ""
        notify(
            kind=NotificationKind.WORKFLOW_DEADLINE,
            organisation=organisation,
            team=teams.get(team_id),
            title=title,
            body="By workflow: "
            + ", ".join(f"{REGISTRY[name].label} {n}" for name, n in sorted(counts.items()))
            + ".",
            url=_url(url_name or "enforcement:needs-action"),
            key=key,
        )


# --- The tasks ----------------------------------------------------------------------------------


@shared_task(name="enforcement.tasks.find_workflow_deadlines")
def find_workflow_deadlines(today_iso: str | None = None) -> dict:
    """Start the deadline check of every CPA for ``today_iso`` (default: today). Does nothing
    on a weekend, bank holiday or closure day; the next business morning catches up (its
    reminders and alerts cover every deadline passed or near). Returns the ids of the
    tasks it started, so a caller can wait for them."""
    return fan_out_per_cpa(record_workflow_deadlines, today_iso)


@shared_task(name="enforcement.tasks.record_workflow_deadlines")
def record_workflow_deadlines(cpa_code: str, today_iso: str) -> int:
    """Record the CPA's workflow reminders and overdue alerts on that day; returns the new
    alerts."""
    with audit.channel("task"):
        return record_deadline_alerts(
            cpa_code=cpa_code, today=datetime.date.fromisoformat(today_iso)
        )
