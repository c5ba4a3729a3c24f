"""The resettlement clock job on Celery beat (DOMAIN.md 7; issue 7 point 8).

Every weekday at ``RESETTLEMENT_JOB_TIME`` (settings, default 07:10) the beat starts
``run_resettlement_clocks``; on a business day it fans out one ``record_resettlement_clocks``
per Contract Package Area (the CPA of the person's LDU), like the workflow deadline job
(``enforcement.tasks``). Per CPA, in one transaction (``resettlement_clocks``):

1. catch up: episodes whose stored allocation differs from the provider responsible for
   the person now (an allocation changed without the ``provider_changed`` signal) are
   worked out again (``custody.refresh``), so the window's tasks go to the right owner;
   open tasks whose owner is no longer the one the episode names (a move to a prison with
   another lead provider, a new allocation) are given to the one it names now;
2. pre-release windows that opened create their tasks (``prerelease.open_window_tasks``);
3. open pre-release tasks past their deadline are recorded as OVERDUE ``DeadlineAlert``s
   (workflow ``pre_release_task``, record the task, state the task kind) by one
   ``INSERT … SELECT … ON CONFLICT DO NOTHING``, and each owner with new alerts is told
   once a day per CPA (the notification's key).

The plan's own deadlines (part 1 with the prison, part 2 and the plan with the writer,
sharing) are flagged by the workflow deadline job, which reads every registered workflow
including ``resettlement_plan``. Safe to run twice: the second run adds nothing.
"""

import datetime

from celery import shared_task
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.urls import reverse

from probation import audit
from probation.models import (
    Notification,
    NotificationKind,
    Organisation,
    OrganisationKind,
    Person,
)
from probation.models.audit import AuditAction
from probation.models.organisations import NPS_CODE
from probation.models.workflow import AlertKind, DeadlineAlert
from probation.notifications import notify
from probation.tasks import fan_out_per_cpa
from resettlement import custody, prerelease
from resettlement.models import (
    CustodyEpisode,
    CustodyStatus,
    PreReleaseTask,
    TaskKind,
    TaskStatus,
)

# The name the pre-release tasks' alerts are recorded under in ``DeadlineAlert``.
TASK_WORKFLOW = prerelease.PRE_RELEASE_TASK_ALERTS


# --- 1. Catching up with allocations -------------------------------------------------------------


def stale_episodes(cpa: Organisation):
    """Open episodes of people living in the CPA whose stored allocation is not the
    provider responsible now (none on remand, else the provider)."""
    return CustodyEpisode.objects.filter(released_on__isnull=True, person__ldu__crc=cpa).filter(
        (Q(status=CustodyStatus.REMAND) & Q(allocated_to__isnull=False))
        | (
            ~Q(status=CustodyStatus.REMAND)
            & (Q(allocated_to__isnull=True) | ~Q(allocated_to=F("person__responsible_provider")))
        )
    )


def refresh_stale(cpa: Organisation) -> int:
    """Work out again who does what for the CPA's stale episodes, each under its person's
    row lock (rare: the signal normally keeps them in step). Returns how many changed."""
    changed = 0
    ids = list(stale_episodes(cpa).values_list("pk", "person_id"))
    for episode_id, person_id in ids:
        person = (
            Person.objects.select_for_update(of=("self",))
            .select_related("responsible_provider", "ldu")
            .get(pk=person_id)
        )
        episode = (
            CustodyEpisode.objects.select_for_update(of=("self",))
            .select_related("prison__organisation", "home_crc")
            .get(pk=episode_id)
        )
        if episode.released_on is not None:
            continue
        episode.person = person
        changed += custody.refresh(episode, actor=None)
    return changed


# --- 2b. Open tasks follow the organisations responsible now -------------------------------------

# Which field of the episode names the owner of each kind of task.
OWNER_FIELDS = {
    "pre_release_lead_id": (TaskKind.RELEASE_PREPARATION,),
    "accommodation_employment_by_id": (TaskKind.ACCOMMODATION, TaskKind.EMPLOYMENT),
    "allocated_to_id": (TaskKind.HDC_HOME_CIRCUMSTANCES, TaskKind.ROTL),
}


def reassign_open_tasks(cpa: Organisation) -> int:
    """Give the CPA's open tasks to the organisation the episode names now, when that
    changed since they opened (a move to a prison with another lead provider, a new
    allocation): nobody falls between two providers. One UPDATE … FROM; returns how many
    tasks moved."""
    task = PreReleaseTask._meta.db_table
    episode = CustodyEpisode._meta.db_table
    person = Person._meta.db_table
    organisation = Organisation._meta.db_table
    cases, params = [], []
    for field, kinds in OWNER_FIELDS.items():
        cases.append(f"WHEN t.kind IN ({', '.join(['%s'] * len(kinds))}) THEN e.{field}")
        params += [kind.value for kind in kinds]
    sql = (
        f"UPDATE {task} SET owner_id = x.owner_now FROM ("  # noqa: S608 - names, placeholders
        f"SELECT t.id, CASE {' '.join(cases)} END AS owner_now "
        f"FROM {task} t "
        f"JOIN {episode} e ON e.id = t.episode_id "
        f"JOIN {person} p ON p.id = t.person_id "
        f"JOIN {organisation} l ON l.id = p.ldu_id "
        f"WHERE l.crc_id = %s AND t.status = %s AND e.released_on IS NULL"
        f") x WHERE {task}.id = x.id AND x.owner_now IS NOT NULL "
        f"AND {task}.owner_id <> x.owner_now"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, cpa.pk, TaskStatus.OPEN.value])
        return max(cursor.rowcount, 0)


# --- 3. Overdue tasks ----------------------------------------------------------------------------


def _insert_overdue(*, cpa: Organisation, today: datetime.date) -> int:
    """One INSERT … SELECT of an OVERDUE alert for each open task of people living in the
    CPA past its deadline; returns the rows new this time."""
    adapt = connection.ops.adapt_datefield_value
    alert = DeadlineAlert._meta.db_table
    task = PreReleaseTask._meta.db_table
    person = Person._meta.db_table
    organisation = Organisation._meta.db_table
    sql = (
        f"INSERT INTO {alert} "  # noqa: S608 - table names and placeholders only
        f"(workflow, record_id, person_id, state, kind, due_by, organisation_id, raised_on) "
        f"SELECT %s, t.id, t.person_id, t.kind, %s, t.due_by, t.owner_id, %s "
        f"FROM {task} t "
        f"JOIN {person} p ON p.id = t.person_id "
        f"JOIN {organisation} l ON l.id = p.ldu_id "
        f"WHERE l.crc_id = %s AND t.status = %s AND t.due_by < %s "
        f"ON CONFLICT DO NOTHING"
    )
    params = [
        TASK_WORKFLOW,
        AlertKind.OVERDUE.value,
        adapt(today),
        cpa.pk,
        TaskStatus.OPEN.value,
        adapt(today),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def _notify_overdue(*, cpa: Organisation, today: datetime.date) -> int:
    """One notification per owner (an NPS task: the person's division) and CPA for the
    tasks that went overdue today. One aggregate query, one to find those already sent."""
    rows = (
        DeadlineAlert.objects.filter(
            workflow=TASK_WORKFLOW, raised_on=today, kind=AlertKind.OVERDUE, person__ldu__crc=cpa
        )
        .order_by()
        .values("organisation_id", "person__ldu__division_id")
        .annotate(n=Count("pk"))
    )
    nps_id = Organisation.objects.only("pk").get(code=NPS_CODE).pk
    counts: dict[int, int] = {}
    for row in rows:
        owner = row["organisation_id"]
        if owner == nps_id:
            owner = row["person__ldu__division_id"]
        counts[owner] = counts.get(owner, 0) + row["n"]
    if not counts:
        return 0
    organisations = Organisation.objects.in_bulk(list(counts))
    keys = {
        pk: f"pre-release-overdue:{organisations[pk].code}:{cpa.code}:{today.isoformat()}"
        for pk in counts
    }
    sent = set(
        Notification.objects.filter(key__in=list(keys.values())).values_list("key", flat=True)
    )
    cpa_name = cpa.name.removesuffix(" CRC")
    made = 0
    for pk, n in sorted(counts.items()):
        if keys[pk] in sent:
            continue
        notify(
            kind=NotificationKind.RESETTLEMENT,
            organisation=organisations[pk],
            title=f"{n} pre-release task{'s' if n != 1 else ''} past the deadline in {cpa_name}",
            body="Release preparation, accommodation, employment, HDC home circumstances "
            "reports and ROTL input owed before release.",
            url=reverse("resettlement:pre-release"),
            key=keys[pk],
        )
        made += 1
    return made


# --- The CPA's morning ---------------------------------------------------------------------------


@transaction.atomic
def resettlement_clocks(*, cpa_code: str, today: datetime.date) -> dict:
    """The CPA's resettlement clocks on ``today`` (module docstring). Returns what was new."""
    cpa = Organisation.objects.get(code=cpa_code, kind=OrganisationKind.CRC)
    refreshed = refresh_stale(cpa)
    reassigned = reassign_open_tasks(cpa)
    opened = prerelease.open_window_tasks(cpa_code=cpa_code, today=today)
    overdue = _insert_overdue(cpa=cpa, today=today)
    if reassigned:
        # One audit row for the set-wise change, as for the alerts.
        audit.record_event(
            actor=None,
            action=AuditAction.UPDATE,
            instance=cpa,
            person_crn="",
            object_repr=f"Pre-release tasks given to their new owners in {cpa.name}",
            changes={"pre_release_tasks_reassigned": [None, reassigned]},
        )
    if overdue:
        audit.record_event(
            actor=None,
            action=AuditAction.CREATE,
            instance=cpa,
            person_crn="",
            object_repr=f"Pre-release task alerts in {cpa.name}",
            changes={
                "deadline_alerts": [
                    None,
                    {"raised_on": today.isoformat(), TASK_WORKFLOW: overdue},
                ]
            },
        )
    notified = _notify_overdue(cpa=cpa, today=today)
    return {
        "refreshed": refreshed,
        "tasks_reassigned": reassigned,
        "tasks_opened": opened,
        "overdue_alerts": overdue,
        "notifications": notified,
    }


# --- The tasks -----------------------------------------------------------------------------------


@shared_task(name="resettlement.tasks.run_resettlement_clocks")
def run_resettlement_clocks(today_iso: str | None = None) -> dict:
    """Start the resettlement clocks of every CPA for ``today_iso`` (default: today).
    Nothing on a weekend, bank holiday or closure day: the next business morning catches up
    (windows that opened meanwhile, tasks that went overdue). Returns the started task ids."""
    return fan_out_per_cpa(record_resettlement_clocks, today_iso)


@shared_task(name="resettlement.tasks.record_resettlement_clocks")
def record_resettlement_clocks(cpa_code: str, today_iso: str) -> dict:
    """One CPA's resettlement clocks on that day; returns what was new."""
    with audit.channel("task"):
        return resettlement_clocks(cpa_code=cpa_code, today=datetime.date.fromisoformat(today_iso))
