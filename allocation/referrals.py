"""Allocation points other than a new sentence (DOMAIN.md 2 and 4 "When"): a transfer in
from another UK jurisdiction, a transfer into custody from elsewhere, and a young person's
transition from the youth to the adult system.

Recording one says how the case arrived and starts the one-business-day allocation clock
from the day it was received instead of the sentence date. A youth-to-adult transition
records the youth offending team and the transition decision; a sentence the core records
marked "not managed by adult probation (under 18)" becomes managed by it, because
transitioned juveniles are (DOMAIN.md 2).
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from allocation.models import (
    AllocationDecision,
    AllocationPoint,
    AllocationReferral,
    Jurisdiction,
)
from allocation.services import ALLOCATING_ROLES
from probation import access, audit, clock
from probation.models import Management, OrganisationKind, Sentence, SentenceStatus, User

# Staff who record sentences at court or allocate them record how a case arrived; so may a
# partner (court or sending service) system of an NPS division through the API.
REFERRING_ROLES = ALLOCATING_ROLES | {"NPS_COURT_OFFICER"}


def may_record_referral(user: User) -> bool:
    if user.is_api_client:
        return (
            user.organisation is not None
            and user.organisation.kind == OrganisationKind.NPS_DIVISION
        )
    return any(role.code in REFERRING_ROLES for role in access.effective_roles(user))


@transaction.atomic
def referral_record(
    *,
    actor: User,
    crn: str,
    number: int,
    point: str,
    received_on: datetime.date,
    from_jurisdiction: str = "",
    transferred_from: str = "",
    youth_offending_team: str = "",
    transition_decision: str = "",
    transition_decided_on: datetime.date | None = None,
) -> AllocationReferral:
    """Record (or correct, until the case is allocated) how a sentence came for
    allocation."""
    person = access.person_for_change(actor, crn, lock=True)
    if not may_record_referral(actor):
        raise PermissionDenied("Only NPS court and allocation staff record how a case arrived.")
    sentence = Sentence.objects.select_for_update().filter(person=person, number=number).first()
    if sentence is None:
        raise ValidationError({"number": "No sentence with that number for this person"})
    if AllocationDecision.objects.filter(sentence=sentence).exists():
        raise ValidationError("The sentence is allocated already; its arrival cannot change")
    if sentence.status != SentenceStatus.ACTIVE:
        raise ValidationError("Only an active sentence is allocated")

    fields = {
        "point": point,
        "received_on": received_on,
        "from_jurisdiction": from_jurisdiction or "",
        "transferred_from": (transferred_from or "").strip(),
        "youth_offending_team": (youth_offending_team or "").strip(),
        "transition_decision": (transition_decision or "").strip(),
        "transition_decided_on": transition_decided_on,
    }
    _validate(fields, sentence)
    if point != AllocationPoint.YOUTH_TRANSITION:
        fields.update(youth_offending_team="", transition_decision="", transition_decided_on=None)
    if point not in (AllocationPoint.TRANSFER_IN, AllocationPoint.CUSTODY_TRANSFER):
        fields.update(from_jurisdiction="", transferred_from="")

    referral = AllocationReferral.objects.filter(sentence=sentence).first()
    if referral is None:
        referral = AllocationReferral.objects.create(
            sentence=sentence, recorded_at=clock.now(), recorded_by=actor, **fields
        )
        audit.record_create(actor=actor, instance=referral)
    else:
        before = audit.snapshot(referral)
        for name, value in fields.items():
            setattr(referral, name, value)
        referral.recorded_at, referral.recorded_by = clock.now(), actor
        referral.save()
        audit.record_update(actor=actor, instance=referral, before=before)

    if point == AllocationPoint.YOUTH_TRANSITION and sentence.management == Management.UNDER_18:
        before = audit.snapshot(sentence)
        sentence.management = Management.MANAGED
        sentence._history_user = actor
        sentence.save(update_fields=["management", "updated_at"])
        audit.record_update(actor=actor, instance=sentence, before=before)
    return referral


def _validate(fields: dict, sentence: Sentence) -> None:
    errors = {}
    point, received_on = fields["point"], fields["received_on"]
    if point not in AllocationPoint.values or point == AllocationPoint.NEW_SENTENCE:
        errors["point"] = (
            "Select a transfer in, a transfer into custody or a youth to adult transition"
        )
    if received_on is None:
        errors["received_on"] = "Enter the date the case was received"
    elif received_on > clock.today():
        errors["received_on"] = "The date the case was received must be today or in the past"
    elif received_on < sentence.sentence_date:
        errors["received_on"] = "The date the case was received must be on or after sentence"
    if point == AllocationPoint.TRANSFER_IN and fields["from_jurisdiction"] not in (
        Jurisdiction.values
    ):
        errors["from_jurisdiction"] = "Select the jurisdiction the case transferred from"
    if point == AllocationPoint.CUSTODY_TRANSFER and not fields["transferred_from"]:
        errors["transferred_from"] = "Enter where the person was transferred from"
    if point == AllocationPoint.YOUTH_TRANSITION:
        if not fields["youth_offending_team"]:
            errors["youth_offending_team"] = "Enter the youth offending team that held the case"
        if not fields["transition_decision"]:
            errors["transition_decision"] = "Enter the transition decision and its reasons"
        decided_on = fields["transition_decided_on"]
        if decided_on is None:
            errors["transition_decided_on"] = "Enter the date of the transition decision"
        elif received_on is not None and decided_on > received_on:
            errors["transition_decided_on"] = (
                "The transition decision must be on or before the date the case was received"
            )
    if errors:
        raise ValidationError(errors)
