"""Failures to comply and the responsible officer's enforcement decision (DOMAIN.md 6; TOM
1.4 "Enforcement"): recording a failure, directly or from a contact's outcome, and deciding
on it with only the options ``enforcement.rules`` allows – a warning (with its letter), a
referral to an NPS enforcement officer (with the pre-breach pack), notice to HMCTS for a
Senior Attendance Centre order, or a reasonable excuse accepted. A recall request on a
licence is ``enforcement.recalls``'s.

Every move goes through the failure's transition table (``enforcement.workflows.FAILURE``):
``check`` before anything changes, then ``advance``, which records the event and the audit
row. Services lock the person's row first, then the failure's (no joins), so two officers
deciding the same failure are served one after the other and the second is told who decided.

Which sentences a failure can be recorded on: an active sentence probation supervises
(``ENFORCEABLE_MANAGEMENT``: managed, or a Senior Attendance Centre order's attendance
only), on the date of the failure running as an order, a licence or post-sentence
supervision (``selectors.enforced_as``).

From a contact (``contact_outcome_recorded``, called by ``probation.contacts``): an outcome
of unacceptable absence or attended – failed to comply (``FAILURE_OUTCOMES``) opens one
failure for that contact, on the sentence the contact names or, when it names none, on the
person's only enforceable sentence that day; with none or several to choose from, nothing is
opened and the officer records the failure on the case's failure page. A contact opens one
failure at most (``Failure.contact`` is one-to-one): changing the outcome again never opens
a second. If the outcome is changed to one that is not a failure while the failure is still
undecided, the failure is closed as "reasonable excuse accepted" with a note saying so
(the failure it recorded no longer stands); a failure already decided keeps its decision.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from enforcement import selectors
from enforcement.models import BreachReferral, BreachState, Failure, FailureState
from enforcement.rules import EnforcedSentence
from enforcement.workflows import BREACH_REFERRAL, FAILURE
from probation import access, audit, clock, documents
from probation.models import (
    APPOINTMENT_TYPES,
    Contact,
    DocumentKind,
    NotificationKind,
    Organisation,
    Outcome,
    Person,
    Sentence,
    Team,
    User,
)
from probation.models.contacts import FAILURE_OUTCOMES
from probation.models.sentences import Management, SentenceStatus
from probation.notifications import notify
from probation.selectors import current_assignment

# The responsible officer's decisions taken here; ``request_recall`` is enforcement.recalls'.
DECISIONS = ("warn", "refer", "notify_hmcts", "accept_excuse")
# Decisions that need the officer's words: the account that goes in the pre-breach pack,
# and the excuse accepted.
NOTES_REQUIRED = {
    "refer": "Enter your account of the failure for the pre-breach pack",
    "accept_excuse": "Enter the excuse you accepted and why it is reasonable",
}
ENFORCEABLE_MANAGEMENT = frozenset({Management.MANAGED, Management.ATTENDANCE_ONLY})
# How many appointments the pre-breach pack lists in the compliance history.
PACK_APPOINTMENTS = 20

WARNING_TEMPLATE = "enforcement/documents/warning_letter.html"
PACK_TEMPLATE = "enforcement/documents/pre_breach_pack.html"


# --- Reads -----------------------------------------------------------------------------------


def failure_of(user: User, crn: str, failure_id: int) -> Failure:
    """A failure of a person the user may see; 404 otherwise (a failure of another person
    under a visible CRN is missing too)."""
    failure = access.record_of(
        user,
        crn,
        Failure.objects.select_related(
            "sentence", "contact", "provider", "recorded_by", "decided_by", "warning_letter"
        ),
        failure_id,
        missing="No failure to comply found for this person.",
    )
    failure.sentence.person = failure.person
    return failure


def enforceable_sentences(person: Person) -> list[Sentence]:
    """The person's sentences a failure may be recorded on (active and supervised)."""
    return list(
        Sentence.objects.filter(
            person=person, status=SentenceStatus.ACTIVE, management__in=ENFORCEABLE_MANAGEMENT
        ).order_by("number")
    )


def may_record(user: User, person: Person) -> bool:
    return access.is_responsible_officer(user, person)


def case_audience(person: Person) -> tuple[Organisation, Team | None]:
    """Who hears about the case: the team managing it, else the responsible CRC, or for an
    NPS case the person's division (NPS staff belong to divisions)."""
    assignment = current_assignment(person)
    if assignment is not None:
        return assignment.team.organisation, assignment.team
    provider = person.responsible_provider
    if provider.is_nps:
        return person.ldu.division, None
    return provider, None


# --- Recording a failure -----------------------------------------------------------------------


def _enforced_as(sentence: Sentence | None, failure_date, today: datetime.date) -> str:
    """What the failure is a failure of, or a ``ValidationError`` naming every problem."""
    errors = {}
    if sentence is not None and sentence.status != SentenceStatus.ACTIVE:
        errors["sentence_number"] = (
            f"Sentence {sentence.reference} has ended: a failure can be recorded only on an "
            "active sentence"
        )
    elif sentence is not None and sentence.management not in ENFORCEABLE_MANAGEMENT:
        errors["sentence_number"] = (
            f"Sentence {sentence.reference} is not supervised by probation "
            f"({sentence.get_management_display().lower()}), so it is not enforced here"
        )
    if not isinstance(failure_date, datetime.date):
        errors["failure_date"] = "Enter the date of the failure"
    elif failure_date > today:
        errors["failure_date"] = "The date of the failure must be today or in the past"
    elif sentence is not None and failure_date < sentence.sentence_date:
        errors["failure_date"] = (
            "The date of the failure must be on or after the date of sentence, "
            f"{sentence.sentence_date:%-d %B %Y}"
        )
    if errors or sentence is None:
        raise ValidationError(errors)
    return selectors.enforced_as(sentence, failure_date)


def _open(
    *,
    actor: User,
    person: Person,
    sentence: Sentence,
    enforced_as: str,
    failure_date: datetime.date,
    description: str,
    contact: Contact | None,
) -> Failure:
    failure = Failure(
        person=person,
        sentence=sentence,
        enforced_as=enforced_as,
        failure_date=failure_date,
        contact=contact,
        description=description,
        provider_id=person.responsible_provider_id,
        recorded_by=actor,
    )
    try:
        with transaction.atomic():
            FAILURE.open(failure, state=FailureState.AWAITING_DECISION, actor=actor)
    except IntegrityError:
        raise ValidationError(
            {"contact": "A failure to comply is already recorded for this contact"}
        ) from None
    _tell_the_case(
        failure,
        title=f"Failure to comply to decide: {person.full_name} ({sentence.reference})",
        body=f"{failure.get_enforced_as_display()}, {failure_date:%-d %B %Y}: {description}",
        key=f"failure:{failure.pk}:opened",
    )
    return failure


@transaction.atomic
def failure_record(
    *,
    actor: User,
    crn: str,
    sentence_number: int | None,
    failure_date: datetime.date | None,
    description: str,
    contact: Contact | int | None = None,
) -> Failure:
    """Record a failure to comply on one of the person's sentences, waiting for the
    responsible officer's decision. By the responsible officer only; ``contact`` (the
    contact whose outcome was the failure, if any) must be one of the person's with a
    failure outcome and no failure recorded yet."""
    person = access.person_for_change(actor, crn, lock=True)
    if not may_record(actor, person):
        raise PermissionDenied(
            "Only the responsible officer of the provider managing the case can record a "
            "failure to comply."
        )
    errors = {}
    sentence = None
    if sentence_number in (None, ""):
        errors["sentence_number"] = "Select the sentence the failure is on"
    else:
        sentence = Sentence.objects.filter(person=person, number=sentence_number).first()
        if sentence is None:
            errors["sentence_number"] = "Select one of this person's sentences"
    description = (description or "").strip()
    if not description:
        errors["description"] = "Describe the failure to comply"
    if contact is not None:
        contact_id = contact.pk if isinstance(contact, Contact) else contact
        contact = Contact.objects.filter(person=person, pk=contact_id).first()
        if contact is None:
            errors["contact"] = "Select one of this person's contacts"
        elif contact.outcome not in FAILURE_OUTCOMES:
            errors["contact"] = "The contact's outcome is not a failure to comply"
        elif Failure.objects.filter(contact=contact).exists():
            errors["contact"] = "A failure to comply is already recorded for this contact"
    try:
        enforced_as = _enforced_as(sentence, failure_date, clock.today())
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, messages[0])
    if errors:
        raise ValidationError(errors)
    sentence.person = person
    return _open(
        actor=actor,
        person=person,
        sentence=sentence,
        enforced_as=enforced_as,
        failure_date=failure_date,
        description=description,
        contact=contact,
    )


def _sentence_of_contact(contact: Contact, person: Person, on: datetime.date):
    """The sentence a contact's failure is on and what is enforced, or None (see the module
    docstring)."""
    today = clock.today()
    candidates = [contact.sentence] if contact.sentence_id else enforceable_sentences(person)
    found = []
    for sentence in candidates:
        try:
            found.append((sentence, _enforced_as(sentence, on, today)))
        except ValidationError:
            continue
    return found[0] if len(found) == 1 else None


def contact_outcome_recorded(*, actor: User, contact: Contact, previous_outcome: str = ""):
    """Called by ``probation.contacts`` inside its transaction whenever a contact is saved
    (see the module docstring): opens the contact's failure, or closes an undecided one
    whose outcome no longer stands. Returns the failure opened, if any."""
    if contact.outcome not in FAILURE_OUTCOMES and previous_outcome not in FAILURE_OUTCOMES:
        return None  # nothing to open or close: no query for the everyday contact
    person = contact.person
    existing = Failure.objects.select_for_update(of=("self",)).filter(contact=contact).first()
    if contact.outcome in FAILURE_OUTCOMES:
        if existing is not None:
            return None
        on = timezone.localdate(contact.starts_at)
        chosen = _sentence_of_contact(contact, person, on)
        if chosen is None:
            return None
        sentence, enforced_as = chosen
        sentence.person = person
        description = (
            f"{contact.get_outcome_display()}: {contact.get_contact_type_display().lower()} "
            f"on {timezone.localtime(contact.starts_at):%-d %B %Y at %H:%M}"
        )
        if contact.notes.strip():
            description += f". {contact.notes.strip()}"
        return _open(
            actor=actor,
            person=person,
            sentence=sentence,
            enforced_as=enforced_as,
            failure_date=on,
            description=description,
            contact=contact,
        )
    if existing is not None and existing.state == FailureState.AWAITING_DECISION:
        existing.person = person
        before = audit.snapshot(existing)
        existing.decided_by, existing.decided_at = actor, clock.now()
        outcome = contact.get_outcome_display().lower() if contact.outcome else "not recorded"
        existing.decision_notes = (
            f"The contact's outcome was changed from {Outcome(previous_outcome).label.lower()} "
            f"to {outcome}: the failure no longer stands."
        )
        # The responsible officer's decision, taken by the system for them: whoever may
        # correct the contact may withdraw the failure it recorded.
        FAILURE.advance(
            existing,
            "accept_excuse",
            actor=actor,
            notes=existing.decision_notes,
            before=before,
            system=True,
        )
    return None


# --- Deciding ----------------------------------------------------------------------------------


def _locked_failure(person: Person, failure_id: int) -> Failure:
    failure = (
        Failure.objects.select_for_update(of=("self",)).filter(person=person, pk=failure_id).first()
    )
    if failure is None:
        raise Http404("No failure to comply found for this person.")
    failure.person = person
    return failure


def options_record(failure: Failure, options) -> dict:
    """The rule's answer as stored with the decision (its evidence)."""
    return {
        "sentence_type": failure.enforced_as,
        "failure_date": failure.failure_date.isoformat(),
        "previous_warnings": [d.isoformat() for d in selectors.previous_warnings(failure)],
        "warning_allowed": options.warning_allowed,
        "referral_to": str(options.referral_to),
        "nps_endorsement_required": options.nps_endorsement_required,
        "reasons": list(options.reasons),
    }


@transaction.atomic
def failure_decide(
    *, actor: User, crn: str, failure_id: int, action: str, notes: str = ""
) -> Failure:
    """The responsible officer's decision on a failure (``DECISIONS``): ``warn`` (dated
    today, with the warning letter), ``refer`` (a breach referral to the NPS enforcement
    officers of the person's division, with the pre-breach pack), ``notify_hmcts`` or
    ``accept_excuse``. Refused unless the rules offer it for this failure now."""
    if action not in DECISIONS:
        raise ValidationError({"action": "Select what you will do about the failure"})
    person = access.person_for_change(actor, crn, lock=True)
    failure = _locked_failure(person, failure_id)
    FAILURE.check(failure, action, actor=actor)
    notes = (notes or "").strip()
    if action in NOTES_REQUIRED and not notes:
        raise ValidationError({"notes": NOTES_REQUIRED[action]})
    sentence = Sentence.objects.get(pk=failure.sentence_id)
    sentence.person = person
    failure.sentence = sentence
    options = selectors.options_for(failure)
    before = audit.snapshot(failure)
    now, today = clock.now(), clock.today()
    failure.decided_by, failure.decided_at, failure.decision_notes = actor, now, notes
    failure.options = options_record(failure, options)
    referral = None
    if action == "warn":
        failure.warned_on = today
        failure.warning_letter = _warning_letter(actor, failure, today)
    elif action == "refer":
        referral = _refer(actor, failure, notes)
    elif action == "notify_hmcts":
        failure.hmcts_notified_on = today
    FAILURE.advance(failure, action, actor=actor, notes=notes, before=before, at=now)
    if referral is not None:
        tell_the_division(
            referral,
            title=f"Breach referral to decide: {person.full_name} ({sentence.reference})",
            body=f"Referred by {referral.referred_by_organisation.name}: {notes}",
        )
    return failure


def consequences(enforced_as: str) -> str:
    """What a further failure can lead to, for the warning letter."""
    if enforced_as == EnforcedSentence.COMMUNITY_ORDER:
        return (
            "If you fail to comply again within the next 12 months, you will be referred to "
            "the National Probation Service for breach proceedings and may be taken back to "
            "court. The court may fine you, make the order more demanding, or revoke it and "
            "sentence you again for the original offence."
        )
    if enforced_as == EnforcedSentence.SUSPENDED_SENTENCE_ORDER:
        return (
            "If you fail to comply again within the next 12 months, you will be referred to "
            "the National Probation Service for breach proceedings and may be taken back to "
            "court. The court may order that the suspended prison sentence takes effect, fine "
            "you, or make the order more demanding."
        )
    if enforced_as == EnforcedSentence.LICENCE:
        return "If you fail to comply with your licence again, you may be recalled to prison."
    if enforced_as == EnforcedSentence.PSS:
        return (
            "If you fail to comply again, you may be taken to the magistrates' court, which "
            "may fine you, make a supervision default order (unpaid work or a curfew), or "
            "send you to custody for up to 14 days."
        )
    return "If you fail to comply again, HM Courts & Tribunals Service will be told."


def _warning_letter(actor: User, failure: Failure, today: datetime.date):
    sentence = failure.sentence
    return documents.document_create(
        actor=actor,
        person=failure.person,
        kind=DocumentKind.WARNING_LETTER,
        title=f"Warning letter: {sentence.reference}, failure of {failure.failure_date:%-d %B %Y}",
        template=WARNING_TEMPLATE,
        context={
            "failure": failure,
            "sentence": sentence,
            "warned_on": today,
            "officer": actor,
            "provider": actor.organisation,
            "consequences": consequences(failure.enforced_as),
            "previous_warnings": selectors.previous_warnings(failure),
        },
        workflow=FAILURE.name,
        record_id=failure.pk,
    )


def pre_breach_pack(actor: User, failure: Failure, account: str, *, replaces=None):
    """Render and store the pre-breach pack: the person, the order and its requirements,
    the failures on it, the warnings given, the compliance history from the contacts and
    the officer's account. Linked to its referral by the caller."""
    sentence, person = failure.sentence, failure.person
    failures = list(
        Failure.objects.filter(sentence=sentence, enforced_as=failure.enforced_as)
        .select_related("decided_by")
        .order_by("failure_date", "pk")
    )
    appointments = Contact.objects.filter(person=person, contact_type__in=APPOINTMENT_TYPES).filter(
        Q(sentence=sentence) | Q(sentence__isnull=True)
    )
    recorded = appointments.exclude(outcome="")
    counts = {
        row["outcome"]: row["n"] for row in recorded.values("outcome").annotate(n=Count("pk"))
    }
    compliance = [(label, counts.get(value, 0)) for value, label in Outcome.choices]
    return documents.document_create(
        actor=actor,
        person=person,
        kind=DocumentKind.PRE_BREACH_PACK,
        title=f"Pre-breach pack: {sentence.reference}, failure of {failure.failure_date:%-d %B %Y}",
        template=PACK_TEMPLATE,
        context={
            "failure": failure,
            "sentence": sentence,
            "requirements": list(sentence.requirements.order_by("pk")),
            "failures": failures,
            "warnings": [f for f in failures if f.warned_on],
            "compliance": compliance,
            "appointments": list(
                recorded.select_related("staff").order_by("-starts_at", "-pk")[:PACK_APPOINTMENTS]
            ),
            "account": account,
            "officer": actor,
            "provider": actor.organisation,
            "assignment": current_assignment(person),
        },
        replaces=replaces,
    )


def _refer(actor: User, failure: Failure, account: str) -> BreachReferral:
    person = failure.person
    pack = pre_breach_pack(actor, failure, account)
    referral = BreachReferral(
        person=person,
        failure=failure,
        sentence=failure.sentence,
        referred_by=actor,
        referred_by_organisation=actor.organisation,
        division_id=person.ldu.division_id,
        pre_breach_pack=pack,
    )
    try:
        with transaction.atomic():
            BREACH_REFERRAL.open(
                referral, state=BreachState.AWAITING_EO, actor=actor, notes=account
            )
    except IntegrityError:
        raise ValidationError("This failure has just been referred by someone else") from None
    link_document(pack, referral)
    return referral


def link_document(document, referral: BreachReferral) -> None:
    """A pack is rendered before its referral exists (the referral needs it); it is tied to
    the referral in the same transaction, so it is never seen unlinked."""
    type(document).objects.filter(pk=document.pk).update(
        workflow=BREACH_REFERRAL.name, record_id=referral.pk
    )
    document.workflow, document.record_id = BREACH_REFERRAL.name, referral.pk


# --- Telling people ----------------------------------------------------------------------------


def failure_url(failure: Failure) -> str:
    return reverse("enforcement:failure", args=[failure.person.crn, failure.pk])


def referral_url(referral: BreachReferral) -> str:
    return reverse("enforcement:breach_referral", args=[referral.person.crn, referral.pk])


def _tell_the_case(failure: Failure, *, title: str, body: str, key: str) -> None:
    organisation, team = case_audience(failure.person)
    notify(
        kind=NotificationKind.ENFORCEMENT,
        organisation=organisation,
        team=team,
        person=failure.person,
        title=title,
        body=body,
        url=failure_url(failure),
        key=key,
    )


def tell_the_division(referral: BreachReferral, *, title: str, body: str = "") -> None:
    """The NPS enforcement officers of the referral's division."""
    notify(
        kind=NotificationKind.ENFORCEMENT,
        organisation=referral.division,
        role="NPS_ENFORCEMENT_OFFICER",
        person=referral.person,
        title=title,
        body=body,
        url=referral_url(referral),
        key=f"breach-referral-to-eo:{referral.pk}:{referral.state}:"
        f"{referral.step_started_at:%Y%m%d%H%M%S%f}",
    )
