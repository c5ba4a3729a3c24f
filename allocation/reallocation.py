"""Reallocation of cases allocated in error (DOMAIN.md 4 "Errors"; TOM 1.4 "Cases allocated
in error"): the services that flag and decide, and the reads the pages and the API share.

The NPS or a CRC flags a wrongly allocated case with a reason (``reallocation_flag``): the
staff of the provider now responsible who may change the case, or the NPS division-wide
staff of the person's division. The division's allocation officers and managers are told;
one of them decides (``reallocation_decide``). A rejection leaves everything as it was. An
acceptance records a new, immutable ``AllocationDecision`` of kind REALLOCATION that
``replaces`` the decision in error – which stays, as history – and, in the same transaction,
makes the new provider responsible, moves the case to the chosen team and moves the PbR
cohort.

The PbR cohort after a reallocation: a case moved to a CRC joins **that** CRC's cohort
(DOMAIN.md 4), whichever CRC held it before. A case moved to the NPS is in no CRC's
cohort (``pbr_provider`` empty): a case allocated in error to a CRC was never that CRC's
to be paid for, so the error does not leave it counting in the CRC's payment-by-results
figures.

The reallocation keeps the clock of the decision it replaces: its ``point``, ``due_by`` and
``within_deadline`` are copied, because timeliness (the one-business-day standard) is
reported on kind ALLOCATION only and correcting an error is not a second allocation. Its
recommendation comes from the one rules module run again on the inputs the replaced
decision recorded, so the record shows what the rules say now beside what the officer chose.

Two deciders at once: both lock the person's row first, then the request's, so they are
served one after the other; the second finds the request decided and is told by whom.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.urls import reverse

from allocation import notify, services
from allocation.models import (
    AllocationDecision,
    AllocationKind,
    ReallocationRequest,
    ReallocationStatus,
)
from allocation.rules import Decision, allocate
from allocation.selectors import current_decision
from probation import access, audit, clock
from probation.models import (
    NotificationKind,
    Organisation,
    OrganisationKind,
    Person,
    Sentence,
    SentenceStatus,
    Team,
    User,
)
from probation.models.organisations import NPS_CODE
from probation.notifications import addressee
from probation.notifications import notify as send

# Who hears of a flag: the holders of these roles in the person's NPS division.
TOLD_OF_FLAGS = ("NPS_ALLOCATION_OFFICER", "NPS_ALLOCATION_MANAGER")

_REQUEST_RELATED = (
    "person",
    "sentence",
    "allocation__organisation",
    "allocation__team",
    "proposed_organisation",
    "raised_by",
    "raised_by_organisation",
    "decided_by",
    "result__organisation",
    "result__team",
)


# --- Reads -----------------------------------------------------------------------------------


def decision_history(sentence: Sentence) -> list[AllocationDecision]:
    """Every decision of the sentence, oldest first, each with ``requests``: the requests
    that flagged it as in error, oldest first (two queries, however long the history)."""
    requests = ReallocationRequest.objects.select_related(
        "proposed_organisation", "raised_by", "raised_by_organisation", "decided_by"
    ).order_by("raised_at", "pk")
    return list(
        AllocationDecision.objects.select_related(
            "organisation", "team", "offender_manager", "decided_by", "pbr_provider", "replaces"
        )
        .filter(sentence=sentence)
        .order_by("decided_at", "pk")
        .prefetch_related(Prefetch("reallocation_requests", requests, to_attr="requests"))
    )


def sentence_requests(*, user: User, crn: str, number: int) -> tuple[Sentence, QuerySet]:
    """A sentence of a person the user may see and its requests, oldest first (404
    outside scope or for a sentence the person does not have)."""
    person = access.person_for_view(user, crn)
    sentence = Sentence.objects.filter(person=person, number=number).first()
    if sentence is None:
        raise Http404("No sentence with that number for this person.")
    sentence.person = person
    requests = (
        ReallocationRequest.objects.filter(sentence=sentence)
        .select_related(*_REQUEST_RELATED)
        .order_by("raised_at", "pk")
    )
    return sentence, requests


def request_of(user: User, crn: str, number: int, request_id: int) -> ReallocationRequest:
    """One request of a sentence of a person the user may see; 404 otherwise – a request
    of another sentence or person is missing too."""
    person = access.person_for_view(user, crn)
    request = (
        ReallocationRequest.objects.select_related(*_REQUEST_RELATED)
        .filter(person=person, sentence__number=number, pk=request_id)
        .first()
    )
    if request is None:
        raise Http404("No reallocation request found for this sentence.")
    request.person = person
    return request


def open_requests(*, user: User) -> QuerySet:
    """Open requests of people the user may see – for NPS staff, of their division's
    people – oldest first: the allocation officers' list to decide."""
    requests = access.records_visible_to(
        user, ReallocationRequest.objects.filter(status=ReallocationStatus.OPEN)
    )
    organisation = user.organisation
    if organisation is not None and organisation.kind == OrganisationKind.NPS_DIVISION:
        requests = requests.filter(person__ldu__division=organisation)
    return requests.select_related(
        "person",
        "person__ldu",
        "sentence",
        "allocation__organisation",
        "proposed_organisation",
        "raised_by",
        "raised_by_organisation",
    ).order_by("raised_at", "pk")


def _flags_for_the_provider(user: User, person: Person) -> bool:
    """Staff of the provider now responsible (a CRC's own staff; any NPS staff for an NPS
    case), or NPS division-wide staff of the person's division."""
    organisation = user.organisation if user.is_authenticated else None
    if organisation is None:
        return False
    if organisation.kind == OrganisationKind.CRC:
        return person.responsible_provider_id == organisation.pk
    if organisation.kind == OrganisationKind.NPS_DIVISION:
        if person.responsible_provider.code == NPS_CODE:
            return True
        return person.ldu.division_id == organisation.pk and any(
            role.division_wide for role in access.effective_roles(user)
        )
    return False


def may_flag(user: User, person: Person) -> bool:
    """Whether the user may flag the person's case as allocated in error."""
    return _flags_for_the_provider(user, person) and access.can_change(user, person)


def may_decide(user: User, person: Person) -> bool:
    """Whether the user decides on requests about the person: an NPS allocation officer or
    manager of the person's division (DOMAIN.md 4: "the NPS decides")."""
    organisation_id = user.organisation_id if user.is_authenticated else None
    return (
        organisation_id is not None
        and organisation_id == person.ldu.division_id
        and any(role.code in services.ALLOCATING_ROLES for role in access.effective_roles(user))
    )


def history_context(user: User, person: Person, sentence: Sentence) -> dict:
    """What the allocation page shows of a decided sentence: the decision in force, the
    history of decisions and flags, and whether the user may flag it or decide the flag."""
    history = decision_history(sentence)
    if not history:
        return {}
    requests = [r for decision in history for r in decision.requests]
    waiting = next((r for r in requests if r.status == ReallocationStatus.OPEN), None)
    return {
        "current": history[-1],
        "history": history,
        "waiting": waiting,
        "may_flag": waiting is None and may_flag(user, person),
        "may_decide_flag": waiting is not None and may_decide(user, person),
    }


def providers() -> list[Organisation]:
    """Where a case can go: the NPS, then the 21 CRCs in CPA order."""
    nps = Organisation.objects.filter(code=NPS_CODE)
    return list(nps) + list(Organisation.objects.crcs())


# --- Flagging --------------------------------------------------------------------------------


def _provider(code: str) -> Organisation | None:
    """The NPS or a CRC by code; None for anything else."""
    return (
        Organisation.objects.filter(
            code=code, kind__in=[OrganisationKind.NPS, OrganisationKind.CRC]
        )
        .only("pk", "code", "name", "kind")
        .first()
    )


def _sentence(person: Person, number: int) -> Sentence:
    sentence = Sentence.objects.filter(person=person, number=number).first()
    if sentence is None:
        raise ValidationError({"number": "No sentence with that number for this person"})
    sentence.person = person
    return sentence


@transaction.atomic
def reallocation_flag(
    *,
    actor: User,
    crn: str,
    number: int,
    reason: str,
    proposed_organisation: str | None = None,
) -> ReallocationRequest:
    """Flag the allocation of one sentence as in error, with the reason and, if the flagger
    says, the provider (``"NPS"`` or a CRC code) where the case belongs. One open request
    per sentence; the person's NPS division's allocation officers and managers are told."""
    person = access.person_for_change(actor, crn, lock=True)
    if not _flags_for_the_provider(actor, person):
        raise PermissionDenied(
            "Only the provider responsible for the case, or the NPS division, can flag it as "
            "allocated in error."
        )
    sentence = _sentence(person, number)
    current = current_decision(sentence)
    if current is None:
        raise ValidationError(
            "This sentence has not been allocated yet, so it cannot be flagged as allocated "
            "in error"
        )
    errors = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = "Enter why the case was allocated in error"
    proposed = None
    if proposed_organisation:
        proposed = _provider(proposed_organisation)
        if proposed is None:
            errors["proposed_organisation"] = "Choose the NPS or a CRC"
        elif proposed.pk == person.responsible_provider_id:
            errors["proposed_organisation"] = (
                f"{proposed.name} is responsible for the case already: choose another provider"
            )
    if errors:
        raise ValidationError(errors)
    waiting = (
        ReallocationRequest.objects.select_related("raised_by_organisation")
        .filter(sentence=sentence, status=ReallocationStatus.OPEN)
        .first()
    )
    if waiting is not None:
        raise ValidationError(
            f"{waiting.raised_by_organisation.name} flagged this sentence as allocated in error "
            f"on {waiting.raised_at:%-d %B %Y}; the NPS has not decided yet. Nothing was changed"
        )
    try:
        with transaction.atomic():
            request = ReallocationRequest.objects.create(
                sentence=sentence,
                person=person,
                allocation=current,
                reason=reason,
                proposed_organisation=proposed,
                raised_at=clock.now(),
                raised_by=actor,
                raised_by_organisation=actor.organisation,
            )
    except IntegrityError:
        raise ValidationError(
            "This sentence has just been flagged as allocated in error by someone else"
        ) from None
    audit.record_create(actor=actor, instance=request)
    _tell_the_division(request)
    return request


def _decide_url(request: ReallocationRequest) -> str:
    return reverse(
        "allocation:reallocation-decide",
        args=[request.person.crn, request.sentence.number, request.pk],
    )


def _tell_the_division(request: ReallocationRequest) -> None:
    person, sentence = request.person, request.sentence
    for role in TOLD_OF_FLAGS:
        send(
            kind=NotificationKind.REALLOCATION_REQUESTED,
            organisation=person.ldu.division,
            role=role,
            person=person,
            title=f"{person.full_name} ({sentence.reference}) flagged as allocated in error",
            body=f"Flagged by {request.raised_by_organisation.name}: {request.reason}",
            url=_decide_url(request),
            key=f"reallocation-requested:{request.pk}:{role}",
        )


# --- Deciding --------------------------------------------------------------------------------


@transaction.atomic
def reallocation_decide(
    *,
    actor: User,
    request_id: int,
    crn: str,
    accept: bool,
    reason: str = "",
    decision: str | None = None,
    crc_code: str | None = None,
    team: Team | None = None,
    judgement: str = "",
) -> ReallocationRequest:
    """Accept or reject a request (see the module docstring). Rejecting needs a reason.
    Accepting needs the provider – ``decision`` "NPS", or "CRC" with ``crc_code`` (any
    CRC) – a team of that provider (of the person's NPS division for the NPS) and the
    judgement: why the case moves."""
    person = access.person_for_change(actor, crn, lock=True)
    if not may_decide(actor, person):
        raise PermissionDenied(
            "Only an NPS allocation officer of the person's division decides on a case "
            "flagged as allocated in error."
        )
    request = (
        ReallocationRequest.objects.select_for_update(of=("self",))
        .filter(person=person, pk=request_id)
        .first()
    )
    if request is None:
        raise Http404("No reallocation request found for this person.")
    request.person = person
    if request.status != ReallocationStatus.OPEN:
        decided_by = request.decided_by
        raise ValidationError(
            f"{decided_by.display_name} decided this request at "
            f"{request.decided_at:%H:%M on %-d %B %Y} ({request.get_status_display()}); "
            "nothing was changed"
        )
    sentence = Sentence.objects.select_for_update().get(pk=request.sentence_id)
    sentence.person = person
    request.sentence = sentence
    before_request = audit.snapshot(request)
    now = clock.now()
    reason = (reason or "").strip()

    if not accept:
        if not reason:
            raise ValidationError({"reason": "Enter why the allocation stands"})
        request.status = ReallocationStatus.REJECTED
        request.decided_at, request.decided_by, request.decision_reason = now, actor, reason
        request.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
        audit.record_update(actor=actor, instance=request, before=before_request)
        _tell_the_flagger(request, moved=False)
        return request

    if sentence.status != SentenceStatus.ACTIVE:
        raise ValidationError(
            "Only an active sentence can be reallocated: reject the request if the allocation "
            "stands"
        )
    current = current_decision(sentence)
    provider, errors = _new_provider(person, decision, crc_code)
    judgement = (judgement or "").strip()
    if not judgement:
        errors["judgement"] = "Enter your judgement: why the case moves"
    if team is None:
        errors["team"] = "Choose the team that will manage the case"
    elif provider is not None:
        owner = addressee(provider, person)
        if team.organisation_id != owner.pk:
            errors["team"] = f"Choose a team of {owner.name}"
    if errors:
        raise ValidationError(errors)

    # The rules again, on the inputs the decision in error recorded (its evidence).
    inputs = {k: v for k, v in current.inputs.items() if k in services.INPUT_FIELDS}
    facts = services.facts_for(person, sentence, inputs)
    recommendation = allocate(facts)
    before_person = services.hand_over(
        actor=actor, person=person, provider=provider, team=team, offender_manager=None, at=now
    )
    pbr_provider = provider if decision == Decision.CRC else None
    before_sentence = audit.snapshot(sentence)
    sentence.pbr_provider = pbr_provider
    sentence._history_user = actor
    sentence.save(update_fields=["pbr_provider", "updated_at"])
    snapshot = services._snapshot(facts)
    if "rsr" in current.inputs:
        snapshot["rsr"] = current.inputs["rsr"]
    moved = AllocationDecision.objects.create(
        sentence=sentence,
        person=person,
        kind=AllocationKind.REALLOCATION,
        replaces=current,
        point=current.point,
        division_id=person.ldu.division_id,
        recommended_decision=recommendation.decision,
        recommended_rule=recommendation.rule,
        reasons=recommendation.reasons,
        inputs=snapshot,
        decision=decision,
        judgement=judgement,
        organisation=provider,
        team=team,
        pbr_provider=pbr_provider,
        due_by=current.due_by,
        within_deadline=current.within_deadline,
        decided_at=now,
        decided_by=actor,
    )
    request.status = ReallocationStatus.ACCEPTED
    request.decided_at, request.decided_by, request.decision_reason = now, actor, reason
    request.result = moved
    request.save(update_fields=["status", "decided_at", "decided_by", "decision_reason", "result"])
    audit.record_create(actor=actor, instance=moved)
    audit.record_update(actor=actor, instance=person, before=before_person)
    audit.record_update(actor=actor, instance=sentence, before=before_sentence)
    audit.record_update(actor=actor, instance=request, before=before_request)
    notify.allocation_received(moved)
    _tell_the_flagger(request, moved=True)
    return request


def _new_provider(person: Person, decision, crc_code) -> tuple[Organisation | None, dict]:
    """The provider an accepted request moves the case to, and the errors in choosing it."""
    errors = {}
    provider = None
    if decision == Decision.NPS:
        provider = Organisation.objects.get(code=NPS_CODE)
    elif decision == Decision.CRC:
        provider = _provider(crc_code) if crc_code else None
        if provider is None or provider.kind != OrganisationKind.CRC:
            errors["crc_code"] = "Choose the CRC that will manage the case"
            provider = None
    else:
        errors["decision"] = "Select the NPS or a CRC"
    if provider is not None and provider.pk == person.responsible_provider_id:
        field = "decision" if decision == Decision.NPS else "crc_code"
        errors[field] = (
            f"{provider.name} is responsible for the case already: choose another provider, "
            "or reject the request"
        )
        provider = None
    return provider, errors


def _tell_the_flagger(request: ReallocationRequest, *, moved: bool) -> None:
    """Tell the organisation that flagged the case what the NPS decided. When the case left
    that organisation it can no longer open the case, so the notice then names only the
    sentence and the outcome (no name, no judgement, no link) and is not tied to the
    person."""
    flagger = request.raised_by_organisation
    sentence, person = request.sentence, request.person
    if moved:
        outcome = f"reallocated to {request.result.organisation.name}"
        still_theirs = (
            flagger.is_nps
            if request.result.organisation.is_nps
            else (request.result.organisation_id == flagger.pk)
        )
    else:
        outcome = "the allocation stands"
        still_theirs = True
    team = request.raised_by.team if request.raised_by.team_id else None
    if team is not None and team.organisation_id != flagger.pk:
        team = None
    send(
        kind=NotificationKind.REALLOCATION_DECIDED,
        organisation=flagger,
        team=team,
        person=person if still_theirs else None,
        title=(
            f"{person.full_name} ({sentence.reference}): {outcome}"
            if still_theirs
            else f"Sentence {sentence.reference} flagged as allocated in error: {outcome}"
        ),
        body=(request.decision_reason or (request.result.judgement if moved else ""))
        if still_theirs
        else "",
        url=reverse("allocation:allocate", args=[person.crn, sentence.number])
        if still_theirs
        else "",
        key=f"reallocation-decided:{request.pk}",
    )
