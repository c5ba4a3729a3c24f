"""Licence recall requests to PPCS (DOMAIN.md 6; TOM 1.4 "Enforcement", "Recalled
Offenders"): the services that request, endorse, decide and withdraw, and the reads the
pages share. Who may make each move, from which state, and the deadlines are the
``RECALL_REQUEST`` table in ``enforcement.workflows``; these services lock, check, record
their facts and let the engine move the state.

- The responsible officer of the provider managing the case requests recall of a licence
  running today (``recall_request``), with the reasons and the type of recall recommended,
  optionally from an undecided failure to comply on that licence (the failure is decided
  "recall requested" in the same transaction) and linked to a risk escalation – the one
  given, else the person's open one.
- The rule (``enforcement.rules.enforcement_options``) decides the route: a recall that
  comes with a risk escalation waits for an NPS senior manager of the person's division to
  endorse it, unless the officer records an **emergency** recall – the risk too immediate
  to wait – which goes straight to PPCS, as does a recall without an escalation. An
  emergency recall needs no escalation: it is recorded either way, and PPCS decides it the
  same day (``EMERGENCY_RECALL_DECISION_BUSINESS_DAYS``).
- The senior manager endorses (``recall_endorse``) or declines with reasons
  (``recall_decline_endorsement``); PPCS revokes the licence – standard or fixed-term – or
  decides not to recall, with reasons (``recall_decide``). The engine refuses a revocation
  of an escalation-linked, non-emergency request that was not endorsed, and a database check
  constraint backs it. The requesting provider may withdraw the request until it is decided
  (``recall_withdraw``) and is told of every decision.
- A revocation never moves the case: a recalled determinate-sentence case stays with its
  CRC unless its RoSH becomes high (a risk escalation decides that); indeterminate
  sentences are managed by the NPS (``case_after_revocation``).

Two deciders at once: every service locks the person's row first, then the request's, so
two PPCS caseworkers (or two senior managers) are served one after the other; the second
finds the request decided and is told by whom (the engine's ``InvalidTransition``).
"""

import dataclasses

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse

from enforcement import selectors, workflows
from enforcement.models import (
    EscalationState,
    Failure,
    FailureState,
    RecallRequest,
    RecallState,
    RecallType,
    RiskEscalation,
)
from enforcement.rules import EnforcedSentence, EnforcementFacts, EnforcementOptions
from enforcement.rules import enforcement_options as rule
from probation import access, audit, clock
from probation.documents import document_create
from probation.models import (
    DiscretionaryCategory,
    DocumentKind,
    NotificationKind,
    Organisation,
    Person,
    Sentence,
    SentenceType,
    StandardCondition,
    User,
)
from probation.models.organisations import PPCS_CODE
from probation.notifications import notify
from probation.plans import current_plan
from probation.workflow import InvalidTransition

WORKFLOW = workflows.RECALL_REQUEST
DOCUMENT_TEMPLATE = "enforcement/documents/recall_request.html"
OPEN_STATES = (RecallState.AWAITING_ENDORSEMENT, RecallState.AWAITING_PPCS)

_RELATED = (
    "sentence",
    "failure",
    "risk_escalation",
    "requested_by",
    "requested_by_organisation",
    "division",
    "document",
    "endorsed_by",
    "decided_by",
    "waiting_on",
)


# --- Reads -----------------------------------------------------------------------------------


def recall_of(user: User, crn: str, recall_id: int) -> RecallRequest:
    """A recall request of a person the user may see, found under that person only; 404
    otherwise (a request of another person under a visible CRN is missing too)."""
    return access.record_of(
        user,
        crn,
        RecallRequest.objects.select_related(*_RELATED),
        recall_id,
        missing="No recall request found for this person.",
    )


def on_licence(person: Person, *, today=None) -> list[Sentence]:
    """The person's sentences whose licence runs today (one query)."""
    today = today or clock.today()
    sentences = Sentence.objects.filter(
        person=person, sentence_type=SentenceType.CUSTODIAL, licence_start_date__lte=today
    ).order_by("number")
    running = []
    for sentence in sentences:
        try:
            kind = selectors.enforced_as(sentence, today)
        except ValidationError:
            continue
        if kind == EnforcedSentence.LICENCE:
            sentence.person = person
            running.append(sentence)
    return running


def route(*, linked_risk_escalation: bool, emergency: bool) -> EnforcementOptions:
    """What the rules say about a recall: whether an NPS senior manager must endorse it."""
    return rule(
        EnforcementFacts(
            sentence_type=EnforcedSentence.LICENCE,
            failure_date=clock.today(),
            linked_risk_escalation=linked_risk_escalation,
            immediate_risk=emergency,
        )
    )


def linked_escalation(person: Person, escalation_id: int | None) -> RiskEscalation | None:
    """The escalation a new request would come with: the one named (of this person; 404
    otherwise), else the person's open one."""
    if escalation_id is not None:
        escalation = RiskEscalation.objects.filter(person=person, pk=escalation_id).first()
        if escalation is None:
            raise Http404("No risk escalation found for this person.")
        return escalation
    escalation = selectors.open_escalation(person.pk)
    return escalation


def case_after_revocation(recall: RecallRequest) -> str:
    """Who manages the case once the licence is revoked: the recall itself never moves it
    (DOMAIN.md 6 "Recalled determinate cases stay with the CRC unless RoSH becomes high")."""
    provider = recall.person.responsible_provider
    if recall.sentence.indeterminate:
        return (
            "An indeterminate sentence: the case is managed by the NPS, before and after the "
            "recall."
        )
    if provider.is_crc:
        return (
            f"A recalled determinate-sentence case stays with {provider.name}: the recall "
            "does not move it. It moves to the NPS only if its risk of serious harm becomes "
            "high, through a risk escalation."
        )
    return f"The case stays with {provider.name}: the recall does not move it."


def _queue(user: User, state: str) -> QuerySet[RecallRequest]:
    """Requests in ``state`` waiting on the user's organisation, of people the user may
    see: overdue first, then soonest due; on the same day emergency recalls first."""
    if not user.is_authenticated or user.organisation_id is None:
        return RecallRequest.objects.none()
    requests = RecallRequest.objects.filter(state=state, waiting_on_id=user.organisation_id)
    return (
        access.records_visible_to(user, requests)
        .select_related(
            "person",
            "person__ldu",
            "person__responsible_provider",
            "sentence",
            "requested_by",
            "requested_by_organisation",
            "risk_escalation",
        )
        .order_by("due_by", "-emergency", "opened_at", "pk")
    )


def endorsement_queue(*, user: User) -> QuerySet[RecallRequest]:
    """Requests waiting for an NPS senior manager of the user's division to endorse."""
    return _queue(user, RecallState.AWAITING_ENDORSEMENT)


def ppcs_queue(*, user: User) -> QuerySet[RecallRequest]:
    """Requests waiting for PPCS to decide."""
    return _queue(user, RecallState.AWAITING_PPCS)


def recall_url(recall: RecallRequest) -> str:
    return reverse("enforcement:recall_request", args=[recall.person.crn, recall.pk])


# --- Requesting ------------------------------------------------------------------------------


def _ppcs() -> Organisation:
    return Organisation.objects.get(code=PPCS_CODE)


def _failure(person: Person, failure_id: int, sentence: Sentence | None, actor: User, errors):
    failure = (
        Failure.objects.select_for_update(of=("self",)).filter(person=person, pk=failure_id).first()
    )
    if failure is None:
        errors["failure_id"] = "No such failure to comply for this person"
        return None
    failure.person = person
    if failure.enforced_as != EnforcedSentence.LICENCE:
        errors["failure_id"] = (
            f"The failure to comply of {failure.failure_date:%-d %B %Y} was a failure on a "
            f"{failure.get_enforced_as_display().lower()}, not on a licence: it cannot lead "
            "to recall"
        )
    elif sentence is not None and failure.sentence_id != sentence.pk:
        errors["failure_id"] = (
            f"The failure to comply of {failure.failure_date:%-d %B %Y} was on another "
            f"sentence, not sentence {sentence.number}"
        )
    elif failure.state != FailureState.AWAITING_DECISION:
        errors["failure_id"] = (
            f"The failure to comply of {failure.failure_date:%-d %B %Y} is decided already "
            f"({FailureState(failure.state).label.lower()})"
        )
    else:
        try:
            workflows.FAILURE.check(failure, "request_recall", actor=actor)
        except InvalidTransition as error:
            errors["failure_id"] = error.messages
    return failure


def _escalation(person: Person, escalation_id: int | None, errors) -> RiskEscalation | None:
    if escalation_id is None:
        return selectors.open_escalation(person.pk)
    escalation = RiskEscalation.objects.filter(person=person, pk=escalation_id).first()
    if escalation is None:
        errors["risk_escalation_id"] = "No such risk escalation for this person"
    elif escalation.state == EscalationState.WITHDRAWN:
        errors["risk_escalation_id"] = "That risk escalation was withdrawn: it cannot be linked"
    return escalation


@transaction.atomic
def recall_request(
    *,
    actor: User,
    crn: str,
    sentence_number: int,
    reasons: str,
    recommended_type: str,
    emergency: bool = False,
    failure_id: int | None = None,
    risk_escalation_id: int | None = None,
) -> RecallRequest:
    """Request PPCS to revoke the licence of sentence ``sentence_number`` (see the module
    docstring). Generates and stores the recall request document."""
    person = access.person_for_change(actor, crn, lock=True)
    if not access.is_responsible_officer(actor, person):
        raise PermissionDenied(
            "Only the responsible officer of the provider managing the case can request recall."
        )
    today = clock.today()
    errors: dict = {}
    sentence = Sentence.objects.filter(person=person, number=sentence_number).first()
    if sentence is None:
        errors["sentence_number"] = "No sentence with that number for this person"
    else:
        sentence.person = person
        try:
            kind = selectors.enforced_as(sentence, today)
        except ValidationError:
            kind = None
        if kind != EnforcedSentence.LICENCE:
            errors["sentence_number"] = (
                f"{person.full_name} is not on licence today under sentence {sentence.number}: "
                "only a licence can be revoked"
            )
            sentence = None
    reasons = (reasons or "").strip()
    if not reasons:
        errors["reasons"] = "Enter why the licence should be revoked"
    if recommended_type not in RecallType.values:
        errors["recommended_type"] = "Select the type of recall you recommend"
    failure = _failure(person, failure_id, sentence, actor, errors) if failure_id else None
    escalation = _escalation(person, risk_escalation_id, errors)
    if errors:
        raise ValidationError(errors)
    waiting = RecallRequest.objects.filter(sentence=sentence, state__in=OPEN_STATES).first()
    if waiting is not None:
        raise ValidationError(
            {
                "sentence_number": f"A recall request for sentence {sentence.number} is open "
                f"already ({waiting.opened_at:%-d %B %Y}, "
                f"{RecallState(waiting.state).label.lower()}): nothing was changed"
            }
        )

    options = route(linked_risk_escalation=escalation is not None, emergency=emergency)
    state = (
        RecallState.AWAITING_ENDORSEMENT
        if options.nps_endorsement_required
        else RecallState.AWAITING_PPCS
    )
    division = person.ldu.division
    document = document_create(
        actor=actor,
        person=person,
        kind=DocumentKind.RECALL_REQUEST,
        title=f"Recall request: {person.full_name}, sentence {sentence.number}",
        template=DOCUMENT_TEMPLATE,
        context=_document_context(
            person=person,
            sentence=sentence,
            reasons=reasons,
            recommended_type=recommended_type,
            emergency=emergency,
            escalation=escalation,
            failure=failure,
            options=options,
            division=division,
        ),
    )
    recall = RecallRequest(
        person=person,
        sentence=sentence,
        failure=failure,
        risk_escalation=escalation,
        emergency=emergency,
        reasons=reasons,
        recommended_type=recommended_type,
        requested_by=actor,
        requested_by_organisation=actor.organisation,
        division=division,
        document=document,
    )
    notes = " ".join(options.reasons)
    try:
        with transaction.atomic():
            WORKFLOW.open(recall, state=state, actor=actor, notes=notes)
    except IntegrityError:
        raise ValidationError(
            {
                "sentence_number": f"A recall request for sentence {sentence.number} has just "
                "been made by someone else"
            }
        ) from None
    # The document was rendered before the request had an id (the request requires it):
    # tie it to the request now, in the same transaction.
    before = audit.snapshot(document)
    document.workflow, document.record_id = WORKFLOW.name, recall.pk
    document.save(update_fields=["workflow", "record_id"])
    audit.record_update(actor=actor, instance=document, before=before)

    if failure is not None:
        before = audit.snapshot(failure)
        failure.decided_by, failure.decided_at = actor, clock.now()
        failure.decision_notes = reasons
        failure.options = dataclasses.asdict(
            selectors.options_for(
                failure, linked_risk_escalation=escalation is not None, immediate_risk=emergency
            )
        )
        workflows.FAILURE.advance(
            failure,
            "request_recall",
            actor=actor,
            notes=f"Recall requested (recall request {recall.pk})",
            before=before,
        )
    _tell_who_acts_next(recall)
    return recall


def _document_context(
    *,
    person,
    sentence,
    reasons,
    recommended_type,
    emergency,
    escalation,
    failure,
    options,
    division,
) -> dict:
    licence = getattr(sentence, "licence", None)  # None when no licence is recorded
    conditions = [
        {
            "kind": c.get_kind_display(),
            "title": _CONDITION_TITLES.get(c.code, ""),
            "details": c.details,
        }
        for c in (licence.conditions.all() if licence is not None else [])
    ]
    return {
        "sentence": sentence,
        "licence": licence,
        "conditions": conditions,
        "reasons": reasons,
        "recommended_type": RecallType(recommended_type).label,
        "emergency": emergency,
        "escalation": escalation,
        "failure": failure,
        "plan": current_plan(person),
        "endorsement_required": options.nps_endorsement_required,
        "rule_reasons": options.reasons,
        "division": division,
        "provider": person.responsible_provider,
    }


_CONDITION_TITLES = {**dict(StandardCondition.choices), **dict(DiscretionaryCategory.choices)}


def _tell_who_acts_next(recall: RecallRequest) -> None:
    person = recall.person
    if recall.state == RecallState.AWAITING_ENDORSEMENT:
        notify(
            kind=NotificationKind.RECALL,
            organisation=recall.division,
            role="NPS_SENIOR_MANAGER",
            person=person,
            title=f"Recall of {person.full_name} ({person.crn}) to endorse",
            body=f"Requested by {recall.requested_by_organisation.name} with a risk "
            f"escalation: endorse by {recall.due_by:%-d %B %Y}.",
            url=recall_url(recall),
            key=f"recall-to-endorse:{recall.pk}",
        )
    elif recall.state == RecallState.AWAITING_PPCS:
        emergency = "Emergency recall" if recall.emergency else "Recall"
        notify(
            kind=NotificationKind.RECALL,
            organisation=_ppcs(),
            person=person,
            title=f"{emergency} of {person.full_name} ({person.crn}) to decide",
            body=f"Requested by {recall.requested_by_organisation.name}: decide by "
            f"{recall.due_by:%-d %B %Y}.",
            url=recall_url(recall),
            key=f"recall-to-decide:{recall.pk}",
        )


def _tell_the_requester(recall: RecallRequest, action: str, outcome: str, why: str) -> None:
    organisation = recall.requested_by_organisation
    team = recall.requested_by.team if recall.requested_by.team_id else None
    if team is not None and team.organisation_id != organisation.pk:
        team = None
    person = recall.person
    notify(
        kind=NotificationKind.RECALL,
        organisation=organisation,
        team=team,
        person=person,
        title=f"Recall of {person.full_name} ({person.crn}): {outcome}",
        body=why,
        url=recall_url(recall),
        key=f"recall-{action}:{recall.pk}",
    )


# --- Endorsing, deciding, withdrawing ----------------------------------------------------------


def _locked(actor: User, crn: str, recall_id: int) -> RecallRequest:
    """The request under its person, the person's row locked first, then the request's
    (404 outside the user's scope)."""
    person = access.person_for_view(actor, crn)
    person = Person.objects.select_for_update().get(pk=person.pk)
    recall = (
        RecallRequest.objects.select_for_update(of=("self",))
        .filter(person=person, pk=recall_id)
        .first()
    )
    if recall is None:
        raise Http404("No recall request found for this person.")
    recall.person = person
    return recall


@transaction.atomic
def recall_endorse(*, actor: User, crn: str, recall_id: int, notes: str = "") -> RecallRequest:
    """An NPS senior manager of the person's division endorses the request: it goes to PPCS."""
    recall = _locked(actor, crn, recall_id)
    WORKFLOW.check(recall, "endorse", actor=actor)
    before = audit.snapshot(recall)
    notes = (notes or "").strip()
    recall.endorsed_by, recall.endorsed_at = actor, clock.now()
    recall.endorsement_notes = notes
    WORKFLOW.advance(recall, "endorse", actor=actor, notes=notes, before=before)
    _tell_who_acts_next(recall)
    _tell_the_requester(
        recall, "endorsed", "endorsed by the NPS, sent to PPCS", notes or "Endorsed."
    )
    return recall


@transaction.atomic
def recall_decline_endorsement(
    *, actor: User, crn: str, recall_id: int, notes: str
) -> RecallRequest:
    """An NPS senior manager of the person's division declines to endorse, with reasons: the
    request ends (the decliner is the event's actor)."""
    recall = _locked(actor, crn, recall_id)
    WORKFLOW.check(recall, "decline_endorsement", actor=actor)
    notes = (notes or "").strip()
    if not notes:
        raise ValidationError({"notes": "Enter why you do not endorse the recall"})
    before = audit.snapshot(recall)
    recall.endorsement_notes = notes
    WORKFLOW.advance(recall, "decline_endorsement", actor=actor, notes=notes, before=before)
    _tell_the_requester(recall, "not-endorsed", "not endorsed by the NPS", notes)
    return recall


@transaction.atomic
def recall_decide(
    *,
    actor: User,
    crn: str,
    recall_id: int,
    revoke: bool,
    recall_type: str = "",
    reasons: str = "",
) -> RecallRequest:
    """PPCS revokes the licence (``recall_type`` STANDARD or FIXED_TERM) or decides not to
    recall (``reasons`` required). The case stays where it is (``case_after_revocation``)."""
    recall = _locked(actor, crn, recall_id)
    action = "revoke" if revoke else "not_revoke"
    WORKFLOW.check(recall, action, actor=actor)
    reasons = (reasons or "").strip()
    if revoke and recall_type not in RecallType.values:
        raise ValidationError({"recall_type": "Select standard or fixed-term recall"})
    if not revoke and not reasons:
        raise ValidationError({"reasons": "Enter why the licence is not revoked"})
    before = audit.snapshot(recall)
    recall.decided_by, recall.decided_at = actor, clock.now()
    recall.recall_type = recall_type if revoke else ""
    recall.decision_reasons = reasons
    WORKFLOW.advance(recall, action, actor=actor, notes=reasons, before=before)
    if revoke:
        outcome = f"licence revoked ({RecallType(recall_type).label.lower()})"
        why = " ".join(filter(None, [reasons, case_after_revocation(recall)]))
    else:
        outcome, why = "not recalled", reasons
    _tell_the_requester(recall, "decided", outcome, why)
    return recall


@transaction.atomic
def recall_withdraw(*, actor: User, crn: str, recall_id: int, reason: str) -> RecallRequest:
    """The requesting provider withdraws the request before it is decided; the reason is
    recorded with the event."""
    recall = _locked(actor, crn, recall_id)
    WORKFLOW.check(recall, "withdraw", actor=actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Enter why the request is withdrawn"})
    waited_on = recall.waiting_on
    WORKFLOW.advance(recall, "withdraw", actor=actor, notes=reason)
    if waited_on is not None:
        # Whoever was to act next (the division's senior managers, or PPCS) stops.
        notify(
            kind=NotificationKind.RECALL,
            organisation=waited_on,
            role="NPS_SENIOR_MANAGER" if waited_on.is_nps else "",
            person=recall.person,
            title=f"Recall of {recall.person.full_name} ({recall.person.crn}) withdrawn",
            body=reason,
            url=recall_url(recall),
            key=f"recall-withdrawn:{recall.pk}",
        )
    return recall
