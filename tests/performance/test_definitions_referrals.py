"""Allocation, risk escalation, enforcement and transfers (performance.definitions_referrals)
on small hand-made data: the cases listed behind a figure (``performance.drilldown.rows``),
met or not, who they count for (a CRC, the NPS and its division, an LDU) and the month's
first and last instants (local time) against the instants either side."""

import datetime

import pytest
from django.utils import timezone

from allocation.models import AllocationBreach, AllocationDecision
from enforcement import workflows as wf
from performance import drilldown
from performance.measures import MEASURES
from probation.models.transfers import CaseTransfer
from tests.enforcement import open_records as records
from tests.probation.factories import org, person_of, sentence_of, staff, team_of

D = datetime.date
MARCH = D(2016, 3, 1)
pytestmark = pytest.mark.django_db


def at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


# The month's first and last minutes, and the minutes either side (local time: 31 March
# 2016 is in British Summer Time, 1 March in GMT).
FIRST_MINUTE, LAST_MINUTE = at(D(2016, 3, 1), 0, 0), at(D(2016, 3, 31), 23, 59)
BEFORE, AFTER = at(D(2016, 2, 29), 23, 59), at(D(2016, 4, 1), 0, 0)


def listed(code, organisation, month=MARCH):
    rows = drilldown.rows(MEASURES[code], org(organisation), month)
    return dict(rows.values_list("case_reference", "case_met"))


def detail(code, organisation, reference, month=MARCH):
    rows = drilldown.rows(MEASURES[code], org(organisation), month)
    return rows.get(case_reference=reference).case_detail


# --- Allocation ----------------------------------------------------------------------------------


DIVISION = {"CRC11": "NPS-WAL", "CRC20": "NPS-LON"}


def decision(due, *, within=True, decided=None, to="CRC", area="CRC11", kind="ALLOCATION"):
    person = person_of("NPS" if to == "NPS" else area, ldu_crc=area)
    sentenced = due - datetime.timedelta(days=1)
    sentence = sentence_of(
        person, sentence_date=sentenced, offence_date=sentenced - datetime.timedelta(days=30)
    )
    provider = org(DIVISION[area] if to == "NPS" else area)
    return AllocationDecision.objects.create(
        sentence=sentence,
        person=person,
        kind=kind,
        recommended_decision=to,
        recommended_rule="HOME_CPA_CRC",
        decision=to,
        organisation=org("NPS") if to == "NPS" else provider,
        team=team_of(provider),
        division=org(DIVISION[area]),
        due_by=due,
        decided_at=decided or at(due),
        decided_by=allocation_officer(),
        within_deadline=within,
    )


def allocation_officer():
    from probation.models import User

    return User.objects.filter(username="alloc-officer").first() or staff(
        "NPS_ALLOCATION_OFFICER", "NPS-WAL", username="alloc-officer"
    )


def breach(due, *, area="CRC11", sentence=None):
    if sentence is None:
        person = person_of("NPS", ldu_crc=area)
        sentence = sentence_of(person, sentence_date=due, offence_date=due - datetime.timedelta(30))
    AllocationBreach.objects.create(
        sentence=sentence,
        division=org(DIVISION[area]),
        cpa=org(area),
        due_by=due,
        found_on=due + datetime.timedelta(days=1),
    )
    return sentence


def test_allocated_within_one_business_day_of_those_due_in_the_month():
    first_day = decision(D(2016, 3, 1)).sentence
    late = decision(D(2016, 3, 31), within=False, decided=at(D(2016, 4, 1))).sentence
    unallocated = breach(D(2016, 3, 15))
    # Breached, then allocated late: counted once, by its decision.
    allocated_late = decision(D(2016, 3, 10), within=False, decided=at(D(2016, 3, 14))).sentence
    breach(D(2016, 3, 10), sentence=allocated_late)
    # Due outside the month; a reallocation in error is not an allocation; London's.
    decision(D(2016, 2, 29))
    decision(D(2016, 4, 1))
    breach(D(2016, 4, 1))
    decision(D(2016, 3, 2), kind="REALLOCATION")
    london = decision(D(2016, 3, 2), area="CRC20").sentence
    wales = {
        first_day.reference: True,
        late.reference: False,
        unallocated.reference: False,
        allocated_late.reference: False,
    }
    assert listed("ALLOCATED_IN_ONE_DAY", "NPS-WAL") == wales
    assert listed("ALLOCATED_IN_ONE_DAY", "NPS-LON") == {london.reference: True}
    assert listed("ALLOCATED_IN_ONE_DAY", "NPS") == {**wales, london.reference: True}
    assert listed("ALLOCATED_IN_ONE_DAY", "CRC11") == {}
    assert listed("ALLOCATED_IN_ONE_DAY", first_day.person.ldu.code) == wales
    assert detail("ALLOCATED_IN_ONE_DAY", "NPS", late.reference) == (
        "Due by 2016-03-31, allocated 2016-04-01"
    )
    assert detail("ALLOCATED_IN_ONE_DAY", "NPS", unallocated.reference) == (
        "Due by 2016-03-15, not allocated yet"
    )


def test_allocated_in_one_day_agrees_with_the_allocation_report():
    from allocation.reports import allocation_timeliness

    decision(D(2016, 3, 1))
    decision(D(2016, 3, 31), within=False)
    breach(D(2016, 3, 15))
    decision(D(2016, 3, 2), area="CRC20")
    report = {
        t.division: (t.allocated_in_time, t.due)
        for t in allocation_timeliness(since=MARCH, until=D(2016, 3, 31))
    }
    for division, figure in report.items():
        cases = listed("ALLOCATED_IN_ONE_DAY", division)
        assert (sum(cases.values()), len(cases)) == figure


def test_allocated_to_the_nps_of_the_decisions_made_in_the_month_per_cpa():
    first = decision(D(2016, 3, 1), to="NPS", decided=FIRST_MINUTE)
    last = decision(D(2016, 3, 31), decided=LAST_MINUTE)
    decision(D(2016, 2, 29), to="NPS", decided=BEFORE)
    decision(D(2016, 4, 1), to="NPS", decided=AFTER)
    decision(D(2016, 3, 2), to="NPS", kind="REALLOCATION")
    london = decision(D(2016, 3, 2), to="NPS", area="CRC20")
    # Counted for the CRC of the person's CPA whoever was chosen: a SHARE of 1 in 2.
    assert listed("ALLOCATED_TO_NPS", "CRC11") == {
        first.sentence.reference: True,
        last.sentence.reference: False,
    }
    assert listed("ALLOCATED_TO_NPS", "CRC20") == {london.sentence.reference: True}
    assert listed("ALLOCATED_TO_NPS", first.person.ldu.code) == listed("ALLOCATED_TO_NPS", "CRC11")
    assert listed("ALLOCATED_TO_NPS", "NPS") == {}
    assert detail("ALLOCATED_TO_NPS", "CRC11", last.sentence.reference) == (
        "Allocated to CRC11 on 2016-03-31 (rules recommended CRC)"
    )


# --- Risk escalation -----------------------------------------------------------------------------


def test_escalations_a_crc_made_in_the_month():
    first = records.escalation(person_of("CRC11"), FIRST_MINUTE)
    last = records.escalation(person_of("CRC11"), LAST_MINUTE)
    records.escalation(person_of("CRC11"), BEFORE)
    records.escalation(person_of("CRC11"), AFTER)
    london = records.escalation(person_of("CRC20"), at(D(2016, 3, 9)))
    withdrawn = records.escalation(person_of("CRC11"), at(D(2016, 3, 9)))
    records.close(wf.RISK_ESCALATION, withdrawn, "withdraw", when=at(D(2016, 3, 10)))
    crn = lambda r: f"{r.person.crn} escalation {r.pk}"  # noqa: E731
    assert listed("ESCALATIONS", "CRC11") == {
        crn(first): True,
        crn(last): True,
        crn(withdrawn): True,
    }
    assert listed("ESCALATIONS", "CRC20") == {crn(london): True}
    assert detail("ESCALATIONS", "CRC11", crn(last)) == (
        "Referred 2016-03-31, RoSH MEDIUM, now AWAITING_NPS"
    )


def decided(escalation, when, action="decide_not_high"):
    escalation.decided_at = when
    escalation.decision_reason = "The risk is manageable in the community"
    return records.close(wf.RISK_ESCALATION, escalation, action, when=when)


def test_escalation_responses_decided_within_the_deadline_for_the_deciding_division():
    # Referred Wednesday 2 March: due Wednesday 9 March (five business days).
    in_time = decided(records.escalation(person_of("CRC11"), at(D(2016, 3, 2))), at(D(2016, 3, 9)))
    late = decided(records.escalation(person_of("CRC11"), at(D(2016, 3, 2))), at(D(2016, 3, 10)))
    # Immediate risk, referred on the last day and decided that evening: in time.
    immediate = records.escalation(person_of("CRC11"), at(D(2016, 3, 31), 9), immediate=True)
    decided(immediate, LAST_MINUTE)
    # Decided after the month, withdrawn (not an NPS decision), London's.
    decided(records.escalation(person_of("CRC11"), at(D(2016, 3, 30))), AFTER)
    withdrawn = records.escalation(person_of("CRC11"), at(D(2016, 3, 2)))
    records.close(wf.RISK_ESCALATION, withdrawn, "withdraw", when=at(D(2016, 3, 3)))
    london = decided(records.escalation(person_of("CRC20"), at(D(2016, 3, 2))), at(D(2016, 3, 3)))
    ref = lambda r: f"{r.person.crn} risk escalation {r.pk}"  # noqa: E731
    wales = {ref(in_time): True, ref(late): False, ref(immediate): True}
    assert listed("ESCALATION_RESPONSES_ON_TIME", "NPS-WAL") == wales
    assert listed("ESCALATION_RESPONSES_ON_TIME", "NPS") == {**wales, ref(london): True}
    assert listed("ESCALATION_RESPONSES_ON_TIME", "CRC11") == {}
    assert listed("ESCALATION_RESPONSES_ON_TIME", in_time.person.ldu.code) == wales
    assert detail("ESCALATION_RESPONSES_ON_TIME", "NPS", ref(late)) == (
        "Decided not high 2016-03-10, due by 2016-03-09"
    )


# --- Enforcement ---------------------------------------------------------------------------------


def referred(person, when):
    failure = records.failure(person, when - datetime.timedelta(days=1))
    records.close(wf.FAILURE, failure, "refer", when=when)
    return f"{person.crn} failure {failure.pk}"


def test_breach_referrals_of_the_responsible_officers_in_the_month():
    first = referred(person_of("CRC11"), FIRST_MINUTE)
    last = referred(person_of("CRC11"), LAST_MINUTE)
    referred(person_of("CRC11"), BEFORE)
    referred(person_of("CRC11"), AFTER)
    warned = records.failure(person_of("CRC11"), at(D(2016, 3, 9)))
    warned.warned_on = D(2016, 3, 10)
    records.close(wf.FAILURE, warned, "warn", when=at(D(2016, 3, 10)))
    nps = referred(person_of("NPS", ldu_crc="CRC11"), at(D(2016, 3, 9)))
    london = referred(person_of("NPS", ldu_crc="CRC20"), at(D(2016, 3, 9)))
    assert listed("BREACH_REFERRALS", "CRC11") == {first: True, last: True}
    assert listed("BREACH_REFERRALS", "NPS") == {nps: True, london: True}
    assert listed("BREACH_REFERRALS", "NPS-WAL") == {nps: True}
    assert listed("BREACH_REFERRALS", _ldu_of("CRC11")) == {
        first: True,
        last: True,
        nps: True,
    }
    assert detail("BREACH_REFERRALS", "CRC11", last).startswith("Breach referral made 2016-03-31")


def _ldu_of(crc):
    from probation.models import Organisation

    return Organisation.objects.filter(kind="LDU", crc__code=crc).order_by("code").first().code


def test_recall_requests_made_in_the_month_by_the_provider_that_requested():
    first = records.recall(person_of("CRC11"), FIRST_MINUTE)
    last = records.recall(person_of("CRC11"), LAST_MINUTE, endorsement=True)
    records.recall(person_of("CRC11"), BEFORE)
    records.recall(person_of("CRC11"), AFTER)
    nps = records.recall(person_of("NPS", ldu_crc="CRC11"), at(D(2016, 3, 9)), emergency=True)
    ref = lambda r: f"{r.sentence.reference} recall {r.pk}"  # noqa: E731
    assert listed("RECALL_REQUESTS", "CRC11") == {ref(first): True, ref(last): True}
    assert listed("RECALL_REQUESTS", "NPS") == {ref(nps): True}
    assert listed("RECALL_REQUESTS", "NPS-WAL") == {ref(nps): True}
    assert listed("RECALL_REQUESTS", "NPS-LON") == {}
    assert detail("RECALL_REQUESTS", "NPS", ref(nps)) == (
        "Requested 2016-03-09 (emergency), now AWAITING_PPCS"
    )


def test_breach_referrals_decided_by_the_enforcement_officer_within_the_deadline():
    # Referred Wednesday 2 March: due Wednesday 9 March.
    def referral(person=None, when=None):
        return records.breach_referral(person or person_of("CRC11"), when or at(D(2016, 3, 2)))

    in_time = referral()
    wf.BREACH_REFERRAL.advance(
        in_time, "decide_no_further_action", actor=None, at=at(D(2016, 3, 9)), system=True
    )
    late = referral()
    wf.BREACH_REFERRAL.advance(
        late, "return_with_advice", actor=None, at=at(D(2016, 3, 10)), system=True
    )
    court = referral()
    wf.BREACH_REFERRAL.advance(
        court, "decide_court_action", actor=None, at=LAST_MINUTE, system=True
    )
    court.court_outcome, court.court_outcome_on = "FINE", D(2016, 3, 31)
    wf.BREACH_REFERRAL.advance(
        court, "record_court_outcome", actor=None, at=LAST_MINUTE, system=True
    )
    after = referral(when=at(D(2016, 3, 30)))
    wf.BREACH_REFERRAL.advance(after, "decide_court_action", actor=None, at=AFTER, system=True)
    withdrawn = referral()
    wf.BREACH_REFERRAL.advance(withdrawn, "withdraw", actor=None, at=at(D(2016, 3, 3)), system=True)
    london = referral(person_of("CRC20"))
    wf.BREACH_REFERRAL.advance(
        london, "decide_court_action", actor=None, at=at(D(2016, 3, 3)), system=True
    )
    ref = lambda r: f"{r.person.crn} breach referral {r.pk}"  # noqa: E731
    wales = {ref(in_time): True, ref(late): False, ref(court): False}
    assert listed("BREACH_RESPONSES_ON_TIME", "NPS-WAL") == wales
    assert listed("BREACH_RESPONSES_ON_TIME", "NPS-LON") == {ref(london): True}
    assert listed("BREACH_RESPONSES_ON_TIME", "CRC11") == {}
    assert detail("BREACH_RESPONSES_ON_TIME", "NPS", ref(late)) == (
        "Returned with advice 2016-03-10, due by 2016-03-09"
    )


def test_recall_requests_endorsed_by_the_nps_within_the_deadline():
    # Requested Wednesday 2 March: endorsement due Thursday 3 March.
    def recall():
        return records.recall(person_of("CRC11"), at(D(2016, 3, 2)), endorsement=True)

    in_time = recall()
    wf.RECALL_REQUEST.advance(in_time, "endorse", actor=None, at=at(D(2016, 3, 3)), system=True)
    late = recall()
    wf.RECALL_REQUEST.advance(
        late, "decline_endorsement", actor=None, at=at(D(2016, 3, 4)), system=True
    )
    # PPCS's decision is not the NPS's.
    wf.RECALL_REQUEST.advance(in_time, "not_revoke", actor=None, at=at(D(2016, 3, 4)), system=True)
    straight_to_ppcs = records.recall(person_of("CRC11"), at(D(2016, 3, 2)))
    wf.RECALL_REQUEST.advance(
        straight_to_ppcs, "not_revoke", actor=None, at=at(D(2016, 3, 3)), system=True
    )
    ref = lambda r: f"{r.person.crn} recall request {r.pk}"  # noqa: E731
    assert listed("RECALL_ENDORSEMENTS_ON_TIME", "NPS-WAL") == {
        ref(in_time): True,
        ref(late): False,
    }
    assert listed("RECALL_ENDORSEMENTS_ON_TIME", "NPS-WAL", month=D(2016, 4, 1)) == {}


# --- Transfers -----------------------------------------------------------------------------------


def transfer(when, *, provider="CRC11", to="CRC20", to_ldu=None, status="ACCEPTED"):
    person = person_of(provider, ldu_crc="CRC11")
    to_ldu = to_ldu or org(to if to.startswith("CRC") else "CRC20").ldus.order_by("code").first()
    made = CaseTransfer.objects.create(
        person=person,
        from_provider=person.responsible_provider,
        to_provider=org(to),
        from_ldu=person.ldu,
        to_ldu=to_ldu,
        reason="Moved to live with family",
        requested_by=staff("CRC_OFFENDER_MANAGER", "CRC11"),
        requested_at=when - datetime.timedelta(days=3),
        status=status,
        decided_at=when,
    )
    return f"{person.crn} transfer {made.pk}"


def test_transfers_out_accepted_in_the_month_for_the_provider_and_ldu_left():
    first = transfer(FIRST_MINUTE)
    last = transfer(LAST_MINUTE)
    transfer(BEFORE)
    transfer(AFTER)
    transfer(at(D(2016, 3, 9)), status="REJECTED")
    # Between two LDUs of one CPA and provider: not between CPAs.
    second_ldu = org("CRC11").ldus.order_by("code")[1]
    transfer(at(D(2016, 3, 9)), to="CRC11", to_ldu=second_ldu)
    nps = transfer(at(D(2016, 3, 9)), provider="NPS", to="NPS")
    assert listed("TRANSFERS_OUT", "CRC11") == {first: True, last: True}
    assert listed("TRANSFERS_OUT", "CRC20") == {}
    assert listed("TRANSFERS_OUT", "NPS") == {nps: True}
    assert listed("TRANSFERS_OUT", "NPS-WAL") == {nps: True}
    assert listed("TRANSFERS_OUT", _ldu_of("CRC11")) == {first: True, last: True, nps: True}
    assert detail("TRANSFERS_OUT", "CRC11", last).endswith("(CRC20), accepted 2016-03-31")
