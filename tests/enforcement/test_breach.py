"""Breach referrals to an NPS enforcement officer (DOMAIN.md 6; enforcement.breach): the
enforcement officer of the person's division decides court action, no further action or
advice; records the court's outcome (which may end the sentence); the responsible officer
sends a returned referral back or closes it; invalid moves are refused; two enforcement
officers deciding at once make one decision (PostgreSQL)."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.http import Http404

from enforcement import breach
from enforcement.models import BreachReferral, BreachState
from probation.models import CaseDocument, Notification, Sentence, WorkflowEvent
from probation.models.sentences import Termination
from probation.workflow import InvalidTransition
from tests.enforcement.test_failures import (
    TODAY,
    community_order,
    decide,
    on_licence,
    record,
)
from tests.probation.factories import org, person_of, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def om():
    return staff("CRC_OFFENDER_MANAGER", "CRC11")


@pytest.fixture
def eo():
    return staff("NPS_ENFORCEMENT_OFFICER", "NPS-WAL")


def referred(om, *, kind="COMMUNITY_ORDER", person=None):
    """A failure referred by the CRC offender manager (no warning needed: referral is
    always open on an order or PSS)."""
    person = person or person_of("CRC11")
    sentence = on_licence(person, pss=True) if kind == "PSS" else community_order(person, kind)
    failure = record(om, person, sentence)
    decide(om, failure, "refer", notes="Missed three appointments; no contact since")
    return BreachReferral.objects.select_related("person", "sentence").get(failure=failure)


def eo_decide(actor, referral, action, reasons="Evidence is clear", **kwargs):
    return breach.breach_referral_decide(
        actor=actor,
        crn=referral.person.crn,
        referral_id=referral.pk,
        action=action,
        eo_reasons=reasons,
        **kwargs,
    )


def outcome(actor, referral, court_outcome, on=TODAY, notes=""):
    return breach.breach_referral_court_outcome(
        actor=actor,
        crn=referral.person.crn,
        referral_id=referral.pk,
        court_outcome=court_outcome,
        court_outcome_on=on,
        notes=notes,
    )


def test_court_action_goes_to_the_sentencing_court_and_tells_the_referrer(om, eo):
    referral = referred(om)
    decided = eo_decide(eo, referral, "decide_court_action")
    assert decided.state == BreachState.COURT_ACTION and decided.decided_by == eo
    assert decided.court == referral.sentence.court and decided.due_by is None
    assert decided.waiting_on == org("NPS-WAL")
    event = WorkflowEvent.objects.get(workflow="breach_referral", action="decide_court_action")
    assert event.within_deadline is True and event.step_organisation == org("NPS-WAL")
    told = Notification.objects.get(organisation=org("CRC11"), title__contains="Court action")
    assert told.url.endswith(f"/breach-referrals/{referral.pk}/")


@pytest.mark.parametrize(
    "action", ["decide_court_action", "decide_no_further_action", "return_with_advice"]
)
def test_the_enforcement_officer_gives_reasons(om, eo, action):
    referral = referred(om)
    with pytest.raises(ValidationError) as error:
        eo_decide(eo, referral, action, reasons=" ")
    assert "eo_reasons" in error.value.message_dict


def test_no_further_action_closes_the_referral(om, eo):
    referral = eo_decide(eo, referred(om), "decide_no_further_action", "First breach, engaging")
    assert referral.state == BreachState.NO_FURTHER_ACTION and referral.closed_at is not None


@pytest.mark.parametrize(
    ("role", "organisation", "error"),
    [
        ("CRC_OFFENDER_MANAGER", "CRC11", PermissionDenied),
        ("NPS_SENIOR_MANAGER", "NPS-WAL", PermissionDenied),
        ("NPS_ENFORCEMENT_OFFICER", "NPS-LON", Http404),
        ("NOMS_CONTRACT_MANAGER", "NOMS", PermissionDenied),
    ],
    ids=["the-crc", "senior-manager", "enforcement-officer-of-another-division", "noms"],
)
def test_only_an_enforcement_officer_of_the_division_decides(om, role, organisation, error):
    referral = referred(om)
    with pytest.raises(error):
        eo_decide(staff(role, organisation), referral, "decide_court_action")
    referral.refresh_from_db()
    assert referral.state == BreachState.AWAITING_EO


def test_a_decided_referral_is_not_decided_again_and_the_refusal_names_the_decider(om, eo):
    referral = referred(om)
    eo_decide(eo, referral, "decide_court_action")
    with pytest.raises(InvalidTransition, match=f"by {eo.get_full_name()}"):
        eo_decide(staff("NPS_ENFORCEMENT_OFFICER", "NPS-WAL"), referral, "decide_no_further_action")


def test_no_court_outcome_before_court_action(om, eo):
    referral = referred(om)
    with pytest.raises(InvalidTransition, match="record the court's outcome"):
        outcome(eo, referral, "FINE")


@pytest.mark.parametrize(
    ("kind", "court_outcome", "reason"),
    [
        ("COMMUNITY_ORDER", "REVOKED_RESENTENCED", "BREACH_RESENTENCED"),
        ("SUSPENDED_SENTENCE_ORDER", "SSO_ACTIVATED", "SSO_ACTIVATED"),
        ("COMMUNITY_ORDER", "FINE", None),
        ("COMMUNITY_ORDER", "AMENDED", None),
        ("COMMUNITY_ORDER", "NOT_PROVEN", None),
        ("PSS", "SUPERVISION_DEFAULT_ORDER", None),
    ],
    ids=[
        "co-revoked-ends-the-order",
        "sso-activated-ends-the-order",
        "fine",
        "amended",
        "not-proven",
        "pss-supervision-default-order",
    ],
)
def test_the_court_outcome_and_its_effect_on_the_sentence(om, eo, kind, court_outcome, reason):
    referral = referred(om, kind=kind)
    eo_decide(eo, referral, "decide_court_action")
    recorded = outcome(eo, referral, court_outcome, notes="Hearing at 10:00")
    assert recorded.state == BreachState.COURT_OUTCOME
    assert (recorded.court_outcome, recorded.court_outcome_on) == (court_outcome, TODAY)
    sentence = Sentence.objects.get(pk=referral.sentence_id)
    if reason:
        assert sentence.status == "TERMINATED"
        assert Termination.objects.get(sentence=sentence).reason == reason
    else:
        assert sentence.status == "ACTIVE"
    assert Notification.objects.filter(
        organisation=org("CRC11"), title__startswith="Court outcome"
    ).exists()


@pytest.mark.parametrize(
    ("kind", "court_outcome", "on", "field"),
    [
        ("COMMUNITY_ORDER", "SSO_ACTIVATED", TODAY, "court_outcome"),
        ("SUSPENDED_SENTENCE_ORDER", "REVOKED_RESENTENCED", TODAY, "court_outcome"),
        ("PSS", "AMENDED", TODAY, "court_outcome"),
        ("COMMUNITY_ORDER", "GUILTY", TODAY, "court_outcome"),
        ("COMMUNITY_ORDER", "FINE", TODAY + datetime.timedelta(days=1), "court_outcome_on"),
        ("COMMUNITY_ORDER", "FINE", TODAY - datetime.timedelta(days=1), "court_outcome_on"),
        ("COMMUNITY_ORDER", "FINE", None, "court_outcome_on"),
    ],
    ids=[
        "sso-activation-on-a-co",
        "resentence-on-an-sso",
        "amended-pss",
        "unknown-outcome",
        "future-date",
        "before-the-referral",
        "no-date",
    ],
)
def test_a_court_outcome_that_cannot_be_is_refused(om, eo, kind, court_outcome, on, field):
    referral = referred(om, kind=kind)
    eo_decide(eo, referral, "decide_court_action")
    with pytest.raises(ValidationError) as error:
        outcome(eo, referral, court_outcome, on=on)
    assert field in error.value.message_dict
    referral.refresh_from_db()
    assert referral.state == BreachState.COURT_ACTION


def test_returned_with_advice_then_sent_back_with_a_new_pack(om, eo):
    referral = referred(om)
    first_pack = referral.pre_breach_pack_id
    returned = eo_decide(eo, referral, "return_with_advice", "Add the unpaid work hours done")
    assert returned.state == BreachState.RETURNED and returned.waiting_on == org("CRC11")
    assert returned.due_by is not None
    with pytest.raises(ValidationError):
        breach.breach_referral_resubmit(
            actor=om, crn=referral.person.crn, referral_id=referral.pk, account=""
        )
    again = breach.breach_referral_resubmit(
        actor=om,
        crn=referral.person.crn,
        referral_id=referral.pk,
        account="12 of 100 hours done; three sessions missed since",
    )
    assert again.state == BreachState.AWAITING_EO and again.waiting_on == org("NPS-WAL")
    pack = again.pre_breach_pack
    assert pack.pk != first_pack and pack.replaces_id == first_pack
    assert (pack.workflow, pack.record_id) == ("breach_referral", referral.pk)
    assert "12 of 100 hours done" in pack.body_html
    assert CaseDocument.objects.filter(kind="PRE_BREACH_PACK").count() == 2
    assert Notification.objects.filter(
        role="NPS_ENFORCEMENT_OFFICER", title__startswith="Breach referral sent back"
    ).exists()
    assert eo_decide(eo, again, "decide_court_action").state == BreachState.COURT_ACTION


def test_returned_with_advice_then_closed(om, eo):
    referral = referred(om)
    eo_decide(eo, referral, "return_with_advice", "A warning would be disproportionate")
    with pytest.raises(PermissionDenied):
        breach.breach_referral_close(
            actor=eo, crn=referral.person.crn, referral_id=referral.pk, notes="Closing"
        )
    closed = breach.breach_referral_close(
        actor=om, crn=referral.person.crn, referral_id=referral.pk, notes="Agreed: more contact"
    )
    assert closed.state == BreachState.CLOSED_AFTER_ADVICE and closed.closed_at is not None


def test_withdrawn_only_while_waiting_for_the_enforcement_officer(om, eo):
    referral = referred(om)
    with pytest.raises(ValidationError):
        breach.breach_referral_withdraw(
            actor=om, crn=referral.person.crn, referral_id=referral.pk, notes=""
        )
    withdrawn = breach.breach_referral_withdraw(
        actor=om, crn=referral.person.crn, referral_id=referral.pk, notes="Sentence ended"
    )
    assert withdrawn.state == BreachState.WITHDRAWN
    other = referred(om)
    eo_decide(eo, other, "decide_court_action")
    with pytest.raises(InvalidTransition):
        breach.breach_referral_withdraw(
            actor=om, crn=other.person.crn, referral_id=other.pk, notes="Too late"
        )


def test_the_queue_is_the_divisions_waiting_referrals_overdue_first(om, eo):
    due_later, overdue, at_court, closed = (referred(om) for _ in range(4))
    BreachReferral.objects.filter(pk=overdue.pk).update(due_by=TODAY - datetime.timedelta(days=10))
    eo_decide(eo, at_court, "decide_court_action")
    eo_decide(eo, closed, "decide_no_further_action")
    london = referred(staff("CRC_OFFENDER_MANAGER", "CRC20"), person=person_of("CRC20"))
    assert [r.pk for r in breach.eo_queue(eo)] == [overdue.pk, due_later.pk, at_court.pk]
    assert [r.pk for r in breach.eo_queue(staff("NPS_ENFORCEMENT_OFFICER", "NPS-LON"))] == [
        london.pk
    ]


# --- Two enforcement officers at once ------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_enforcement_officers_deciding_at_once_make_one_decision():
    om = staff("CRC_OFFENDER_MANAGER", "CRC11")
    referral = referred(om)
    officers = [staff("NPS_ENFORCEMENT_OFFICER", "NPS-WAL") for _ in range(2)]
    actions = ["decide_court_action", "decide_no_further_action"]
    barrier = threading.Barrier(len(officers))
    outcomes = []

    def go(officer, action):
        try:
            barrier.wait()
            eo_decide(officer, referral, action)
            outcomes.append("decided")
        except ValidationError as error:
            outcomes.append(" ".join(error.messages))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=go, args=pair) for pair in zip(officers, actions, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("decided") == 1, outcomes
    refusal = next(o for o in outcomes if o != "decided")
    referral.refresh_from_db()
    assert referral.decided_by.get_full_name() in refusal, refusal
    assert referral.state in (BreachState.COURT_ACTION, BreachState.NO_FURTHER_ACTION)
    decisions = WorkflowEvent.objects.filter(
        workflow="breach_referral", record_id=referral.pk
    ).exclude(action="open")
    assert decisions.count() == 1
