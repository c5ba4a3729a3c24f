"""Pre-release work (DOMAIN.md 7; TOM 2.1 "HDC and ROTL", TOM 2.2 "Pre-release resettlement
services"): the tasks the 12-week window opens, and the prison's requests for a home
circumstances report (HDC) or ROTL input – each owed by one organisation, with a deadline.

- When the window opens (``PRE_RELEASE_WINDOW_DAYS`` before the expected release) the
  morning clock job (``resettlement.tasks``) calls ``open_window_tasks`` for each Contract
  Package Area: release preparation for the pre-release lead, accommodation and employment
  for the organisation that owns them (the rules' answer stored on the episode), due
  ``PRE_RELEASE_TASKS_DUE_BUSINESS_DAYS_BEFORE_RELEASE`` business days before release and
  never before the day they open. The constraint ``one_window_task_per_kind`` makes a
  second run add nothing.
- Prison staff of the prison holding a sentenced or recalled person ask the allocated
  organisation for a home circumstances report for HDC (due in
  ``HDC_HOME_CIRCUMSTANCES_BUSINESS_DAYS``) or input to a ROTL request
  (``ROTL_INPUT_BUSINESS_DAYS``).
- The owner's staff complete a task; completed after its deadline it is marked late.

The services lock the person's row, then the episode, then the task, and audit the change.
"""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse

from probation import access, audit, clock
from probation.calendar import add_business_days, business_days_before
from probation.models import NotificationKind, Organisation, OrganisationKind, User
from probation.models.audit import AuditAction
from probation.notifications import addressee, notify
from resettlement import custody
from resettlement.models import (
    WINDOW_TASKS,
    CustodyEpisode,
    CustodyStatus,
    PreReleaseTask,
    TaskKind,
    TaskStatus,
)
from resettlement.workflows import TASK_ROLES, acts_for_provider, addressed_to

# Overdue pre-release tasks are recorded in ``DeadlineAlert`` under this workflow name by the
# resettlement clock job (``resettlement.tasks``); tasks are not run by the workflow engine
# (they are open, done or cancelled), and the workflow deadline job reads only its own
# workflows' alerts.
PRE_RELEASE_TASK_ALERTS = "pre_release_task"

# The tasks prison staff ask for, with the setting that gives their deadline.
REQUESTED_TASKS = {
    TaskKind.HDC_HOME_CIRCUMSTANCES: "HDC_HOME_CIRCUMSTANCES_BUSINESS_DAYS",
    TaskKind.ROTL: "ROTL_INPUT_BUSINESS_DAYS",
}
_ONE_DAY = datetime.timedelta(days=1)
# Rows per INSERT statement of window tasks (8 parameters a row).
_INSERT_BATCH = 4000


def tasks_of(episode: CustodyEpisode):
    """The episode's tasks for its page, soonest due first."""
    return (
        PreReleaseTask.objects.filter(episode=episode)
        .select_related("owner", "person")
        .order_by("due_by", "pk")
    )


# --- The window's tasks --------------------------------------------------------------------------


def window_due_by(release_on: datetime.date, today: datetime.date) -> datetime.date:
    """When the window's tasks are due: the setting's business days before release, but
    never before the day they open (a late reception near release is due at once)."""
    due = business_days_before(
        release_on, settings.PRE_RELEASE_TASKS_DUE_BUSINESS_DAYS_BEFORE_RELEASE
    )
    return max(due, today)


def window_opened(today: datetime.date) -> Q:
    """Open episodes of sentenced and recalled people whose window has opened by ``today``:
    expected release minus ``PRE_RELEASE_WINDOW_DAYS`` on or before today."""
    latest_release = today + datetime.timedelta(days=settings.PRE_RELEASE_WINDOW_DAYS)
    return (
        Q(released_on__isnull=True)
        & ~Q(status=CustodyStatus.REMAND)
        & Q(expected_release_on__isnull=False)
        & Q(expected_release_on__lte=latest_release)
    )


def _missing_window_task() -> Q:
    missing = Q()
    for kind in WINDOW_TASKS:
        missing |= ~Exists(PreReleaseTask.objects.filter(episode=OuterRef("pk"), kind=kind))
    return missing


def open_window_tasks(*, cpa_code: str, today: datetime.date) -> int:
    """Create the window's tasks of every episode of people living in the CPA whose window
    has opened and which lacks one (module docstring). Set-wise: one query reads the
    episodes, one ``INSERT … ON CONFLICT DO NOTHING`` per ``_INSERT_BATCH`` rows writes the
    tasks. Returns how many are new; a second run the same day returns 0."""
    rows = list(
        CustodyEpisode.objects.filter(window_opened(today), person__ldu__crc__code=cpa_code)
        .filter(_missing_window_task())
        .values_list(
            "pk",
            "person_id",
            "expected_release_on",
            "pre_release_lead_id",
            "accommodation_employment_by_id",
        )
    )
    if not rows:
        return 0
    adapt = connection.ops.adapt_datefield_value
    values = []
    due_cache: dict[datetime.date, datetime.date] = {}
    for episode_id, person_id, release_on, lead_id, accommodation_id in rows:
        if release_on not in due_cache:
            due_cache[release_on] = window_due_by(release_on, today)
        due = due_cache[release_on]
        owners = {
            TaskKind.RELEASE_PREPARATION: lead_id,
            TaskKind.ACCOMMODATION: accommodation_id,
            TaskKind.EMPLOYMENT: accommodation_id,
        }
        for kind, owner_id in owners.items():
            if owner_id is not None:  # nobody to own it: the episode is in NOMS's exceptions
                values.append(
                    (episode_id, person_id, kind.value, owner_id, adapt(today), adapt(due))
                )
    table = PreReleaseTask._meta.db_table
    created = 0
    with connection.cursor() as cursor:
        for start in range(0, len(values), _INSERT_BATCH):
            batch = values[start : start + _INSERT_BATCH]
            placeholders = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(batch))
            params = []
            for row in batch:
                params += [*row, TaskStatus.OPEN.value, ""]
            cursor.execute(
                f"INSERT INTO {table} "  # noqa: S608 - table name and placeholders only
                "(episode_id, person_id, kind, owner_id, opened_on, due_by, status, details) "
                f"VALUES {placeholders} ON CONFLICT DO NOTHING",
                params,
            )
            created += max(cursor.rowcount, 0)
    if created:
        cpa = Organisation.objects.get(code=cpa_code)
        # One audit row for the set-wise write, as for the deadline alerts.
        audit.record_event(
            actor=None,
            action=AuditAction.CREATE,
            instance=cpa,
            person_crn="",
            object_repr=f"Pre-release tasks opened in {cpa.name}",
            changes={"pre_release_tasks": [None, {"opened_on": today.isoformat(), "new": created}]},
        )
    return created


# --- HDC home circumstances reports and ROTL input -----------------------------------------------


def _task_url(crn: str, episode_id: int, task_id: int) -> str:
    return reverse("resettlement:task", args=[crn, episode_id, task_id])


def may_request(user: User, episode: CustodyEpisode) -> bool:
    """Prison staff of the prison holding the person, while in custody."""
    return episode.open and custody.is_prison_staff(user, episode.prison)


@transaction.atomic
def task_request(
    actor: User, crn: str, episode_id: int, *, kind: str, details: str
) -> PreReleaseTask:
    """Prison staff ask the allocated organisation for a home circumstances report (HDC) or
    input to a ROTL request. Refused for a remand prisoner (nobody is allocated yet) and
    while the same request is still open. The owner is told."""
    person, episode = custody.lock_episode(actor, crn, episode_id)
    if not custody.is_prison_staff(actor, episode.prison):
        raise PermissionDenied("Only staff of the prison holding the person ask for this.")
    errors: dict[str, str] = {}
    if not episode.open:
        errors["episode"] = "This person has been released."
    if kind not in REQUESTED_TASKS:
        errors["kind"] = "Choose a home circumstances report for HDC or input to a ROTL request."
    if episode.status == CustodyStatus.REMAND or episode.allocated_to_id is None:
        errors["kind"] = (
            "A remand prisoner is not allocated to a CRC or the NPS yet: there is nobody to ask."
        )
    if not (details or "").strip():
        errors["details"] = "Enter what you need and any dates that matter."
    if (
        kind in REQUESTED_TASKS
        and PreReleaseTask.objects.filter(
            episode=episode, kind=kind, status=TaskStatus.OPEN
        ).exists()
    ):
        errors["kind"] = f"A request for {TaskKind(kind).label.lower()} is already open."
    if errors:
        raise ValidationError(errors)
    today = clock.today()
    owner = Organisation.objects.get(pk=episode.allocated_to_id)
    task = PreReleaseTask(
        episode=episode,
        person=person,
        kind=kind,
        owner=owner,
        opened_on=today,
        due_by=add_business_days(today, getattr(settings, REQUESTED_TASKS[kind])),
        details=details.strip(),
        requested_by=actor,
    )
    task._history_user = actor
    task.save()
    audit.record_create(actor=actor, instance=task)
    address = addressee(owner, person)
    label = TaskKind(kind).label
    url = _task_url(person.crn, episode.pk, task.pk)
    transaction.on_commit(
        lambda: notify(
            kind=NotificationKind.RESETTLEMENT,
            organisation=address,
            person=person,
            title=f"{label} asked for by {episode.prison.name}",
            body=f"Due by {task.due_by:%-d %B %Y}.",
            url=url,
            key=f"pre-release-task:{task.pk}:requested",
        )
    )
    return task


# --- Completing a task ---------------------------------------------------------------------------


def may_complete(user: User, task: PreReleaseTask) -> bool:
    """The owner's staff (``TASK_ROLES``), while the task is open."""
    return task.status == TaskStatus.OPEN and acts_for_provider(user, task.owner_id, TASK_ROLES)


@transaction.atomic
def task_complete(
    actor: User, crn: str, episode_id: int, task_id: int, *, details: str
) -> PreReleaseTask:
    """The owner's staff record the task done, with what was done; late when after its
    deadline. A request from the prison is answered: its staff are told."""
    person, episode = custody.lock_episode(actor, crn, episode_id)
    task = (
        PreReleaseTask.objects.select_for_update()
        .select_related("owner")
        .filter(episode=episode, pk=task_id)
        .first()
    )
    if task is None:
        from django.http import Http404

        raise Http404("No task found for this person.")
    if not acts_for_provider(actor, task.owner_id, TASK_ROLES):
        raise PermissionDenied(f"Only staff of {task.owner.name}, which owns this task, do it.")
    errors: dict[str, str] = {}
    if task.status != TaskStatus.OPEN:
        errors["details"] = f"This task is {TaskStatus(task.status).label.lower()} already."
    if not (details or "").strip():
        errors["details"] = "Enter what was done."
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(task)
    now = clock.now()
    done = details.strip()
    task.details = f"{task.details}\n\nDone: {done}" if task.details else done
    task.status = TaskStatus.DONE
    task.completed_at = now
    task.completed_by = actor
    task.completed_late = clock.today() > task.due_by
    task._history_user = actor
    task.save()
    audit.record_update(actor=actor, instance=task, before=before)
    if task.requested_by_id:
        prison = episode.prison.organisation
        url = _task_url(person.crn, episode.pk, task.pk)
        label = task.get_kind_display()
        transaction.on_commit(
            lambda: notify(
                kind=NotificationKind.RESETTLEMENT,
                organisation=prison,
                person=person,
                title=f"{label} done by {task.owner.name}",
                url=url,
                key=f"pre-release-task:{task.pk}:done",
            )
        )
    return task


# --- What an organisation owes -------------------------------------------------------------------


def may_list(user: User) -> bool:
    """Staff who own pre-release work: a CRC's, or an NPS division's."""
    organisation = user.organisation if user.is_authenticated else None
    if organisation is None or organisation.kind not in (
        OrganisationKind.CRC,
        OrganisationKind.NPS_DIVISION,
    ):
        return False
    return access.acts_for(user, organisation.pk, TASK_ROLES)


def tasks_owed_by(user: User) -> QuerySet[PreReleaseTask]:
    """Open tasks the user's organisation owes, about people the user may see: the CRC's;
    for NPS staff the NPS's tasks of people in their division. Overdue first (soonest due
    first), then by person. A constant number of queries at any length."""
    owed = addressed_to(user.organisation if user.is_authenticated else None, "owner")
    if owed is None:
        return PreReleaseTask.objects.none()
    tasks = PreReleaseTask.objects.filter(owed, status=TaskStatus.OPEN)
    return (
        access.records_visible_to(user, tasks)
        .select_related("person", "episode__prison", "owner")
        .order_by("due_by", "person__last_name", "pk")
    )
