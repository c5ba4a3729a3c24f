"""Demo work for the enforcement and risk-escalation pages (``manage.py seed_demo``): a few
records on the caseload of the demo CRC offender manager ``crc.om.11``, made through the
services exactly as staff would make them, so every queue has something to show:

- a failure to comply waiting for the offender manager's decision;
- a warning already given on another order, a second failure on it and its breach referral
  waiting for the NPS enforcement officer (``nps.enforcement``);
- an immediate-risk escalation waiting for the NPS senior manager (``nps.senior``);
- intelligence from the NPS waiting for the CRC to acknowledge;
- a recall request on a licence waiting for PPCS (``ppcs.caseworker``).

A case that does not fit a step (no order, no plan, no licence) is skipped; the demo never
fails because of one.
"""

from django.core.exceptions import ValidationError

from enforcement import escalations, failures, intelligence, recalls
from probation import clock
from probation.models import OffenderManagerAssignment, PlanVersion, Sentence, User


def _caseload(officer: User):
    people = OffenderManagerAssignment.objects.filter(
        offender_manager=officer, ended_at__isnull=True
    ).values("person_id")
    return Sentence.objects.filter(
        person_id__in=people, status="ACTIVE", management="MANAGED"
    ).select_related("person")


def _attempt(step, *args, **kwargs):
    try:
        return step(*args, **kwargs)
    except ValidationError:
        return None


def seed_enforcement(users: dict[str, User]) -> int:
    """Seed the demo's enforcement work; returns how many records were opened."""
    officer, senior = users.get("crc.om.11"), users.get("nps.senior")
    if officer is None or senior is None:
        return 0
    today = clock.today()
    orders = [s for s in _caseload(officer) if s.sentence_type == "COMMUNITY_ORDER"]
    licences = [
        s
        for s in _caseload(officer)
        if s.licence_start_date and s.licence_start_date <= today <= (s.licence_end_date or today)
    ]
    opened = 0
    used = set()
    candidates = [s for s in orders if s.sentence_date <= today]
    if candidates:
        order = candidates[0]
        used.add(order.person_id)
        opened += bool(
            _attempt(
                failures.failure_record,
                actor=officer,
                crn=order.person.crn,
                sentence_number=order.number,
                failure_date=today,
                description="Did not attend the office appointment; no contact since.",
            )
        )
    for order in candidates[1:]:
        if order.person_id in used:
            continue
        first = _attempt(
            failures.failure_record,
            actor=officer,
            crn=order.person.crn,
            sentence_number=order.number,
            failure_date=today,
            description="Arrived at unpaid work under the influence of alcohol and was sent home.",
        )
        if first is None:
            continue
        used.add(order.person_id)
        failures.failure_decide(
            actor=officer,
            crn=order.person.crn,
            failure_id=first.pk,
            action="warn",
            notes="Warned in person and by letter.",
        )
        second = failures.failure_record(
            actor=officer,
            crn=order.person.crn,
            sentence_number=order.number,
            failure_date=today,
            description="Did not attend the rescheduled unpaid work session.",
        )
        failures.failure_decide(
            actor=officer,
            crn=order.person.crn,
            failure_id=second.pk,
            action="refer",
            notes="Second failure within 12 months of a warning; no explanation given.",
        )
        opened += 3
        break
    with_plans = PlanVersion.objects.filter(person__in=[s.person for s in orders]).values_list(
        "person_id", flat=True
    )
    for order in orders:
        if order.person_id in used or order.person_id not in set(with_plans):
            continue
        if _attempt(
            escalations.escalation_raise,
            actor=officer,
            crn=order.person.crn,
            new_information="Police report threats made to an ex-partner at the weekend.",
            crc_view="Risk to a known adult may now be high.",
            immediate_risk=True,
            immediate_action="Police told; ex-partner's safety plan checked with the IDVA.",
        ):
            used.add(order.person_id)
            opened += 1
            break
    for order in orders:
        if order.person_id in used:
            continue
        if _attempt(
            intelligence.intelligence_share,
            actor=senior,
            crn=order.person.crn,
            source="POLICE",
            summary="Arrested on suspicion of possession with intent to supply; released under "
            "investigation.",
        ):
            used.add(order.person_id)
            opened += 1
            break
    for licence in licences:
        if licence.person_id in used:
            continue
        if _attempt(
            recalls.recall_request,
            actor=officer,
            crn=licence.person.crn,
            sentence_number=licence.number,
            reasons="Left the approved address and has not reported for two appointments.",
            recommended_type="STANDARD",
        ):
            opened += 1
            break
    return opened
