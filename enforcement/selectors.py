"""Reads of enforcement facts that the workflows, services and pages share."""

import datetime

from django.core.exceptions import ValidationError

from enforcement.models import EscalationState, Failure, RiskEscalation
from enforcement.rules import EnforcedSentence, EnforcementFacts, EnforcementOptions
from enforcement.rules import enforcement_options as rule
from probation.models import Sentence, SentenceType

_BY_TYPE = {
    SentenceType.COMMUNITY_ORDER: EnforcedSentence.COMMUNITY_ORDER,
    SentenceType.SUSPENDED_SENTENCE_ORDER: EnforcedSentence.SUSPENDED_SENTENCE_ORDER,
    SentenceType.SENIOR_ATTENDANCE_CENTRE: EnforcedSentence.SENIOR_ATTENDANCE_CENTRE,
}


def enforced_as(sentence: Sentence, on: datetime.date) -> str:
    """What a failure on ``on`` is a failure of: the order itself, or for a custodial
    sentence the licence or the post-sentence supervision period running that day. Raises
    ``ValidationError`` when nothing enforceable runs then (in custody, a deferred sentence,
    after supervision ended)."""
    if sentence.sentence_type in _BY_TYPE:
        return _BY_TYPE[sentence.sentence_type]
    if sentence.sentence_type == SentenceType.CUSTODIAL:
        if sentence.licence_start_date and sentence.licence_start_date <= on <= (
            sentence.licence_end_date or datetime.date.max
        ):
            return EnforcedSentence.LICENCE
        if sentence.pss_start_date and sentence.pss_start_date <= on <= (
            sentence.pss_end_date or datetime.date.max
        ):
            return EnforcedSentence.PSS
        raise ValidationError(
            {"failure_date": "The person was not on licence or post-sentence supervision then"}
        )
    raise ValidationError(
        {"sentence_number": f"A {sentence.get_sentence_type_display()} is not enforced this way"}
    )


def previous_warnings(failure: Failure) -> tuple[datetime.date, ...]:
    """Warnings given on the same order, licence or PSS period before this failure (on or
    before its date: the law counts warnings preceding the failure)."""
    return tuple(
        Failure.objects.filter(
            sentence_id=failure.sentence_id,
            enforced_as=failure.enforced_as,
            warned_on__isnull=False,
            warned_on__lte=failure.failure_date,
        )
        .exclude(pk=failure.pk)
        .order_by("warned_on")
        .values_list("warned_on", flat=True)
    )


def open_escalation(person_id: int) -> RiskEscalation | None:
    return RiskEscalation.objects.filter(
        person_id=person_id, state=EscalationState.AWAITING_NPS
    ).first()


def options_for(
    failure: Failure, *, linked_risk_escalation: bool | None = None, immediate_risk: bool = False
) -> EnforcementOptions:
    """The options the law allows for this failure now (``enforcement.rules``). A licence
    recall is linked to a risk escalation when one is open on the person, unless told."""
    if linked_risk_escalation is None:
        linked_risk_escalation = (
            failure.enforced_as == EnforcedSentence.LICENCE
            and open_escalation(failure.person_id) is not None
        )
    return rule(
        EnforcementFacts(
            sentence_type=failure.enforced_as,
            failure_date=failure.failure_date,
            previous_warnings=previous_warnings(failure),
            linked_risk_escalation=linked_risk_escalation,
            immediate_risk=immediate_risk,
        )
    )
