"""Custody episodes: reception, moves between prisons, release – and keeping who does what
(``resettlement.rules``) up to date on the episode as the facts change.

Every service locks the person's row first, then the episode, so two prisons recording a
move at once, or a move racing an allocation, cannot leave the episode half-changed. Each
change is audited and versioned (``simple_history``); the plan's state moves through the
workflow engine (``resettlement.workflows``).
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404

from probation import access, audit, clock, sentences
from probation.models import Organisation, Person, Sentence, SentenceType, User
from probation.models.sentences import SentenceStatus
from resettlement import rules
from resettlement.designations import designation_facts
from resettlement.models import (
    CustodyEpisode,
    CustodyStatus,
    PlanState,
    PreReleaseTask,
    Prison,
    PrisonStay,
    ReleaseType,
    ResettlementPlan,
    Screening,
    TaskStatus,
)
from resettlement.workflows import PRISON_ROLES, RESETTLEMENT_PLAN

# Releases that start the licence or post-sentence supervision of the sentence.
SENTENCE_RELEASES = (ReleaseType.CONDITIONAL_RELEASE, ReleaseType.HDC)

RESPONSIBILITY_FIELDS = (
    "plan_writer",
    "share_with",
    "pre_release_lead",
    "accommodation_employment_by",
)


# --- Facts for the rules ------------------------------------------------------------------


def allocated_code(person: Person, status: str) -> str | None:
    """The organisation that will supervise on release: none on remand, else the provider
    responsible for the person (the NPS until a case is allocated)."""
    if status == CustodyStatus.REMAND:
        return None
    return person.responsible_provider.provider_code


def home_crc_of(person: Person) -> Organisation | None:
    """The CRC of the home CPA: the LDU's CRC, unless the person has no fixed abode (then
    the LDU is the sentencing court's and the home area is not known)."""
    if person.no_fixed_abode:
        return None
    return person.ldu.crc


def facts_for(episode: CustodyEpisode, *, on: datetime.date | None = None) -> rules.Facts:
    on = on or clock.today()
    return rules.Facts(
        prison=designation_facts(episode.prison, on).prison_facts,
        custody_status=episode.status,
        allocated_to=allocated_code(episode.person, episode.status),
        home_crc=episode.home_crc.code if episode.home_crc_id else None,
        reception_date=episode.received_on,
        release_date=episode.expected_release_on,
    )


def _organisations(codes) -> dict[str, Organisation]:
    codes = {c for c in codes if c}
    return {o.code: o for o in Organisation.objects.filter(code__in=codes)}


def _apply(episode: CustodyEpisode, answer: rules.Responsibility) -> None:
    by_code = _organisations(
        [
            answer.plan_writer,
            answer.share_with,
            answer.pre_release_lead,
            answer.accommodation_employment_by,
            allocated_code(episode.person, episode.status),
        ]
    )
    for name in RESPONSIBILITY_FIELDS:
        code = getattr(answer, name)
        setattr(episode, name, by_code[code] if code else None)
    allocated = allocated_code(episode.person, episode.status)
    episode.allocated_to = by_code[allocated] if allocated else None
    episode.reasons = answer.reasons


def _snapshot_ids(episode) -> tuple:
    return tuple(getattr(episode, f"{n}_id") for n in (*RESPONSIBILITY_FIELDS, "allocated_to"))


# --- Keeping the plan's workflow in step with the episode -----------------------------------


def _follow(plan: ResettlementPlan, episode: CustodyEpisode, *, actor, at) -> None:
    """Move the plan when its writer or prison changed: to NOMS's exceptions when nobody
    can write it, back when somebody can, or to its new writer or prison."""
    screened = episode.screening.part1_completed_at is not None
    state = plan.state
    if episode.plan_writer_id is None:
        if state in (PlanState.SCREENING, PlanState.PLANNING):
            RESETTLEMENT_PLAN.advance(plan, "lose_writer", actor=actor, at=at, system=True)
        return
    if state == PlanState.EXCEPTION:
        action = "find_writer" if screened else "find_writer_unscreened"
        RESETTLEMENT_PLAN.advance(plan, action, actor=actor, at=at, system=True)
    elif state == PlanState.PLANNING and plan.waiting_on_id != episode.plan_writer_id:
        RESETTLEMENT_PLAN.advance(plan, "reassign_plan", actor=actor, at=at, system=True)
    elif state == PlanState.SCREENING and plan.waiting_on_id != episode.prison.organisation_id:
        RESETTLEMENT_PLAN.advance(plan, "reassign_screening", actor=actor, at=at, system=True)


def refresh(episode: CustodyEpisode, *, actor: User | None, at=None) -> bool:
    """Ask the rules again for the episode as it stands (prison, status, allocation) and
    store the answer; move the plan if its writer or prison changed. Call under the
    person's row lock. Returns whether anything changed."""
    at = at or clock.now()
    before_ids = _snapshot_ids(episode)
    before = audit.snapshot(episode)
    _apply(episode, rules.responsibility(facts_for(episode, on=clock.today())))
    changed = _snapshot_ids(episode) != before_ids
    if changed:
        episode._history_user = actor
        episode.save()
        audit.record_update(actor=actor, instance=episode, before=before)
    plan = ResettlementPlan.objects.select_for_update().filter(episode=episode).first()
    if plan is not None:
        plan.episode = episode
        _follow(plan, episode, actor=actor, at=at)
    return changed


def refresh_for_person(*, actor: User | None, person: Person, at=None, **_) -> None:
    """After the provider responsible for the person changed (``probation.signals``)."""
    episode = (
        CustodyEpisode.objects.select_for_update()
        .filter(person=person, released_on__isnull=True)
        .first()
    )
    if episode is not None:
        episode.person = person
        refresh(episode, actor=actor, at=at)


# --- Finding and checking ----------------------------------------------------------------------


def prison_of(code: str) -> Prison:
    prison = Prison.objects.select_related("organisation").filter(code=code, active=True).first()
    if prison is None:
        raise ValidationError({"prison": f"There is no prison with code {code}."})
    return prison


def is_prison_staff(user: User, prison: Prison) -> bool:
    return access.acts_for(user, prison.organisation_id, PRISON_ROLES)


def episode_of(user: User, crn: str, episode_id: int) -> CustodyEpisode:
    """A custody episode of a person the user may see; 404 otherwise."""
    return access.record_of(
        user,
        crn,
        CustodyEpisode.objects.select_related(
            "prison__organisation",
            "reception_prison",
            "release_prison",
            "home_crc",
            "allocated_to",
            "plan_writer",
            "share_with",
            "pre_release_lead",
            "accommodation_employment_by",
            "sentence",
        ),
        episode_id,
        missing="No custody episode found for this person.",
    )


def lock_episode(user: User, crn: str, episode_id: int) -> tuple[Person, CustodyEpisode]:
    """The person (row-locked) and their episode (row-locked), if the user may see them."""
    visible = access.person_for_view(user, crn)
    person = (
        Person.objects.select_for_update(of=("self",))
        .select_related("responsible_provider", "ldu")
        .get(pk=visible.pk)
    )
    episode = (
        CustodyEpisode.objects.select_for_update(of=("self",))
        .select_related("prison__organisation", "home_crc")
        .filter(person=person, pk=episode_id)
        .first()
    )
    if episode is None:
        raise Http404("No custody episode found for this person.")
    episode.person = person
    return person, episode


def _expected_release(sentence: Sentence | None) -> datetime.date | None:
    if sentence is None:
        return None
    return sentence.actual_release_date or sentence.conditional_release_date


# --- Reception --------------------------------------------------------------------------------


@transaction.atomic
def reception_record(
    *,
    actor: User,
    crn: str,
    date_of_birth: datetime.date,
    prison_code: str,
    received_on: datetime.date,
    status: str,
    sentence_number: int | None = None,
    home_crc_code: str | None = None,
    expected_release_on: datetime.date | None = None,
) -> CustodyEpisode:
    """Prison staff record a reception into their prison. The person is found by CRN and
    date of birth together (they are not in the prison's scope until received); either
    wrong is the same error, so a CRN cannot be probed. Opens the episode, its first stay,
    an empty screening and the plan (waiting on the prison for part 1, or in NOMS's
    exceptions when nobody can write it)."""
    prison = prison_of(prison_code)
    if not is_prison_staff(actor, prison):
        raise PermissionDenied("Only staff of the receiving prison can record a reception.")
    errors: dict[str, str] = {}
    person = (
        Person.objects.select_for_update(of=("self",))
        .select_related("responsible_provider", "ldu__crc")
        .filter(crn=(crn or "").strip().upper(), date_of_birth=date_of_birth)
        .first()
    )
    if person is None:
        raise ValidationError(
            {"crn": "No person on probation has this CRN and date of birth. Check both."}
        )
    if status not in CustodyStatus.values:
        errors["status"] = "Choose remand, sentenced or recalled."
    if received_on > clock.today():
        errors["received_on"] = "The reception date cannot be in the future."
    sentence = None
    if status == CustodyStatus.REMAND:
        if sentence_number is not None:
            errors["sentence_number"] = "A remand prisoner has no sentence yet."
    elif status in CustodyStatus.values:
        sentence = (
            Sentence.objects.filter(
                person=person,
                number=sentence_number,
                sentence_type=SentenceType.CUSTODIAL,
                status=SentenceStatus.ACTIVE,
            ).first()
            if sentence_number is not None
            else None
        )
        if sentence is None:
            errors["sentence_number"] = "Give the number of the person's active custodial sentence."
        elif received_on < sentence.sentence_date:
            errors["received_on"] = "A sentenced reception cannot be before the sentence date."
    home_crc = home_crc_of(person)
    if home_crc_code:
        home_crc = Organisation.objects.crcs().filter(code=home_crc_code).first()
        if home_crc is None:
            errors["home_crc_code"] = f"{home_crc_code} is not a CRC code."
    release = expected_release_on or _expected_release(sentence)
    if release is not None and release < received_on:
        errors["expected_release_on"] = "The release date cannot be before the reception date."
    if CustodyEpisode.objects.filter(person=person, released_on__isnull=True).exists():
        errors["crn"] = "This person is already in custody: record a move between prisons instead."
    if errors:
        raise ValidationError(errors)

    now = clock.now()
    episode = CustodyEpisode(
        person=person,
        status=status,
        sentence=sentence,
        received_on=received_on,
        reception_prison=prison,
        prison=prison,
        home_crc=home_crc,
        expected_release_on=release if status != CustodyStatus.REMAND else None,
        recorded_by=actor,
        recorded_at=now,
    )
    _apply(episode, rules.responsibility(facts_for(episode, on=received_on)))
    episode._history_user = actor
    episode.save()
    audit.record_create(actor=actor, instance=episode)
    PrisonStay.objects.create(
        episode=episode, prison=prison, arrived_on=received_on, recorded_by=actor
    )
    screening = Screening(episode=episode, person=person)
    screening._history_user = actor
    screening.save()
    plan = ResettlementPlan(
        person=person,
        episode=episode,
        screening_access_by=rules.screening_access_by(received_on),
        plan_due_by=rules.plan_due_by(received_on),
    )
    plan.episode = episode
    state = PlanState.SCREENING if episode.plan_writer_id else PlanState.EXCEPTION
    RESETTLEMENT_PLAN.open(plan, state=state, actor=actor, at=now)
    return episode


# --- Sentence while in custody ------------------------------------------------------------------


@transaction.atomic
def sentence_record(
    *, actor: User, crn: str, episode_id: int, status: str, sentence_number: int
) -> CustodyEpisode:
    """A remand prisoner is sentenced (or a recall is confirmed) while in custody: prison
    staff of the prison holding the person link the episode to the custodial sentence. The
    person is now allocated, so who writes, receives and leads is worked out again (a host
    CRC may take over the plan from the lead provider). The plan's clocks still run from
    reception (DOMAIN.md 7)."""
    person, episode = lock_episode(actor, crn, episode_id)
    if not is_prison_staff(actor, episode.prison):
        raise PermissionDenied("Only staff of the prison holding the person record a sentence.")
    errors = {}
    if not episode.open:
        errors["episode"] = "This person has been released: record a new reception."
    if episode.status != CustodyStatus.REMAND:
        errors["status"] = "This episode is already linked to a sentence."
    if status not in (CustodyStatus.SENTENCED, CustodyStatus.RECALLED):
        errors["status"] = "Choose sentenced or recalled."
    sentence = Sentence.objects.filter(
        person=person,
        number=sentence_number,
        sentence_type=SentenceType.CUSTODIAL,
        status=SentenceStatus.ACTIVE,
    ).first()
    if sentence is None:
        errors["sentence_number"] = "Give the number of the person's active custodial sentence."
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(episode)
    episode.status = status
    episode.sentence = sentence
    episode.expected_release_on = _expected_release(sentence)
    episode._history_user = actor
    episode.save()
    audit.record_update(actor=actor, instance=episode, before=before)
    refresh(episode, actor=actor)
    return episode


# --- Moves and release -----------------------------------------------------------------------


@transaction.atomic
def move_record(
    *, actor: User, crn: str, episode_id: int, prison_code: str, moved_on: datetime.date
) -> CustodyEpisode:
    """Record a move to another prison, by staff of the prison the person leaves (the
    receiving prison does not see the person until the move is recorded). The stay in the
    old prison ends, one in the new begins, and who does what is worked out again for the
    new prison."""
    person, episode = lock_episode(actor, crn, episode_id)
    to = prison_of(prison_code)
    if not is_prison_staff(actor, episode.prison):
        raise PermissionDenied("Only staff of the prison the person leaves record a move.")
    if not episode.open:
        raise ValidationError({"episode": "This person has been released: record a new reception."})
    current = PrisonStay.objects.select_for_update().get(episode=episode, left_on__isnull=True)
    errors = {}
    if to.pk == episode.prison_id:
        errors["prison"] = "The person is already in this prison."
    if moved_on < current.arrived_on:
        errors["moved_on"] = "The move cannot be before the person arrived in this prison."
    if moved_on > clock.today():
        errors["moved_on"] = "The move date cannot be in the future."
    if errors:
        raise ValidationError(errors)
    current.left_on = moved_on
    current.save(update_fields=["left_on"])
    PrisonStay.objects.create(episode=episode, prison=to, arrived_on=moved_on, recorded_by=actor)
    before = audit.snapshot(episode)
    episode.prison = to
    episode._history_user = actor
    episode.save()
    audit.record_update(actor=actor, instance=episode, before=before)
    refresh(episode, actor=actor)
    return episode


@transaction.atomic
def release_record(
    *,
    actor: User,
    crn: str,
    episode_id: int,
    released_on: datetime.date,
    release_type: str,
) -> CustodyEpisode:
    """Record the release (staff of the releasing prison). For a conditional or HDC release
    of a sentenced or recalled prisoner the sentence's actual release date is confirmed in
    the core records, and the licence and post-sentence supervision start there. An
    unfinished plan is closed; open pre-release tasks are cancelled."""
    person, episode = lock_episode(actor, crn, episode_id)
    if not is_prison_staff(actor, episode.prison):
        raise PermissionDenied("Only staff of the prison holding the person record a release.")
    errors = {}
    if not episode.open:
        errors["episode"] = "This release has already been recorded."
    if release_type not in ReleaseType.values:
        errors["release_type"] = "Choose the type of release."
    elif episode.status == CustodyStatus.REMAND and release_type in SENTENCE_RELEASES:
        errors["release_type"] = "A remand prisoner is not released on licence or HDC."
    elif episode.status != CustodyStatus.REMAND and release_type == ReleaseType.END_OF_REMAND:
        errors["release_type"] = "Only a remand prisoner's release is the end of remand."
    stay = (
        PrisonStay.objects.select_for_update().filter(episode=episode, left_on__isnull=True).first()
    )
    if stay is not None and released_on < stay.arrived_on:
        errors["released_on"] = "The release cannot be before the person arrived in this prison."
    if released_on > clock.today():
        errors["released_on"] = "The release date cannot be in the future."
    if errors:
        raise ValidationError(errors)
    now = clock.now()
    stay.left_on = released_on
    stay.save(update_fields=["left_on"])
    before = audit.snapshot(episode)
    episode.released_on = released_on
    episode.release_prison = episode.prison
    episode.release_type = release_type
    episode._history_user = actor
    episode.save()
    audit.record_update(actor=actor, instance=episode, before=before)
    if episode.sentence_id and release_type in SENTENCE_RELEASES:
        sentence = Sentence.objects.select_for_update().get(pk=episode.sentence_id)
        sentence.person = person
        sentences.record_release(
            actor=actor,
            sentence=sentence,
            person=person,
            released_on=released_on,
            prison_name=episode.prison.name,
        )
    plan = ResettlementPlan.objects.select_for_update().filter(episode=episode).first()
    if plan is not None and plan.state in (
        PlanState.SCREENING,
        PlanState.PLANNING,
        PlanState.EXCEPTION,
    ):
        plan.episode = episode
        RESETTLEMENT_PLAN.advance(plan, "close_on_release", actor=actor, at=now, system=True)
    _cancel_open_tasks(episode, actor=actor)
    return episode


def _cancel_open_tasks(episode: CustodyEpisode, *, actor: User) -> None:
    """Released: the pre-release tasks still open are owed no more. Each keeps a history
    version and the episode one audit row naming them."""
    tasks = list(episode.tasks.select_for_update().filter(status=TaskStatus.OPEN))
    if not tasks:
        return
    for task in tasks:
        task.status = TaskStatus.CANCELLED
    PreReleaseTask.objects.bulk_update(tasks, ["status"])
    PreReleaseTask.history.bulk_history_create(tasks, default_user=actor)
    audit.record_event(
        actor=actor,
        action=audit.AuditAction.UPDATE,
        instance=episode,
        changes={"pre_release_tasks_cancelled": [[task.pk for task in tasks], None]},
    )


def open_episodes() -> QuerySet[CustodyEpisode]:
    return CustodyEpisode.objects.filter(released_on__isnull=True)
