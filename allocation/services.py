"""Allocating a sentence: one atomic, audited action under row locks (DOMAIN.md 4).

``allocation_confirm`` records the immutable decision, makes the chosen provider
responsible, starts the new offender manager assignment (ending the NPS court team's
interim one) and records the PbR cohort, all in one transaction. Two officers confirming
the same sentence at once produce one decision: the person's row lock serialises them and a
partial unique constraint backs it; the second is told who allocated it.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from allocation import notify
from allocation.models import (
    AllocationDecision,
    AllocationKind,
    AllocationPoint,
    AllocationReferral,
)
from allocation.rules import AllocationFacts, Area, Decision, allocate, due_by
from allocation.selectors import current_decisions, current_rsr, custodial_term_months
from probation import access, audit, clock, services, signals
from probation.models import (
    OffenderManagerAssignment,
    Organisation,
    Person,
    PlanVersion,
    RsrScore,
    RsrSource,
    Sentence,
    SentenceStatus,
    SentenceType,
    Team,
    User,
)
from probation.models.organisations import NPS_CODE

ALLOCATING_ROLES = frozenset({"NPS_ALLOCATION_OFFICER", "NPS_ALLOCATION_MANAGER"})

_KIND = {
    SentenceType.COMMUNITY_ORDER: "COMMUNITY_ORDER",
    SentenceType.SUSPENDED_SENTENCE_ORDER: "SUSPENDED_SENTENCE_ORDER",
    SentenceType.CUSTODIAL: "CUSTODY",
    SentenceType.SENIOR_ATTENDANCE_CENTRE: "SENIOR_ATTENDANCE_CENTRE",
    SentenceType.DEFERRED: "DEFERRED",
}

# What the officer supplies beyond the record (the rest comes from it).
INPUT_FIELDS = (
    "mappa",
    "rosh",
    "rsr_score",
    "public_interest",
    "previously_escalated_to_nps",
    "aggregate_custody_last_5_years_months",
    "rsr_assessed_on",
    "rsr_source",
)


def _area(person: Person, sentence: Sentence) -> Area:
    ldu = sentence.court_ldu if person.no_fixed_abode and sentence.court_ldu_id else person.ldu
    return Area(ldu=ldu.code, crc=ldu.crc.code, division=ldu.division.code)


def current_manager(person: Person, sentence: Sentence) -> str | None:
    """Who manages the person now for another sentence: the provider of their allocated,
    active sentences ("NPS" or a CRC code), or None."""
    allocated = (
        Sentence.objects.filter(person=person, status=SentenceStatus.ACTIVE)
        .exclude(pk=sentence.pk)
        .filter(allocation_decisions__isnull=False)
        .exists()
    )
    return person.responsible_provider.provider_code if allocated else None


def _rules_term_months(sentence: Sentence) -> int:
    """The custodial term as the rules take it: whole months, and 1 for a determinate
    term of less than a month (recorded in days), which the rules would otherwise read as
    "no term given". Every such term stays under the 12-month foreign-national line."""
    months = custodial_term_months(sentence)
    if months == 0 and sentence.sentence_type == SentenceType.CUSTODIAL:
        return 0 if sentence.indeterminate else 1
    return months


def facts_for(person: Person, sentence: Sentence, inputs: dict) -> AllocationFacts:
    """The rules' facts for a recorded sentence: from the record, plus what the officer
    supplies (MAPPA, RSR, public interest ...). RoSH defaults to the current plan's."""
    unknown = set(inputs) - set(INPUT_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This cannot be given here"))
    rosh = inputs.get("rosh")
    if rosh is None:
        rosh = (
            PlanVersion.objects.filter(person=person)
            .order_by("-version")
            .values_list("rosh_level", flat=True)
            .first()
        )
    return AllocationFacts(
        sentence_type=_KIND[sentence.sentence_type],
        sentence_date=sentence.sentence_date,
        area=_area(person, sentence),
        requirements=tuple(sentence.requirements.values_list("code", flat=True)),
        custodial_term_months=_rules_term_months(sentence),
        indeterminate=sentence.indeterminate,
        mappa=bool(inputs.get("mappa")),
        rosh=rosh,
        rsr_score=_rsr_score(person, inputs),
        public_interest=inputs.get("public_interest") or "",
        previously_escalated_to_nps=bool(inputs.get("previously_escalated_to_nps")),
        foreign_national=person.foreign_national,
        aggregate_custody_last_5_years_months=inputs.get("aggregate_custody_last_5_years_months")
        or 0,
        current_manager=current_manager(person, sentence),
    )


def _rsr_score(person: Person, inputs: dict) -> float | None:
    """The score the officer gives, else the person's current one."""
    if inputs.get("rsr_score") is not None:
        return float(inputs["rsr_score"])
    latest = current_rsr(person)
    return float(latest.score) if latest else None


def _record_rsr(*, actor: User, person: Person, inputs: dict, errors: dict) -> dict | None:
    """An RSR score the officer gives must say when and from what it was calculated; a new
    one is kept as the person's current score. Returns the score used, for the snapshot."""
    score = inputs.get("rsr_score")
    if score is None:
        latest = current_rsr(person)
        return _rsr_dict(latest) if latest else None
    assessed_on, source = inputs.get("rsr_assessed_on"), inputs.get("rsr_source") or ""
    if assessed_on is None:
        errors["rsr_assessed_on"] = "Enter the date the RSR score was calculated"
    elif assessed_on > clock.today():
        errors["rsr_assessed_on"] = "The date the RSR score was calculated must be in the past"
    if source not in RsrSource.values:
        errors["rsr_source"] = "Select what the RSR score was calculated from"
    if errors:
        return None
    latest = current_rsr(person)
    if latest and (float(latest.score), latest.assessed_on, latest.source) == (
        float(score),
        assessed_on,
        source,
    ):
        return _rsr_dict(latest)
    recorded = RsrScore.objects.create(
        person=person,
        score=Decimal(str(score)),
        assessed_on=assessed_on,
        source=source,
        recorded_at=clock.now(),
        recorded_by=actor,
    )
    audit.record_create(actor=actor, instance=recorded)
    return _rsr_dict(recorded)


def _rsr_dict(rsr: RsrScore) -> dict:
    return {
        "score": float(rsr.score),
        "assessed_on": rsr.assessed_on.isoformat(),
        "source": rsr.source,
    }


def _snapshot(facts: AllocationFacts) -> dict:
    values = dict(facts.__dict__)
    values["area"] = dict(facts.area.__dict__)
    values["requirements"] = list(facts.requirements)
    values["sentence_date"] = facts.sentence_date.isoformat()
    return values


@transaction.atomic
def allocation_confirm(
    *,
    actor: User,
    crn: str,
    number: int,
    decision: str,
    team: Team,
    offender_manager: User | None = None,
    inputs: dict | None = None,
    judgement: str = "",
    review_by: datetime.date | None = None,
    review_triggers: str = "",
) -> AllocationDecision:
    """Allocate one sentence to the NPS or a CRC (see the module docstring)."""
    if not any(role.code in ALLOCATING_ROLES for role in access.effective_roles(actor)):
        raise PermissionDenied("Only NPS allocation officers allocate cases.")
    person = access.person_for_change(actor, crn, lock=True)
    sentence = Sentence.objects.select_for_update().filter(person=person, number=number).first()
    if sentence is None:
        raise ValidationError({"number": "No sentence with that number for this person"})
    earlier = (
        AllocationDecision.objects.select_related("decided_by")
        .filter(sentence=sentence, kind=AllocationKind.ALLOCATION)
        .first()
    )
    if earlier is not None:
        raise ValidationError(
            f"{earlier.decided_by.get_full_name() or earlier.decided_by.username} allocated "
            f"this sentence at {earlier.decided_at:%H:%M on %-d %B %Y}; nothing was changed"
        )
    if sentence.status != SentenceStatus.ACTIVE or not sentence.is_managed:
        raise ValidationError("Only an active sentence that probation manages is allocated")

    facts = facts_for(person, sentence, dict(inputs or {}))
    recommendation = allocate(facts)
    errors = {}
    if recommendation.decision not in (Decision.NPS, Decision.CRC):
        errors["decision"] = "; ".join(recommendation.reasons)
    if decision not in (Decision.NPS, Decision.CRC):
        errors["decision"] = "Select the NPS or the CRC"
    departs = decision != recommendation.decision
    judgement = (judgement or "").strip()
    if (departs or recommendation.judgement_required) and not judgement:
        errors["judgement"] = (
            "Record your clinical judgement: the decision departs from the recommendation"
            if departs
            else "Record your clinical judgement: RSR is high while RoSH is below high"
        )
    if review_by is not None and review_by <= sentence.sentence_date:
        errors["review_by"] = "The review-by date must be after the sentence date"
    rsr = _record_rsr(actor=actor, person=person, inputs=dict(inputs or {}), errors=errors)
    if errors:
        raise ValidationError(errors)

    if decision == Decision.NPS:
        provider = Organisation.objects.get(code=NPS_CODE)
    else:
        code = (
            recommendation.organisation
            if recommendation.decision == Decision.CRC
            else facts.area.crc
        )
        provider = Organisation.objects.get(code=code)
    pbr_provider = provider if decision == Decision.CRC and recommendation.pbr_cohort else None
    if decision == Decision.CRC and departs:
        pbr_provider = provider  # an officer's CRC decision counts in that CRC's cohort

    now = clock.now()
    before = hand_over(
        actor=actor,
        person=person,
        provider=provider,
        team=team,
        offender_manager=offender_manager,
        at=now,
    )
    sentence.pbr_provider = pbr_provider
    sentence._history_user = actor
    sentence.save(update_fields=["pbr_provider", "updated_at"])
    referral = AllocationReferral.objects.filter(sentence=sentence).first()
    due = due_by(referral.received_on if referral else sentence.sentence_date)
    try:
        with transaction.atomic():
            allocation = AllocationDecision.objects.create(
                sentence=sentence,
                person=person,
                recommended_decision=recommendation.decision,
                recommended_rule=recommendation.rule,
                reasons=recommendation.reasons,
                inputs={**_snapshot(facts), "rsr": rsr},
                decision=decision,
                judgement=judgement,
                organisation=provider,
                team=team,
                offender_manager=offender_manager,
                pbr_provider=pbr_provider,
                moves_existing_sentences=recommendation.moves_existing_sentences,
                review_by=review_by,
                review_triggers=review_triggers.strip(),
                point=referral.point if referral else AllocationPoint.NEW_SENTENCE,
                division_id=person.ldu.division_id,
                due_by=due,
                decided_at=now,
                decided_by=actor,
                within_deadline=clock.today() <= due,
            )
    except IntegrityError:
        raise ValidationError("This sentence has just been allocated by someone else") from None
    audit.record_create(actor=actor, instance=allocation)
    audit.record_update(actor=actor, instance=person, before=before)
    if allocation.review_by is not None:
        # A review-by date on a CRC allocation is a task for that CRC (enforcement.reviews).
        from enforcement.reviews import review_open_for_allocation

        review_open_for_allocation(actor=actor, allocation=allocation)
    if allocation.decision == Decision.NPS and recommendation.moves_existing_sentences:
        _move_concurrent_sentences(actor=actor, allocation=allocation)
    notify.allocation_received(allocation)
    return allocation


def _move_concurrent_sentences(*, actor: User, allocation: AllocationDecision) -> None:
    """A concurrent order that meets an NPS rule takes the person's other sentences, which
    a CRC managed, to the NPS with it (DOMAIN.md 4, rule 6): each gets a CONCURRENT
    decision superseding its current one, so its history shows when and why it moved.

    Their PbR cohort is left as it was: DOMAIN.md does not move it, and a case the NPS
    takes over from a CRC on risk stays in that CRC's cohort (DOMAIN.md 5) – the same
    choice here."""
    moved = []
    for current in current_decisions(
        Sentence.objects.filter(person=allocation.person, status=SentenceStatus.ACTIVE).exclude(
            pk=allocation.sentence_id
        )
    ):
        if current.decision == Decision.NPS:
            continue
        moved.append(
            AllocationDecision(
                sentence_id=current.sentence_id,
                person=allocation.person,
                kind=AllocationKind.CONCURRENT,
                point=current.point,
                division_id=allocation.division_id,
                replaces=current,
                recommended_decision=Decision.NPS,
                recommended_rule=allocation.recommended_rule,
                reasons=[
                    f"Moved to the NPS with sentence {allocation.sentence.number}, a "
                    "concurrent order that meets an NPS rule: both sentences go to the NPS.",
                    *allocation.reasons,
                ],
                inputs=allocation.inputs,
                decision=Decision.NPS,
                judgement=allocation.judgement,
                organisation=allocation.organisation,
                team=allocation.team,
                offender_manager=allocation.offender_manager,
                pbr_provider=current.pbr_provider,
                due_by=current.due_by,
                decided_at=allocation.decided_at,
                decided_by=actor,
                within_deadline=current.within_deadline,
            )
        )
    for decision in AllocationDecision.objects.bulk_create(moved):
        audit.record_create(actor=actor, instance=decision)


def hand_over(
    *,
    actor: User,
    person: Person,
    provider: Organisation,
    team: Team,
    offender_manager: User | None,
    at: datetime.datetime,
) -> dict:
    """Make ``provider`` responsible for the person and start the new team's (or offender
    manager's) assignment, ending the current one – the NPS court team's interim
    responsibility at first allocation. Call under the person's row lock, inside the
    caller's transaction; returns the person's audit snapshot from before."""
    before = audit.snapshot(person)
    person.responsible_provider = provider
    person._history_user = actor
    person.save(update_fields=["responsible_provider", "updated_at"])
    services._check_assignment(person, team, offender_manager)
    OffenderManagerAssignment.objects.filter(person=person, ended_at__isnull=True).update(
        ended_at=at
    )
    services._start_assignment(
        actor=actor, person=person, team=team, offender_manager=offender_manager, at=at
    )
    signals.provider_changed.send(sender=Person, actor=actor, person=person, at=at)
    return before
