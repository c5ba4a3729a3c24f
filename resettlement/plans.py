"""The basic custody screening and the resettlement plan: part 1 by prison staff at induction,
part 2 and the plan's needs by the plan writer, completion and sharing (DOMAIN.md 7; TOM
2.1 "Needs Screening", "Delivery of Resettlement Services").

Every service locks the person's row, then the episode, the screening and the plan, checks
who may act (``PermissionDenied``) and what the workflow allows now (``InvalidTransition``),
then changes, audits and versions (``simple_history``) in the same transaction. The plan's
state only moves through ``resettlement.workflows.RESETTLEMENT_PLAN``.

The plan's needs: when the plan is first worked on in PLANNING it gets one need for each
mandatory service (accommodation, keeping a job held before custody, work or training after
release, finance and debt) – *to do* where part 1 flagged the pathway, else *not needed*
until the writer says otherwise – and the support for victims of domestic abuse or sexual
violence and for sex workers where part 1 flagged them. Signposting, and either support the
screening did not flag, the writer adds. The writer owns every need except accommodation
and work or training after release, which the organisation that owns accommodation and
employment on release owns (``episode.accommodation_employment_by``; the writer for a remand
prisoner, who has none).
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from probation import access, audit, clock
from probation.models import NotificationKind, Organisation, OrganisationKind, Person, User
from probation.models.organisations import NPS_CODE
from probation.notifications import addressee, notify
from probation.workflow import InvalidTransition
from resettlement import custody, rules
from resettlement.models import (
    MANDATORY_NEEDS,
    CustodyEpisode,
    NeedKind,
    NeedStatus,
    PlanNeed,
    PlanState,
    ResettlementPlan,
    Screening,
)
from resettlement.workflows import (
    RESETTLEMENT_PLAN,
    RESETTLEMENT_ROLES,
    TASK_ROLES,
    acts_for_provider,
)

# Needs owned by the organisation that owns accommodation and employment on release.
RELEASE_NEEDS = (NeedKind.ACCOMMODATION, NeedKind.EMPLOYMENT_BROKERAGE)
# Which part 1 flag opens which need.
NEED_FLAGS = {
    NeedKind.ACCOMMODATION: "accommodation_need",
    NeedKind.EMPLOYMENT_RETENTION: "employment_need",
    NeedKind.EMPLOYMENT_BROKERAGE: "employment_need",
    NeedKind.FINANCE_DEBT: "finance_debt_need",
    NeedKind.ABUSE_VICTIM: "abuse_victim_need",
    NeedKind.SEX_WORK: "sex_work_need",
}
COMPLETED_STATES = (PlanState.TO_SHARE, PlanState.SHARED, PlanState.COMPLETE)
# The part 1 flags, in the screening's order.
PART1_FLAGS = tuple(dict.fromkeys(NEED_FLAGS.values()))


@dataclass
class Locked:
    person: Person
    episode: CustodyEpisode
    screening: Screening
    plan: ResettlementPlan


def _locked(actor: User, crn: str, episode_id: int) -> Locked:
    """The person, episode, screening and plan, row-locked in that order (404 when the
    user may not see the person)."""
    person, episode = custody.lock_episode(actor, crn, episode_id)
    screening = Screening.objects.select_for_update().get(episode=episode)
    plan = ResettlementPlan.objects.select_for_update().get(episode=episode)
    screening.episode = plan.episode = episode
    return Locked(person, episode, screening, plan)


# --- Who may do what (the pages ask the same questions) --------------------------------------


def may_record_part1(user: User, episode: CustodyEpisode) -> bool:
    return episode.open and custody.is_prison_staff(user, episode.prison)


def is_writer_staff(user: User, episode: CustodyEpisode) -> bool:
    """Resettlement staff of the CRC that writes the plan now."""
    return access.acts_for(user, episode.plan_writer_id, RESETTLEMENT_ROLES)


def may_record_part2(user: User, episode: CustodyEpisode, plan: ResettlementPlan) -> bool:
    return (
        plan.state == PlanState.PLANNING
        and episode.screening.part1_completed_at is not None
        and is_writer_staff(user, episode)
    )


def may_edit_needs(user: User, episode: CustodyEpisode, plan: ResettlementPlan) -> bool:
    return plan.state == PlanState.PLANNING and is_writer_staff(user, episode)


def may_update_need_status(user: User, plan: ResettlementPlan, need: PlanNeed) -> bool:
    """After completion: the writer's resettlement staff, or staff of the need's owner."""
    if plan.state not in COMPLETED_STATES:
        return False
    return access.acts_for(user, plan.writer_id, RESETTLEMENT_ROLES) or acts_for_provider(
        user, need.owner_id, TASK_ROLES
    )


# --- Part 1: prison staff at induction -------------------------------------------------------


@transaction.atomic
def part1_record(
    actor: User,
    crn: str,
    episode_id: int,
    *,
    immediate_needs: str,
    accommodation_need: bool,
    employment_need: bool,
    finance_debt_need: bool,
    abuse_victim_need: bool,
    sex_work_need: bool,
    other_needs: str = "",
    complete: bool,
) -> Screening:
    """Prison staff of the prison holding the person record part 1. Each save is a new
    version; the first completion passes the plan to its writer (PLANNING) when it waits on
    part 1 – in NOMS's exceptions it is only saved, and the plan goes to PLANNING when a
    writer is found."""
    locked = _locked(actor, crn, episode_id)
    episode, screening, plan = locked.episode, locked.screening, locked.plan
    if not custody.is_prison_staff(actor, episode.prison):
        raise PermissionDenied("Only staff of the prison holding the person record part 1.")
    if not episode.open:
        raise ValidationError({"episode": "This person has been released."})
    first_completion = complete and screening.part1_completed_at is None
    if first_completion and plan.state == PlanState.SCREENING:
        RESETTLEMENT_PLAN.check(plan, "complete_part1", actor=actor)
    before = audit.snapshot(screening)
    screening.immediate_needs = (immediate_needs or "").strip()
    screening.other_needs = (other_needs or "").strip()
    for name, value in zip(
        PART1_FLAGS,
        (accommodation_need, employment_need, finance_debt_need, abuse_victim_need, sex_work_need),
        strict=True,
    ):
        setattr(screening, name, bool(value))
    now = clock.now()
    if first_completion:
        screening.part1_completed_at = now
        screening.part1_completed_by = actor
    screening._history_user = actor
    screening.save()
    audit.record_update(actor=actor, instance=screening, before=before)
    if first_completion and plan.state == PlanState.SCREENING:
        plan._history_user = actor
        RESETTLEMENT_PLAN.advance(plan, "complete_part1", actor=actor, at=now)
        ensure_needs(plan, episode, screening, actor=actor)
    return screening


# --- Part 2: the plan writer ----------------------------------------------------------------


def _require_planning(plan: ResettlementPlan, doing: str) -> None:
    if plan.state != PlanState.PLANNING:
        state = PlanState(plan.state).label.lower()
        raise InvalidTransition(f"This resettlement plan is {state}: you cannot {doing} now.")


@transaction.atomic
def part2_record(
    actor: User, crn: str, episode_id: int, *, assessment: str, complete: bool
) -> Screening:
    """The plan writer's resettlement staff record part 2, once part 1 is complete and
    while the plan is being written. Each save is a new version."""
    locked = _locked(actor, crn, episode_id)
    episode, screening, plan = locked.episode, locked.screening, locked.plan
    if not is_writer_staff(actor, episode):
        raise PermissionDenied("Only the plan writer's resettlement staff record part 2.")
    if screening.part1_completed_at is None:
        raise ValidationError({"assessment": "Part 1 of the screening is not complete yet."})
    _require_planning(plan, "record part 2 of the screening")
    assessment = (assessment or "").strip()
    if complete and not assessment:
        raise ValidationError({"assessment": "Enter the assessment before completing part 2"})
    before = audit.snapshot(screening)
    screening.assessment = assessment
    screening.part2_organisation = episode.plan_writer
    if complete and screening.part2_completed_at is None:
        screening.part2_completed_at = clock.now()
        screening.part2_completed_by = actor
    screening._history_user = actor
    screening.save()
    audit.record_update(actor=actor, instance=screening, before=before)
    ensure_needs(plan, episode, screening, actor=actor)
    return screening


# --- The plan's needs ---------------------------------------------------------------------


def default_owner(episode: CustodyEpisode, kind: str) -> Organisation | None:
    if kind in RELEASE_NEEDS and episode.accommodation_employment_by_id:
        return episode.accommodation_employment_by
    return episode.plan_writer


def ensure_needs(
    plan: ResettlementPlan, episode: CustodyEpisode, screening: Screening, *, actor
) -> list[PlanNeed]:
    """The plan's needs, made from part 1 the first time (see the module's docstring)."""
    existing = list(plan.needs.select_related("owner"))
    if existing:
        return existing
    made = []
    for kind in (*MANDATORY_NEEDS, NeedKind.ABUSE_VICTIM, NeedKind.SEX_WORK):
        flagged = getattr(screening, NEED_FLAGS[kind])
        if kind not in MANDATORY_NEEDS and not flagged:
            continue
        need = PlanNeed(
            plan=plan,
            kind=kind,
            status=NeedStatus.TO_DO if flagged else NeedStatus.NOT_NEEDED,
            owner=default_owner(episode, kind),
        )
        need._history_user = actor
        need.save()
        audit.record_create(actor=actor, instance=need)
        made.append(need)
    return made


def _owner(code: str | None, errors: dict, index: int) -> Organisation | None | bool:
    """The organisation for an owner code (a CRC or the NPS); False when unknown."""
    if not code:
        return None
    found = Organisation.objects.filter(
        Q(kind=OrganisationKind.CRC) | Q(code=NPS_CODE), code=code
    ).first()
    if found is None:
        errors.setdefault("needs", []).append(f"Need {index + 1}: {code} is not a CRC or the NPS.")
        return False
    return found


@transaction.atomic
def needs_update(actor: User, crn: str, episode_id: int, *, needs: list[dict]) -> list[PlanNeed]:
    """Write the plan's needs: ``needs`` is ``[{kind, status, actions, owner_code}]``.

    While the plan is being written the writer's resettlement staff change anything and add
    needs (a mandatory need is never removed: it is *not needed*). Once complete, the
    writer's resettlement staff or the staff of a need's owner change its status only."""
    locked = _locked(actor, crn, episode_id)
    episode, screening, plan = locked.episode, locked.screening, locked.plan
    if plan.state == PlanState.PLANNING:
        if not is_writer_staff(actor, episode):
            raise PermissionDenied("Only the plan writer's resettlement staff write its needs.")
    elif plan.state not in COMPLETED_STATES:
        _require_planning(plan, "write the plan's needs")
    current = {n.kind: n for n in ensure_needs(plan, episode, screening, actor=actor)}
    errors: dict[str, list[str]] = {}
    changes = []
    for index, item in enumerate(needs):
        kind, status = item.get("kind"), item.get("status")
        if kind not in NeedKind.values:
            errors.setdefault("needs", []).append(f"Need {index + 1}: choose a kind of need.")
            continue
        if status not in NeedStatus.values:
            errors.setdefault("needs", []).append(
                f"{NeedKind(kind).label}: choose the need's status."
            )
            continue
        need = current.get(kind)
        if plan.state != PlanState.PLANNING:
            if need is None:
                errors.setdefault("needs", []).append(
                    f"{NeedKind(kind).label}: a completed plan's needs cannot be added to."
                )
            elif not may_update_need_status(actor, plan, need):
                raise PermissionDenied(
                    "Only the resettlement staff of the CRC that wrote the plan, or the staff "
                    "of the need's owner, update a completed plan's needs."
                )
            else:
                changes.append((need, {"status": status}))
            continue
        owner = _owner(item.get("owner_code"), errors, index)
        if owner is False:
            continue
        fields = {
            "status": status,
            "actions": (item.get("actions") or "").strip(),
            "owner": owner or default_owner(episode, kind),
        }
        if (
            fields["status"] in (NeedStatus.TO_DO, NeedStatus.IN_PROGRESS)
            and not (fields["actions"])
        ):
            errors.setdefault("needs", []).append(
                f"{NeedKind(kind).label}: enter the actions for a need to do."
            )
            continue
        changes.append((need or PlanNeed(plan=plan, kind=kind), fields))
    if errors:
        raise ValidationError(errors)
    saved = []
    for need, fields in changes:
        created = need.pk is None
        before = {} if created else audit.snapshot(need)
        if not created and all(getattr(need, k) == v for k, v in fields.items()):
            saved.append(need)
            continue
        for name, value in fields.items():
            setattr(need, name, value)
        need._history_user = actor
        need.save()
        if created:
            audit.record_create(actor=actor, instance=need)
        else:
            audit.record_update(actor=actor, instance=need, before=before)
        saved.append(need)
    return saved


# --- Completing and sharing ----------------------------------------------------------------


def complete_action(episode: CustodyEpisode) -> str:
    """``complete`` when somebody must receive the plan, else ``complete_own``."""
    return "complete" if episode.share_with_id else "complete_own"


@transaction.atomic
def plan_complete(actor: User, crn: str, episode_id: int, *, summary: str) -> ResettlementPlan:
    """The writer's resettlement staff complete the plan (part 2 first). It is to be shared
    within one business day when the episode names somebody to share with; otherwise it is
    complete. Records the writer, whether it was late (completed after ``plan_due_by``, in
    local dates) and the sharing deadline."""
    locked = _locked(actor, crn, episode_id)
    episode, screening, plan = locked.episode, locked.screening, locked.plan
    action = complete_action(episode)
    RESETTLEMENT_PLAN.check(plan, action, actor=actor)
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError({"summary": "Enter a summary of the plan"})
    ensure_needs(plan, episode, screening, actor=actor)
    before = audit.snapshot(plan)
    now = clock.now()
    today = timezone.localdate(now)
    plan.summary = summary
    plan.writer = episode.plan_writer
    plan.completed_at = now
    plan.completed_by = actor
    plan.completed_late = today > plan.plan_due_by
    plan.shared_with = episode.share_with
    plan.share_due_by = rules.share_due_by(today) if episode.share_with_id else None
    plan._history_user = actor
    RESETTLEMENT_PLAN.advance(plan, action, actor=actor, at=now, before=before)
    return plan


def plan_url(plan: ResettlementPlan) -> str:
    return reverse("resettlement:plan", args=[plan.person.crn, plan.episode_id])


@transaction.atomic
def plan_share(actor: User, crn: str, episode_id: int) -> ResettlementPlan:
    """The resettlement staff of the CRC that wrote the plan share it with the organisation
    recorded at completion, which is told; shared after ``share_due_by`` is marked late."""
    locked = _locked(actor, crn, episode_id)
    person, plan = locked.person, locked.plan
    RESETTLEMENT_PLAN.check(plan, "share", actor=actor)
    before = audit.snapshot(plan)
    now = clock.now()
    plan.shared_at = now
    plan.shared_by = actor
    plan.shared_late = timezone.localdate(now) > plan.share_due_by
    plan._history_user = actor
    RESETTLEMENT_PLAN.advance(plan, "share", actor=actor, at=now, before=before)
    plan = ResettlementPlan.objects.select_related("shared_with", "writer").get(pk=plan.pk)
    plan.person = person
    person = Person.objects.select_related("ldu__division").get(pk=person.pk)
    late = " (shared late)" if plan.shared_late else ""
    notify(
        kind=NotificationKind.RESETTLEMENT,
        organisation=addressee(plan.shared_with, person),
        person=person,
        title=f"Resettlement plan received: {person.full_name}{late}",
        body=f"{plan.writer.name} shared the resettlement plan written in custody.",
        url=plan_url(plan),
        key=f"resettlement-plan-shared:{plan.pk}",
    )
    return plan
