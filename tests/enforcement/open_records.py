"""Open workflow records of every kind through the engine (``Workflow.open``), at a chosen
instant, for the tests of what reads them: the deadline job, the needs-action list, the
case overview and the referrals API. The services that open them for real are tested with
their own pages; here only the engine's state, waiting-on and deadline matter."""

import datetime

from django.utils import timezone

from allocation.models import AllocationDecision
from enforcement import workflows as wf
from enforcement.models import (
    BreachReferral,
    Failure,
    Intelligence,
    RecallRequest,
    RiskEscalation,
    RiskReview,
    SeriousFurtherOffence,
    VictimSummaryReport,
)
from probation.models import CaseDocument, Organisation, Person
from tests.probation.factories import sentence_of, staff, team_of

D = datetime.date


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    """An instant on a day, UK local time."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def division_of(person: Person) -> Organisation:
    return person.ldu.division


def _officer(person: Person):
    provider = person.responsible_provider
    if provider.code == "NPS":
        return staff("NPS_OFFENDER_MANAGER", division_of(person).code)
    return staff("CRC_OFFENDER_MANAGER", provider.code)


def _document(person, actor, kind="PRE_BREACH_PACK"):
    return CaseDocument.objects.create(
        person=person,
        kind=kind,
        title=kind.replace("_", " ").capitalize(),
        body_html="<p>Document</p>",
        created_by=actor,
        created_at=timezone.now(),
    )


def failure(person, opened, *, actor=None, sentence=None, enforced_as="COMMUNITY_ORDER"):
    actor = actor or _officer(person)
    record = Failure(
        person=person,
        sentence=sentence or sentence_of(person),
        enforced_as=enforced_as,
        failure_date=opened.date() if isinstance(opened, datetime.datetime) else opened,
        description="Did not attend the appointment",
        provider=person.responsible_provider,
        recorded_by=actor,
    )
    return wf.FAILURE.open(record, state="AWAITING_DECISION", actor=actor, at=opened)


def breach_referral(person, opened, *, actor=None, state="AWAITING_EO"):
    actor = actor or _officer(person)
    failed = failure(person, opened, actor=actor)
    record = BreachReferral(
        person=person,
        failure=failed,
        sentence=failed.sentence,
        referred_by=actor,
        referred_by_organisation=actor.organisation,
        division=division_of(person),
        pre_breach_pack=_document(person, actor),
    )
    wf.BREACH_REFERRAL.open(record, state="AWAITING_EO", actor=actor, at=opened)
    if state == "RETURNED":
        wf.BREACH_REFERRAL.advance(record, "return_with_advice", actor=None, at=opened, system=True)
    return record


def escalation(person, opened, *, actor=None, immediate=False):
    actor = actor or _officer(person)
    record = RiskEscalation(
        person=person,
        raised_by=actor,
        raised_by_organisation=actor.organisation,
        division=division_of(person),
        new_information="Police report a new partner with children",
        current_rosh="MEDIUM",
        crc_view="The risk may now be high",
        immediate_risk=immediate,
    )
    return wf.RISK_ESCALATION.open(record, state="AWAITING_NPS", actor=actor, at=opened)


def recall(person, opened, *, actor=None, endorsement=False, emergency=False):
    actor = actor or _officer(person)
    record = RecallRequest(
        person=person,
        sentence=sentence_of(person, "CUSTODIAL", term_months=18),
        emergency=emergency,
        reasons="Whereabouts unknown",
        recommended_type="STANDARD",
        requested_by=actor,
        requested_by_organisation=actor.organisation,
        division=division_of(person),
        document=_document(person, actor, "RECALL_REQUEST"),
    )
    state = "AWAITING_ENDORSEMENT" if endorsement else "AWAITING_PPCS"
    return wf.RECALL_REQUEST.open(record, state=state, actor=actor, at=opened)


def risk_review(person, opened, review_by, *, actor=None):
    actor = actor or staff("NPS_ALLOCATION_OFFICER", division_of(person).code)
    provider = person.responsible_provider
    sentence = sentence_of(person)
    decision = AllocationDecision.objects.create(
        sentence=sentence,
        person=person,
        recommended_decision="CRC",
        recommended_rule="HOME_CPA_CRC",
        decision="CRC",
        organisation=provider,
        team=team_of(provider),
        division=division_of(person),
        due_by=opened.date(),
        decided_at=opened,
        decided_by=actor,
        within_deadline=True,
        review_by=review_by,
    )
    record = RiskReview(person=person, allocation=decision, provider=provider, review_by=review_by)
    return wf.RISK_REVIEW.open(record, state="OPEN", actor=actor, at=opened)


def intelligence(person, opened, *, actor=None):
    actor = actor or staff("NPS_SENIOR_MANAGER", division_of(person).code)
    record = Intelligence(
        person=person,
        source="POLICE",
        summary="Arrested for a domestic incident",
        shared_by=actor,
        shared_by_organisation=actor.organisation,
        provider=person.responsible_provider,
    )
    return wf.INTELLIGENCE.open(record, state="AWAITING_ACKNOWLEDGEMENT", actor=actor, at=opened)


def sfo(person, opened, *, actor=None):
    actor = actor or _officer(person)
    record = SeriousFurtherOffence(
        person=person,
        provider=person.responsible_provider,
        charged_on=opened.date(),
        offence="Robbery",
        reported_by=actor,
        noms_notified_at=opened,
    )
    return wf.SFO_REVIEW.open(record, state="REVIEW_DUE", actor=actor, at=opened)


def vsr(person, opened, *, actor=None):
    actor = actor or _officer(person)
    offence = sfo(person, opened, actor=actor)
    record = VictimSummaryReport(person=person, sfo=offence, provider=offence.provider)
    return wf.VICTIM_SUMMARY_REPORT.open(record, state="DUE", actor=actor, at=opened)


def close(workflow, record, action, *, when):
    """Move a record to a final state as the system would (no actor check)."""
    return workflow.advance(record, action, actor=None, at=when, system=True)
