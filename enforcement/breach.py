"""Breach referrals to an NPS enforcement officer (DOMAIN.md 6; TOM 1.4 "Enforcement"): a
failure on a Community Order, SSO or post-sentence supervision referred by the responsible
officer with the pre-breach pack (``enforcement.failures.failure_decide``, action
``refer``). An enforcement officer of the person's division decides – court action, no
further action, or back to the responsible officer with advice – and, after court action,
records the court's outcome. A referral returned with advice is sent back with a new
pre-breach pack or closed by the responsible officer; one still waiting may be withdrawn.

Each step goes through ``enforcement.workflows.BREACH_REFERRAL`` (who may act, from which
state) and tells the other side. Two enforcement officers deciding at once: both lock the
person's row first, then the referral's, so the second finds it decided and the engine's
refusal names who decided and when.

Court outcomes allowed by what is enforced (``OUTCOMES``): the court may amend, fine, or
revoke and resentence a Community Order; activate the prison term of an SSO (or amend or
fine); fine or make a supervision default order on post-sentence supervision. Revocation
and activation end the sentence: it is terminated through ``probation.terminations``
(reasons BREACH_RESENTENCED and SSO_ACTIVATED, with the court told) by the enforcement
officer, whose division-wide role may change the case.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from enforcement import failures
from enforcement.models import BreachReferral, BreachState, CourtOutcome, Failure
from enforcement.rules import EnforcedSentence
from enforcement.workflows import BREACH_REFERRAL
from probation import access, audit, clock, terminations
from probation.models import NotificationKind, Person, Sentence, User
from probation.models.sentences import SentenceStatus, TerminationReason
from probation.notifications import notify

EO_DECISIONS = {
    "decide_court_action": "Enter why the breach goes to court",
    "decide_no_further_action": "Enter why no further action will be taken",
    "return_with_advice": "Enter your advice to the responsible officer",
}
_NOT_PROVEN_OR_FINE = (CourtOutcome.NOT_PROVEN, CourtOutcome.FINE)
OUTCOMES = {
    EnforcedSentence.COMMUNITY_ORDER: (
        *_NOT_PROVEN_OR_FINE,
        CourtOutcome.AMENDED,
        CourtOutcome.REVOKED_RESENTENCED,
    ),
    EnforcedSentence.SUSPENDED_SENTENCE_ORDER: (
        *_NOT_PROVEN_OR_FINE,
        CourtOutcome.AMENDED,
        CourtOutcome.SSO_ACTIVATED,
    ),
    EnforcedSentence.PSS: (*_NOT_PROVEN_OR_FINE, CourtOutcome.SUPERVISION_DEFAULT_ORDER),
}
# Outcomes that end the sentence, and the reason recorded.
TERMINATING = {
    CourtOutcome.REVOKED_RESENTENCED: TerminationReason.BREACH_RESENTENCED,
    CourtOutcome.SSO_ACTIVATED: TerminationReason.SSO_ACTIVATED,
}
# What the enforcement officers' queue shows: waiting for their decision, then waiting
# for the court.
QUEUE_STATES = (BreachState.AWAITING_EO, BreachState.COURT_ACTION)

_RELATED = (
    "sentence",
    "failure",
    "referred_by",
    "referred_by_organisation",
    "division",
    "pre_breach_pack",
    "decided_by",
)


# --- Reads -----------------------------------------------------------------------------------


def referral_of(user: User, crn: str, referral_id: int) -> BreachReferral:
    """A referral of a person the user may see; 404 otherwise."""
    referral = access.record_of(
        user,
        crn,
        BreachReferral.objects.select_related(*_RELATED),
        referral_id,
        missing="No breach referral found for this person.",
    )
    referral.failure.person = referral.person
    referral.sentence.person = referral.person
    return referral


def outcomes_for(referral: BreachReferral) -> tuple[str, ...]:
    return OUTCOMES.get(referral.failure.enforced_as, _NOT_PROVEN_OR_FINE)


def eo_queue(user: User) -> QuerySet[BreachReferral]:
    """Referrals waiting on the user's NPS division, of people the user may see: waiting
    for an enforcement officer's decision first (overdue first, then soonest due), then
    those at court waiting for the outcome (soonest hearing first)."""
    organisation_id = user.organisation_id if user.is_authenticated else None
    referrals = access.records_visible_to(
        user, BreachReferral.objects.filter(division_id=organisation_id, state__in=QUEUE_STATES)
    )
    return referrals.select_related(
        "person",
        "person__ldu",
        "sentence",
        "failure",
        "referred_by_organisation",
    ).order_by(
        Case(
            When(state=BreachState.AWAITING_EO, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        "due_by",
        "hearing_on",
        "opened_at",
        "pk",
    )


# --- Steps -------------------------------------------------------------------------------------


def _locked(actor: User, crn: str, referral_id: int) -> tuple[Person, BreachReferral]:
    person = access.person_for_change(actor, crn, lock=True)
    referral = (
        BreachReferral.objects.select_for_update(of=("self",))
        .filter(person=person, pk=referral_id)
        .first()
    )
    if referral is None:
        raise Http404("No breach referral found for this person.")
    referral.person = person
    return person, referral


def _required(text: str, field: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: message})
    return text


@transaction.atomic
def breach_referral_decide(
    *,
    actor: User,
    crn: str,
    referral_id: int,
    action: str,
    eo_reasons: str,
    court: str = "",
    hearing_on: datetime.date | None = None,
) -> BreachReferral:
    """The enforcement officer's decision (``EO_DECISIONS``), with the reasons or advice;
    court action may name the court (default: the sentencing court) and the hearing date."""
    if action not in EO_DECISIONS:
        raise ValidationError({"action": "Select your decision"})
    person, referral = _locked(actor, crn, referral_id)
    BREACH_REFERRAL.check(referral, action, actor=actor)
    eo_reasons = _required(eo_reasons, "eo_reasons", EO_DECISIONS[action])
    before = audit.snapshot(referral)
    referral.decided_by, referral.decided_at, referral.eo_reasons = actor, clock.now(), eo_reasons
    if action == "decide_court_action":
        sentence = Sentence.objects.only("court").get(pk=referral.sentence_id)
        referral.court = (court or "").strip()[:200] or sentence.court
        referral.hearing_on = hearing_on
    BREACH_REFERRAL.advance(referral, action, actor=actor, notes=eo_reasons, before=before)
    label = BreachState(referral.state).label
    _tell_the_referrer(referral, title=f"Breach referral of {person.full_name}: {label}")
    return referral


@transaction.atomic
def breach_referral_court_outcome(
    *,
    actor: User,
    crn: str,
    referral_id: int,
    court_outcome: str,
    court_outcome_on: datetime.date | None,
    notes: str = "",
) -> BreachReferral:
    """Record the court's outcome after court action. Revocation and resentence, or an SSO
    activated, terminate the sentence (see the module docstring)."""
    person, referral = _locked(actor, crn, referral_id)
    BREACH_REFERRAL.check(referral, "record_court_outcome", actor=actor)
    failure = Failure.objects.only("enforced_as", "failure_date").get(pk=referral.failure_id)
    referral.failure = failure
    errors = {}
    allowed = outcomes_for(referral)
    if court_outcome not in allowed:
        errors["court_outcome"] = (
            "Select the court's outcome"
            if court_outcome not in CourtOutcome.values
            else f"A court does not decide that on a {failure.get_enforced_as_display()}: "
            f"select one of {', '.join(CourtOutcome(o).label.lower() for o in allowed)}"
        )
    opened = timezone.localdate(referral.opened_at)
    if not isinstance(court_outcome_on, datetime.date):
        errors["court_outcome_on"] = "Enter the date of the court's decision"
    elif court_outcome_on > clock.today():
        errors["court_outcome_on"] = "The date of the court's decision must be today or earlier"
    elif court_outcome_on < opened:
        errors["court_outcome_on"] = (
            f"The date of the court's decision must be on or after the referral, {opened:%-d %B %Y}"
        )
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(referral)
    referral.court_outcome = court_outcome
    referral.court_outcome_on = court_outcome_on
    referral.court_outcome_notes = (notes or "").strip()
    BREACH_REFERRAL.advance(
        referral,
        "record_court_outcome",
        actor=actor,
        notes=f"{CourtOutcome(court_outcome).label}. {referral.court_outcome_notes}".strip(),
        before=before,
    )
    reason = TERMINATING.get(court_outcome)
    sentence = Sentence.objects.only("number", "status").get(pk=referral.sentence_id)
    if reason and sentence.status == SentenceStatus.ACTIVE:
        terminations.sentence_terminate(
            actor=actor,
            crn=person.crn,
            number=sentence.number,
            terminated_on=court_outcome_on,
            reason=reason,
            notes=f"Court outcome of breach referral {referral.pk}: "
            f"{CourtOutcome(court_outcome).label}",
        )
    _tell_the_referrer(
        referral,
        title=f"Court outcome for {person.full_name}: {CourtOutcome(court_outcome).label}",
        body=referral.court_outcome_notes,
    )
    return referral


@transaction.atomic
def breach_referral_resubmit(
    *, actor: User, crn: str, referral_id: int, account: str
) -> BreachReferral:
    """The responsible officer sends a returned referral back with a new pre-breach pack
    (replacing the last) carrying their updated account."""
    person, referral = _locked(actor, crn, referral_id)
    BREACH_REFERRAL.check(referral, "resubmit", actor=actor)
    account = _required(account, "account", "Enter your account for the new pre-breach pack")
    failure = Failure.objects.select_related("sentence").get(pk=referral.failure_id)
    failure.person = failure.sentence.person = person
    before = audit.snapshot(referral)
    pack = failures.pre_breach_pack(actor, failure, account, replaces=referral.pre_breach_pack)
    failures.link_document(pack, referral)
    referral.pre_breach_pack = pack
    referral.decided_by, referral.decided_at = None, None
    BREACH_REFERRAL.advance(referral, "resubmit", actor=actor, notes=account, before=before)
    failures.tell_the_division(
        referral,
        title=f"Breach referral sent back: {person.full_name} ({failure.sentence.reference})",
        body=account,
    )
    return referral


@transaction.atomic
def breach_referral_close(*, actor: User, crn: str, referral_id: int, notes: str):
    """The responsible officer closes a returned referral on the enforcement officer's
    advice."""
    person, referral = _locked(actor, crn, referral_id)
    BREACH_REFERRAL.check(referral, "close_after_advice", actor=actor)
    notes = _required(notes, "notes", "Enter what you will do instead")
    BREACH_REFERRAL.advance(referral, "close_after_advice", actor=actor, notes=notes)
    failures.tell_the_division(
        referral, title=f"Breach referral of {person.full_name} closed after advice", body=notes
    )
    return referral


@transaction.atomic
def breach_referral_withdraw(*, actor: User, crn: str, referral_id: int, notes: str):
    """The responsible officer withdraws a referral the enforcement officer has not
    decided yet."""
    person, referral = _locked(actor, crn, referral_id)
    BREACH_REFERRAL.check(referral, "withdraw", actor=actor)
    notes = _required(notes, "notes", "Enter why the referral is withdrawn")
    BREACH_REFERRAL.advance(referral, "withdraw", actor=actor, notes=notes)
    failures.tell_the_division(
        referral, title=f"Breach referral of {person.full_name} withdrawn", body=notes
    )
    return referral


def _tell_the_referrer(referral: BreachReferral, *, title: str, body: str = "") -> None:
    """The team of the officer who referred (or their organisation)."""
    organisation = referral.referred_by_organisation
    referrer = User.objects.select_related("team").get(pk=referral.referred_by_id)
    team = referrer.team if referrer.team_id else None
    if team is not None and team.organisation_id != organisation.pk:
        team = None
    notify(
        kind=NotificationKind.ENFORCEMENT,
        organisation=organisation,
        team=team,
        person=referral.person,
        title=title,
        body=body or referral.eo_reasons,
        url=failures.referral_url(referral),
        key=f"breach-referral-to-referrer:{referral.pk}:{referral.state}:"
        f"{referral.step_started_at:%Y%m%d%H%M%S%f}",
    )
