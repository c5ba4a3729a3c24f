"""Termination of a sentence and the partners told of it (DOMAIN.md 6 "Termination": all
requirements completed -> terminate on the system and notify police and other partners).

``required_notifications`` is a pure rule over a table (``NOTIFY_ALWAYS``,
``NOTIFY_BY_REASON`` and the conditions after it), so a reviewer reads who is told of what
in one place. ``sentence_terminate`` and ``notification_sent`` are the actions; pages and
the API call them.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404

from probation import access, audit, clock
from probation.models import Person, User
from probation.models.sentences import (
    COMMUNITY_SENTENCE_TYPES,
    Partner,
    PartnerNotification,
    RequirementStatus,
    Sentence,
    SentenceStatus,
    SentenceType,
    Termination,
    TerminationReason,
)
from probation.orders import RequirementCode

# DOMAIN.md 6: the police are told of every termination.
NOTIFY_ALWAYS: tuple[str, ...] = (Partner.POLICE,)

# Who else is told, by the reason the sentence ended.
NOTIFY_BY_REASON: dict[str, tuple[str, ...]] = {
    # The court made the decision (revocation, resentence, activation): HMCTS must close
    # its record of the order and knows of the new sentence, if any.
    TerminationReason.REVOKED: (Partner.COURT,),
    TerminationReason.BREACH_RESENTENCED: (Partner.COURT,),
    TerminationReason.SSO_ACTIVATED: (Partner.COURT,),
    # DOMAIN.md 6 "Transfers out of England & Wales": for a CO/SSO the court decides, so
    # the court is told the order has left our supervision.
    TerminationReason.TRANSFERRED_OUT: (Partner.COURT,),
    # Licence revoked on recall (PPCS): the prison receiving the person back takes over.
    TerminationReason.RECALL_REVOKED: (Partner.PRISON,),
}

# Requirements delivered by a treatment provider, who must stop the treatment.
TREATMENT_REQUIREMENTS = frozenset(
    {
        RequirementCode.MENTAL_HEALTH_TREATMENT,
        RequirementCode.DRUG_REHABILITATION,
        RequirementCode.ALCOHOL_TREATMENT,
    }
)


def _term_months(sentence: Sentence) -> float:
    return (sentence.term_months or 0) + (sentence.term_days or 0) / 30.4375


def required_notifications(sentence: Sentence, reason: str) -> list[str]:
    """The partners to tell when ``sentence`` ends for ``reason``, in ``Partner`` order.

    - POLICE always (DOMAIN.md 6);
    - COURT when the court ended the order (revoked, resentenced, SSO activated) and for a
      transfer out of England and Wales (``NOTIFY_BY_REASON``);
    - PRISON for a licence revoked on recall;
    - EM_PROVIDER when the sentence has an electronically monitored requirement (a code
      ending ``_EM``) or the person was released on home detention curfew: the tag must
      come off;
    - TREATMENT_PROVIDER when the order has a mental health, drug or alcohol treatment
      requirement;
    - VICTIM_LIAISON for a custodial sentence of 12 months or more, indeterminate ones
      included (Victim Contact Scheme, the setting ``VICTIM_CONTACT_SCHEME_MIN_TERM_MONTHS``);
    - HOME_OFFICE for a foreign national (Immigration Enforcement tracks deportation
      cases, DOMAIN.md 1 and 4).

    Reads ``sentence.requirements`` and ``sentence.person``: prefetch them for many.
    """
    partners = set(NOTIFY_ALWAYS) | set(NOTIFY_BY_REASON.get(reason, ()))
    codes = {requirement.code for requirement in sentence.requirements.all()}
    if any(code.endswith("_EM") for code in codes) or sentence.hdc_release_date:
        partners.add(Partner.EM_PROVIDER)
    if codes & TREATMENT_REQUIREMENTS:
        partners.add(Partner.TREATMENT_PROVIDER)
    if sentence.sentence_type == SentenceType.CUSTODIAL and (
        sentence.indeterminate
        or _term_months(sentence) >= settings.VICTIM_CONTACT_SCHEME_MIN_TERM_MONTHS
    ):
        partners.add(Partner.VICTIM_LIAISON)
    if sentence.person.foreign_national:
        partners.add(Partner.HOME_OFFICE)
    return [partner for partner in Partner.values if partner in partners]


def _locked_sentence(person: Person, number: int) -> Sentence:
    sentence = (
        Sentence.objects.select_for_update(of=("self",))
        .filter(person=person, number=number)
        .first()
    )
    if sentence is None:
        raise Http404("No sentence with that number for this person.")
    sentence.person = person
    return sentence


def _check_termination(
    sentence: Sentence, *, terminated_on: datetime.date, reason: str, today: datetime.date
) -> None:
    errors = {}
    if sentence.status == SentenceStatus.TERMINATED:
        raise ValidationError(f"Sentence {sentence.reference} is already terminated")
    if reason not in TerminationReason.values:
        errors["reason"] = "Select the reason the sentence ended"
    if terminated_on is None:
        errors["terminated_on"] = "Enter the date the sentence ended"
    elif terminated_on > today:
        errors["terminated_on"] = "The date the sentence ended must be today or in the past"
    elif terminated_on < sentence.sentence_date:
        errors["terminated_on"] = (
            f"The date the sentence ended must be on or after the date of sentence, "
            f"{sentence.sentence_date:%-d %B %Y}"
        )
    elif (
        reason == TerminationReason.COMPLETED
        and sentence.sentence_type in COMMUNITY_SENTENCE_TYPES
        and sentence.supervision_end_date is not None
        and sentence.supervision_end_date > terminated_on
        and any(r.status != RequirementStatus.COMPLETED for r in sentence.requirements.all())
    ):
        # An order can be completed before its end date only by completing every
        # requirement first (DOMAIN.md 6: "all requirements completed -> terminate").
        errors["reason"] = (
            f"The order runs until {sentence.supervision_end_date:%-d %B %Y}: record every "
            "requirement as completed before terminating it early as completed"
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def sentence_terminate(
    *,
    actor: User,
    crn: str,
    number: int,
    terminated_on: datetime.date,
    reason: str,
    notes: str = "",
) -> Termination:
    """End a sentence's supervision: record the ``Termination``, close the open
    requirements (COMPLETED when the reason is COMPLETED, TERMINATED otherwise) and create
    one unsent ``PartnerNotification`` per partner ``required_notifications`` names.

    Refuses a sentence already terminated, a date in the future or before the date of
    sentence, and COMPLETED for a CO/SSO still running at the termination date unless every
    requirement is already completed (``_check_termination``).

    Row-locks the person and the sentence so two officers cannot terminate it twice. When
    the person's last active managed sentence ends nothing else changes yet: the case stays
    with its provider and offender manager until allocation closes cases (ROADMAP part 3).
    """
    person = access.person_for_change(actor, crn, lock=True)
    sentence = _locked_sentence(person, number)
    requirements = list(sentence.requirements.select_for_update().all())
    sentence._prefetched_objects_cache = {"requirements": requirements}
    _check_termination(sentence, terminated_on=terminated_on, reason=reason, today=clock.today())

    before = audit.snapshot(sentence)
    sentence.status = SentenceStatus.TERMINATED
    sentence._history_user = actor
    sentence.save(update_fields=["status", "updated_at"])
    audit.record_update(actor=actor, instance=sentence, before=before)

    closed = (
        RequirementStatus.COMPLETED
        if reason == TerminationReason.COMPLETED
        else RequirementStatus.TERMINATED
    )
    for requirement in requirements:
        if requirement.status != RequirementStatus.ACTIVE:
            continue
        before = audit.snapshot(requirement)
        requirement.status = closed
        requirement._history_user = actor
        requirement.save(update_fields=["status"])
        audit.record_event(
            actor=actor,
            action=audit.AuditAction.UPDATE,
            instance=requirement,
            changes=audit.diff(before, audit.snapshot(requirement)),
            person_crn=person.crn,
        )

    termination = Termination.objects.create(
        sentence=sentence,
        terminated_on=terminated_on,
        reason=reason,
        notes=(notes or "").strip(),
        recorded_by=actor,
    )
    notifications = PartnerNotification.objects.bulk_create(
        [
            PartnerNotification(termination=termination, partner=partner)
            for partner in required_notifications(sentence, reason)
        ]
    )
    changes = {k: [None, v] for k, v in audit.snapshot(termination).items() if v not in (None, "")}
    changes["notifications_required"] = [None, [n.partner for n in notifications]]
    audit.record_event(
        actor=actor,
        action=audit.AuditAction.CREATE,
        instance=termination,
        changes=changes,
        person_crn=person.crn,
    )
    return termination


@transaction.atomic
def notification_sent(
    *,
    actor: User,
    crn: str,
    number: int,
    partner: str,
    notified_on: datetime.date,
    details: str = "",
) -> PartnerNotification:
    """Record that a partner was told of a sentence's termination, and when."""
    person = access.person_for_change(actor, crn, lock=True)
    sentence = _locked_sentence(person, number)
    notification = (
        PartnerNotification.objects.select_for_update()
        .select_related("termination")
        .filter(termination__sentence=sentence, partner=partner)
        .first()
    )
    if notification is None:
        raise ValidationError({"partner": "Select a partner this termination must be told of"})
    errors = {}
    if notified_on is None:
        errors["notified_on"] = "Enter the date the partner was told"
    elif notified_on > clock.today():
        errors["notified_on"] = "The date the partner was told must be today or in the past"
    elif notified_on < notification.termination.terminated_on:
        errors["notified_on"] = "The date the partner was told must be on or after the termination"
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(notification)
    notification.notified_on = notified_on
    notification.details = (details or "").strip()[:300]
    notification.save(update_fields=["notified_on", "details"])
    audit.record_event(
        actor=actor,
        action=audit.AuditAction.UPDATE,
        instance=notification,
        changes=audit.diff(before, audit.snapshot(notification)),
        person_crn=person.crn,
    )
    return notification


def termination_of(*, user: User, crn: str, number: int):
    """A visible sentence with its termination and notifications (``None`` when the
    sentence is still active). 404 outside scope or for an unknown number."""
    person = access.person_for_view(user, crn)
    sentence = get_object_or_404(
        Sentence.objects.prefetch_related("requirements"), person=person, number=number
    )
    sentence.person = person
    termination = (
        Termination.objects.filter(sentence=sentence)
        .select_related("recorded_by")
        .prefetch_related("notifications")
        .first()
    )
    return sentence, termination


def overview_context(*, user: User, person: Person) -> dict:
    """What the case overview shows about terminations, in constant queries: the partners still
    to be told of each terminated sentence (managed termination, DOMAIN.md 6)."""
    outstanding = (
        PartnerNotification.objects.filter(
            termination__sentence__person=person,
            termination__sentence__person__in=access.people_visible_to(user),
            notified_on__isnull=True,
        )
        .select_related("termination__sentence")
        .order_by("termination__sentence__number", "partner")
    )
    by_sentence: dict[int, dict] = {}
    for notification in outstanding:
        sentence = notification.termination.sentence
        entry = by_sentence.setdefault(
            sentence.number, {"sentence": sentence, "termination": notification.termination}
        )
        entry.setdefault("partners", []).append(notification.get_partner_display())
    return {"notifications_to_send": list(by_sentence.values())}
