"""Risk escalation referrals CRC -> NPS (DOMAIN.md 5; enforcement.escalations): the CRC's
responsible officer refers with the plan's RoSH; immediate risk is due the same business
day; an NPS senior manager of the division decides – high moves the case to the NPS and
keeps it in the CRC's PbR cohort, not high leaves it with the CRC with the reasons; a case
at the NPS stays there when its risk falls; risk reviews set at allocation are answered by
a referral and cancelled when the NPS takes the case; one decision when two decide at once."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.http import Http404

from allocation import services as allocation_services
from allocation.rules import Rule, allocate
from enforcement import escalations
from enforcement.models import RiskEscalation, RiskReview
from enforcement.workflows import RISK_ESCALATION
from probation import access, clock
from probation.calendar import add_business_days
from probation.models import (
    AuditEvent,
    Notification,
    OffenderManagerAssignment,
    Sentence,
    WorkflowEvent,
)
from probation.workflow import InvalidTransition
from tests.allocation.allocated import new_case_in
from tests.probation.factories import (
    org,
    person_of,
    plan_of,
    requirement_of,
    sentence_of,
    staff,
    team_of,
)

pytestmark = pytest.mark.django_db


# --- Cases ----------------------------------------------------------------------------------


def allocated_to_crc(*, review_by=None, triggers="", rosh="MEDIUM"):
    """A Wales case allocated by the NPS to CRC11 (its PbR cohort) with a plan; optionally
    with a review-by date. Returns (person, sentence, the CRC offender manager)."""
    person, sentence = new_case_in("CRC11")
    allocation_services.allocation_confirm(
        actor=staff("NPS_ALLOCATION_OFFICER", "NPS-WAL"),
        crn=person.crn,
        number=sentence.number,
        decision="CRC",
        team=team_of(org("CRC11")),
        inputs={"rosh": "LOW"},
        review_by=review_by,
        review_triggers=triggers,
    )
    officer = staff("CRC_OFFENDER_MANAGER", "CRC11")
    plan_of(person, officer, rosh_level=rosh)
    person.refresh_from_db()
    sentence.refresh_from_db()
    return person, sentence, officer


def raise_for(officer, person, **kwargs):
    fields = dict(
        new_information="The police report threats to a former partner",
        crc_view="The risk of serious harm may now be high",
    )
    return escalations.escalation_raise(actor=officer, crn=person.crn, **{**fields, **kwargs})


def decide(manager, person, escalation, *, high=True, **kwargs):
    fields = dict(decision_reason="Threats with a weapon: the risk is high now")
    if high:
        fields["nps_team"] = team_of(org("NPS-WAL"))
    return escalations.escalation_decide(
        actor=manager,
        crn=person.crn,
        escalation_id=escalation.pk,
        high=high,
        **{**fields, **kwargs},
    )


@pytest.fixture
def manager():
    return staff("NPS_SENIOR_MANAGER", "NPS-WAL")


def freeze(monkeypatch, instant: datetime.datetime):
    monkeypatch.setattr(clock, "now", lambda: instant)


# --- Raising ----------------------------------------------------------------------------------


def test_a_referral_waits_on_the_division_with_the_plans_rosh_and_tells_its_senior_managers():
    person, _, officer = allocated_to_crc(rosh="MEDIUM")
    escalation = raise_for(officer, person)
    assert escalation.state == "AWAITING_NPS"
    assert escalation.waiting_on == org("NPS-WAL") == escalation.division
    assert escalation.raised_by_organisation == org("CRC11")
    assert escalation.current_rosh == "MEDIUM"
    assert escalation.due_by == add_business_days(clock.today(), 5)
    notice = Notification.objects.get(key=f"risk-escalation:{escalation.pk}:raised")
    assert (notice.organisation, notice.role, notice.kind) == (
        org("NPS-WAL"),
        "NPS_SENIOR_MANAGER",
        "RISK_ESCALATION",
    )
    assert "IMMEDIATE" not in notice.title
    assert WorkflowEvent.objects.filter(
        workflow="risk_escalation", record_id=escalation.pk, action="open", actor=officer
    ).exists()
    assert AuditEvent.objects.filter(
        action="CREATE", object_type="enforcement.riskescalation", person_crn=person.crn
    ).exists()


# Instants after the test staff's vetting starts (the clock is frozen for everything).
WEDNESDAY = datetime.datetime(2027, 3, 3, 10, tzinfo=datetime.UTC)
SATURDAY = datetime.datetime(2027, 3, 6, 10, tzinfo=datetime.UTC)
CHRISTMAS_EVE = datetime.datetime(2027, 12, 24, 10, tzinfo=datetime.UTC)  # a Friday
CHRISTMAS_DAY = datetime.datetime(2027, 12, 25, 10, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("instant", "immediate", "due"),
    [
        (WEDNESDAY, True, datetime.date(2027, 3, 3)),
        (WEDNESDAY, False, datetime.date(2027, 3, 10)),
        (SATURDAY, True, datetime.date(2027, 3, 8)),
        (
            CHRISTMAS_EVE,
            True,
            datetime.date(2027, 12, 24),
        ),
        # 27 and 28 December 2027 are the substitute Christmas and Boxing Day, 3 January 2028
        # the substitute New Year's Day: five business days after Friday 24 December 2027.
        (
            CHRISTMAS_EVE,
            False,
            datetime.date(2028, 1, 5),
        ),
        (
            CHRISTMAS_DAY,
            True,
            datetime.date(2027, 12, 29),
        ),
    ],
    ids=[
        "immediate-wednesday-same-day",
        "normal-wednesday-5-business-days",
        "immediate-saturday-due-monday",
        "immediate-christmas-eve-friday-same-day",
        "normal-christmas-eve-over-substitute-holidays",
        "immediate-christmas-day-saturday-due-wednesday-29th",
    ],
)
def test_the_decision_deadline(monkeypatch, settings, instant, immediate, due):
    settings.RISK_ESCALATION_DECISION_BUSINESS_DAYS = 5
    settings.IMMEDIATE_RISK_DECISION_BUSINESS_DAYS = 0
    person, _, officer = allocated_to_crc()
    freeze(monkeypatch, instant)
    escalation = raise_for(
        officer, person, immediate_risk=immediate, immediate_action="Police told at once"
    )
    assert escalation.due_by == due
    title = Notification.objects.get(key=f"risk-escalation:{escalation.pk}:raised").title
    assert title.startswith("IMMEDIATE RISK") is immediate


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"new_information": " "}, "new_information"),
        ({"crc_view": ""}, "crc_view"),
        ({"immediate_risk": True, "immediate_action": ""}, "immediate_action"),
        ({"risk_review_id": 999999}, "risk_review_id"),
    ],
    ids=["no-information", "no-view", "immediate-without-action", "unknown-review"],
)
def test_raising_errors_name_their_field_and_change_nothing(kwargs, field):
    person, _, officer = allocated_to_crc()
    with pytest.raises(ValidationError) as error:
        raise_for(officer, person, **kwargs)
    assert field in error.value.message_dict
    assert not RiskEscalation.objects.filter(person=person).exists()


def test_a_case_without_a_plan_is_referred_once_its_plan_gives_the_rosh():
    person, sentence = new_case_in("CRC11")
    allocation_services.allocation_confirm(
        actor=staff("NPS_ALLOCATION_OFFICER", "NPS-WAL"),
        crn=person.crn,
        number=sentence.number,
        decision="CRC",
        team=team_of(org("CRC11")),
        inputs={"rosh": "LOW"},
    )
    officer = staff("CRC_OFFENDER_MANAGER", "CRC11")
    with pytest.raises(ValidationError) as error:
        raise_for(officer, person)
    assert "current_rosh" in error.value.message_dict
    plan_of(person, officer, rosh_level="LOW")
    plan_of(person, officer, rosh_level="MEDIUM")  # the newest version counts
    assert raise_for(officer, person).current_rosh == "MEDIUM"


def test_one_referral_waits_per_person():
    person, _, officer = allocated_to_crc()
    raise_for(officer, person)
    with pytest.raises(ValidationError, match="the NPS has not decided yet"):
        raise_for(staff("CRC_MANAGER", "CRC11"), person)
    assert RiskEscalation.objects.filter(person=person).count() == 1


def test_an_nps_case_cannot_be_escalated():
    person = person_of("NPS", ldu_crc="CRC11")
    plan_of(person, staff("NPS_OFFENDER_MANAGER", "NPS-WAL"), rosh_level="MEDIUM")
    with pytest.raises(ValidationError, match="The NPS manages this case"):
        raise_for(staff("NPS_OFFENDER_MANAGER", "NPS-WAL"), person)


@pytest.mark.parametrize(
    ("role", "organisation", "refusal"),
    [
        ("CRC_MANAGER", "CRC11", None),
        ("PRISON_RESETTLEMENT_WORKER", "CRC11", PermissionDenied),
        ("NPS_SENIOR_MANAGER", "NPS-WAL", PermissionDenied),
        ("CRC_OFFENDER_MANAGER", "CRC20", Http404),
        ("NOMS_CONTRACT_MANAGER", "NOMS", PermissionDenied),
    ],
    ids=lambda v: v if isinstance(v, str) else getattr(v, "__name__", "allowed"),
)
def test_only_the_crcs_responsible_officer_refers(role, organisation, refusal):
    person, _, _ = allocated_to_crc()
    actor = staff(role, organisation)
    if refusal is None:
        assert raise_for(actor, person).raised_by == actor
    else:
        with pytest.raises(refusal):
            raise_for(actor, person)
        assert not RiskEscalation.objects.filter(person=person).exists()


# --- Deciding high: the case goes to the NPS, the PbR cohort stays ------------------------


def test_high_moves_the_case_to_the_nps_and_keeps_the_crcs_pbr_cohort(manager):
    person, sentence, officer = allocated_to_crc()
    assert sentence.pbr_provider == org("CRC11")
    escalation = raise_for(officer, person)
    nps_officer = staff("NPS_OFFENDER_MANAGER", "NPS-WAL")
    decided = decide(manager, person, escalation, nps_offender_manager=nps_officer)
    assert decided.state == "HIGH" and decided.closed_at is not None
    assert decided.decided_by == manager and decided.nps_team == team_of(org("NPS-WAL"))
    person.refresh_from_db()
    assert person.responsible_provider == org("NPS")
    current = OffenderManagerAssignment.objects.get(person=person, ended_at__isnull=True)
    assert (current.provider, current.team, current.offender_manager) == (
        org("NPS"),
        team_of(org("NPS-WAL")),
        nps_officer,
    )
    ended = OffenderManagerAssignment.objects.filter(person=person, ended_at=decided.decided_at)
    assert ended.get().team == team_of(org("CRC11"))
    # The PbR cohort is unchanged: the case stays in CRC11's (DOMAIN.md 5).
    assert Sentence.objects.get(pk=sentence.pk).pbr_provider == org("CRC11")
    assert not access.people_visible_to(officer).filter(pk=person.pk).exists()
    notice = Notification.objects.get(key=f"risk-escalation:{escalation.pk}:decided")
    assert notice.organisation == org("CRC11") and notice.person is None
    assert person.crn in notice.title and person.full_name not in notice.title


def test_continued_interventions_open_the_person_to_the_named_crc_officer_only(manager):
    person, _, officer = allocated_to_crc()
    colleague = staff("CRC_OFFENDER_MANAGER", "CRC11")
    other = person_of("NPS", ldu_crc="CRC11")
    escalation = raise_for(officer, person)
    decide(
        manager,
        person,
        escalation,
        continued_interventions="Thinking Skills Programme, sessions 6 to 12",
        crc_grantees=[officer],
    )
    assert access.people_changeable_by(officer).filter(pk=person.pk).exists()
    visible = access.people_visible_to(officer)
    assert visible.filter(pk=person.pk).exists() and not visible.filter(pk=other.pk).exists()
    assert not access.people_visible_to(colleague).filter(pk=person.pk).exists()
    granted = [
        e.changes["access_granted"][1]
        for e in AuditEvent.objects.filter(person_crn=person.crn)
        if "access_granted" in e.changes
    ]
    assert granted == [{"user": officer.username, "permission": "change_person"}]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"decision_reason": ""}, "decision_reason"),
        ({"nps_team": None}, "nps_team"),
        ({"nps_team": "london"}, "nps_team"),
        ({"continued_interventions": "Thinking Skills Programme"}, "crc_grantees"),
        ({"crc_grantees": "officer"}, "continued_interventions"),
        (
            {"continued_interventions": "Thinking Skills Programme", "crc_grantees": "crc20"},
            "crc_grantees",
        ),
    ],
    ids=[
        "no-reasons",
        "no-team",
        "team-of-another-division",
        "interventions-without-officers",
        "officers-without-interventions",
        "officer-of-another-crc",
    ],
)
def test_decision_errors_name_their_field_and_change_nothing(manager, kwargs, field):
    person, _, officer = allocated_to_crc()
    escalation = raise_for(officer, person)
    values = {
        "london": team_of(org("NPS-LON")),
        "officer": [officer],
        "crc20": [staff("CRC_OFFENDER_MANAGER", "CRC20")],
    }
    kwargs = {k: values.get(v, v) if isinstance(v, str) else v for k, v in kwargs.items()}
    if field == "continued_interventions":
        kwargs["crc_grantees"] = [officer]
    with pytest.raises(ValidationError) as error:
        decide(manager, person, escalation, **kwargs)
    assert field in error.value.message_dict
    escalation.refresh_from_db()
    person.refresh_from_db()
    assert escalation.state == "AWAITING_NPS" and person.responsible_provider == org("CRC11")


# --- A case at the NPS stays there ---------------------------------------------------------------


def test_a_case_at_the_nps_stays_there_when_its_risk_falls(manager):
    person, sentence, officer = allocated_to_crc()
    escalation = raise_for(officer, person)
    decide(
        manager,
        person,
        escalation,
        continued_interventions="Accredited programme",
        crc_grantees=[officer],
    )
    nps_officer = staff("NPS_OFFENDER_MANAGER", "NPS-WAL")
    plan_of(person, nps_officer, rosh_level="MEDIUM")
    person.refresh_from_db()
    assert person.responsible_provider == org("NPS")
    # Nobody can refer it again: not the NPS, not the CRC still delivering interventions.
    for actor in (nps_officer, officer):
        with pytest.raises(ValidationError, match="stays there even if its risk falls"):
            raise_for(actor, person)
    # A new sentence stays with the NPS too (allocation.rules, "NPS-managed stays NPS").
    later = sentence_of(person, sentence_date=clock.today())
    requirement_of(later, "UNPAID_WORK")
    facts = allocation_services.facts_for(person, later, {"rosh": "LOW"})
    recommended = allocate(facts)
    assert (recommended.decision, recommended.rule) == ("NPS", Rule.EXISTING_NPS_CASE)
    assert Sentence.objects.get(pk=sentence.pk).pbr_provider == org("CRC11")


# --- Deciding not high ----------------------------------------------------------------------------


def test_not_high_leaves_the_case_with_the_crc_and_tells_it_why(manager):
    person, sentence, officer = allocated_to_crc()
    escalation = raise_for(officer, person)
    decided = decide(manager, person, escalation, high=False, decision_reason="No weapon")
    assert decided.state == "NOT_HIGH" and decided.decision_reason == "No weapon"
    assert decided.nps_team is None
    person.refresh_from_db()
    assert person.responsible_provider == org("CRC11")
    assert OffenderManagerAssignment.objects.get(
        person=person, ended_at__isnull=True
    ).team == team_of(org("CRC11"))
    notice = Notification.objects.get(key=f"risk-escalation:{escalation.pk}:decided")
    assert notice.organisation == org("CRC11") and notice.person == person
    assert notice.body == "No weapon" and "stays with you" in notice.title
    # The CRC may refer again later.
    assert raise_for(officer, person).state == "AWAITING_NPS"


# --- Who decides and invalid moves ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "organisation", "refusal"),
    [
        ("NPS_ENFORCEMENT_OFFICER", "NPS-WAL", PermissionDenied),
        ("NPS_ALLOCATION_MANAGER", "NPS-WAL", PermissionDenied),
        ("CRC_MANAGER", "CRC11", PermissionDenied),
        ("NPS_SENIOR_MANAGER", "NPS-LON", Http404),
    ],
    ids=lambda v: v if isinstance(v, str) else v.__name__,
)
def test_only_a_senior_manager_of_the_division_decides(role, organisation, refusal):
    person, _, officer = allocated_to_crc()
    escalation = raise_for(officer, person)
    with pytest.raises(refusal):
        decide(staff(role, organisation), person, escalation)
    escalation.refresh_from_db()
    assert escalation.state == "AWAITING_NPS"


def test_a_decided_referral_is_not_decided_again_nor_withdrawn(manager):
    person, _, officer = allocated_to_crc()
    escalation = raise_for(officer, person)
    decide(manager, person, escalation, high=False)
    with pytest.raises(InvalidTransition, match="decided not high") as error:
        decide(staff("NPS_SENIOR_MANAGER", "NPS-WAL"), person, escalation)
    assert manager.get_full_name() in str(error.value.messages[0])
    with pytest.raises(InvalidTransition):
        escalations.escalation_withdraw(actor=officer, crn=person.crn, escalation_id=escalation.pk)
    assert (
        WorkflowEvent.objects.filter(record_id=escalation.pk, workflow="risk_escalation").count()
        == 2
    )


def test_the_raising_crc_withdraws_and_the_nps_does_not(manager):
    person, _, officer = allocated_to_crc()
    escalation = raise_for(officer, person)
    with pytest.raises(PermissionDenied):
        escalations.escalation_withdraw(actor=manager, crn=person.crn, escalation_id=escalation.pk)
    withdrawn = escalations.escalation_withdraw(
        actor=staff("CRC_MANAGER", "CRC11"),
        crn=person.crn,
        escalation_id=escalation.pk,
        reason="Raised on the wrong case",
    )
    assert withdrawn.state == "WITHDRAWN" and withdrawn.due_by is None
    with pytest.raises(InvalidTransition, match="withdrawn"):
        decide(manager, person, escalation)


def test_a_referral_of_another_person_is_missing(manager):
    person, _, officer = allocated_to_crc()
    escalation = raise_for(officer, person)
    other, _, _ = allocated_to_crc()
    with pytest.raises(Http404):
        escalations.escalation_decide(
            actor=manager,
            crn=other.crn,
            escalation_id=escalation.pk,
            high=False,
            decision_reason="x",
        )
    with pytest.raises(Http404):
        escalations.escalation_of(officer, other.crn, escalation.pk)


# --- Risk reviews set at allocation --------------------------------------------------------------


def test_a_review_by_date_at_allocation_opens_a_review_for_the_crc():
    review_by = clock.today() + datetime.timedelta(days=90)
    person, _, _ = allocated_to_crc(review_by=review_by, triggers="A new relationship")
    review = RiskReview.objects.get(person=person)
    assert (review.state, review.provider, review.review_by, review.triggers) == (
        "OPEN",
        org("CRC11"),
        review_by,
        "A new relationship",
    )
    assert review.due_by == review_by and review.waiting_on == org("CRC11")
    assert review.allocation.review_by == review_by


def test_no_review_without_a_date_or_for_the_nps():
    allocated_to_crc()
    person, sentence = new_case_in("CRC11")
    allocation_services.allocation_confirm(
        actor=staff("NPS_ALLOCATION_OFFICER", "NPS-WAL"),
        crn=person.crn,
        number=sentence.number,
        decision="NPS",
        team=team_of(org("NPS-WAL")),
        inputs={"rosh": "HIGH"},
        review_by=clock.today() + datetime.timedelta(days=30),
    )
    assert not RiskReview.objects.exists()


def test_a_referral_answers_the_review_and_high_cancels_the_ones_still_open(manager):
    person, _, officer = allocated_to_crc(review_by=clock.today() + datetime.timedelta(days=30))
    first = RiskReview.objects.get(person=person)
    escalation = raise_for(officer, person)
    first.refresh_from_db()
    assert escalation.risk_review == first and first.state == "REFERRED"
    # A concurrent order allocated later with its own review-by date.
    later = sentence_of(person, sentence_date=clock.today())
    requirement_of(later, "UNPAID_WORK")
    allocation_services.allocation_confirm(
        actor=staff("NPS_ALLOCATION_OFFICER", "NPS-WAL"),
        crn=person.crn,
        number=later.number,
        decision="CRC",
        team=team_of(org("CRC11")),
        inputs={"rosh": "LOW"},
        review_by=clock.today() + datetime.timedelta(days=60),
    )
    second = RiskReview.objects.get(person=person, state="OPEN")
    decide(manager, person, escalation)
    second.refresh_from_db()
    assert second.state == "CANCELLED" and second.waiting_on is None
    assert "risk escalation referral" in second.cancelled_reason
    assert (
        WorkflowEvent.objects.get(
            workflow="risk_review", record_id=second.pk, action="cancel"
        ).actor
        == manager
    )


def test_a_referral_answers_the_review_named():
    person, _, officer = allocated_to_crc(review_by=clock.today() + datetime.timedelta(days=30))
    review = RiskReview.objects.get(person=person)
    escalation = raise_for(officer, person, risk_review_id=review.pk)
    review.refresh_from_db()
    assert escalation.risk_review == review and review.state == "REFERRED"


@pytest.mark.parametrize("high", [True, False])
def test_the_nps_decision_answers_the_review(manager, high):
    person, _, officer = allocated_to_crc(review_by=clock.today() + datetime.timedelta(days=30))
    escalation = raise_for(officer, person)
    decide(manager, person, escalation, high=high)
    review = RiskReview.objects.get(person=person)
    assert review.state == "ANSWERED" and review.closed_at is not None
    assert review.due_by is None and review.waiting_on is None


def test_a_withdrawn_referral_leaves_the_review_owed_again_by_its_date():
    review_by = clock.today() + datetime.timedelta(days=30)
    person, _, officer = allocated_to_crc(review_by=review_by)
    escalation = raise_for(officer, person)
    escalations.escalation_withdraw(
        actor=officer, crn=person.crn, escalation_id=escalation.pk, reason="Wrong case"
    )
    review = RiskReview.objects.get(person=person)
    assert review.state == "OPEN" and review.due_by == review_by
    assert review.waiting_on == org("CRC11") and review.closed_at is None
    again = raise_for(officer, person)
    assert again.risk_review == review


# --- Two senior managers at once ------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_senior_managers_deciding_at_once_make_one_decision():
    person, sentence, officer = allocated_to_crc()
    escalation = raise_for(officer, person)
    managers = [staff("NPS_SENIOR_MANAGER", "NPS-WAL"), staff("NPS_SENIOR_MANAGER", "NPS-WAL")]
    team_of(org("NPS-WAL"))
    barrier = threading.Barrier(len(managers))
    outcomes = []

    def decide_as(manager, high):
        try:
            barrier.wait()
            decide(manager, person, escalation, high=high)
            outcomes.append("decided")
        except ValidationError as error:
            outcomes.append(" ".join(error.messages))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=decide_as, args=(m, h))
        for m, h in zip(managers, [True, False], strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("decided") == 1, outcomes
    assert any("you cannot decide" in o for o in outcomes), outcomes
    escalation.refresh_from_db()
    events = WorkflowEvent.objects.filter(workflow="risk_escalation", record_id=escalation.pk)
    assert events.exclude(action="open").count() == 1
    person.refresh_from_db()
    expected = org("NPS") if escalation.state == "HIGH" else org("CRC11")
    assert person.responsible_provider == expected
    assert (
        OffenderManagerAssignment.objects.filter(person=person, ended_at__isnull=True).count() == 1
    )
    assert Sentence.objects.get(pk=sentence.pk).pbr_provider == org("CRC11")


def test_the_table_lists_the_moves_a_senior_manager_may_take(manager):
    person, _, officer = allocated_to_crc()
    escalation = raise_for(officer, person)
    assert {t.action for t in RISK_ESCALATION.actions_for(manager, escalation)} == {
        "decide_high",
        "decide_not_high",
    }
    assert {t.action for t in RISK_ESCALATION.actions_for(officer, escalation)} == {"withdraw"}
