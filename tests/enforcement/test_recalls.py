"""Licence recall requests (DOMAIN.md 6; ``enforcement.recalls``): the responsible officer
requests recall of a licence running today; with a risk escalation an NPS senior manager of
the person's division endorses it first unless the officer records an emergency recall;
PPCS revokes (standard or fixed-term) or not; a recall never moves the case; one decision
even when two people decide at once."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.http import Http404

from enforcement import recalls, workflows
from enforcement.models import Failure, RecallRequest, RiskEscalation
from probation import clock, documents
from probation.models import (
    AuditEvent,
    CaseDocument,
    Licence,
    LicenceCondition,
    Notification,
    WorkflowEvent,
)
from probation.workflow import InvalidTransition
from tests.probation.factories import org, person_of, plan_of, sentence_of, staff

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


# --- Making cases (shared with test_recall_pages.py) --------------------------------------------


def on_licence(person, *, start=None, end=None, **fields):
    """A custodial sentence whose licence runs today (by default), with its licence and a
    bespoke condition."""
    today = clock.today()
    sentence = sentence_of(
        person,
        "CUSTODIAL",
        term_months=18,
        sentence_date=today - datetime.timedelta(days=400),
        offence_date=today - datetime.timedelta(days=500),
        offence_description="Robbery",
        licence_start_date=start or today - datetime.timedelta(days=60),
        licence_end_date=end or today + datetime.timedelta(days=200),
        **fields,
    )
    licence = Licence.objects.create(sentence=sentence)
    LicenceCondition.objects.create(
        licence=licence, kind="BESPOKE", details="Not to enter Cardiff city centre"
    )
    return sentence


def licence_case(provider="CRC11"):
    """A person on licence managed by ``provider``, their responsible officer and sentence."""
    person = person_of(provider)
    role = "CRC_OFFENDER_MANAGER" if provider.startswith("CRC") else "NPS_OFFENDER_MANAGER"
    officer = staff(role, provider if provider.startswith("CRC") else "NPS-WAL")
    plan_of(person, officer, rosh_level="MEDIUM")
    return person, officer, on_licence(person)


def escalation_of(person, officer, *, immediate=False):
    return workflows.RISK_ESCALATION.open(
        RiskEscalation(
            person=person,
            raised_by=officer,
            raised_by_organisation=officer.organisation,
            division=person.ldu.division,
            new_information="Arrested for threats to a former partner",
            current_rosh="MEDIUM",
            crc_view="The risk to the former partner may now be high",
            immediate_risk=immediate,
        ),
        state="AWAITING_NPS",
        actor=officer,
    )


def failure_of(person, officer, sentence, *, enforced_as="LICENCE", on=None):
    return workflows.FAILURE.open(
        Failure(
            person=person,
            sentence=sentence,
            enforced_as=enforced_as,
            failure_date=on or clock.today(),
            description="Did not keep the appointment of 2 June",
            provider=person.responsible_provider,
            recorded_by=officer,
        ),
        state="AWAITING_DECISION",
        actor=officer,
    )


def request(officer, person, sentence, **kwargs):
    fields = dict(reasons="Out of touch for two weeks", recommended_type="STANDARD")
    return recalls.recall_request(
        actor=officer,
        crn=person.crn,
        sentence_number=sentence.number,
        **{**fields, **kwargs},
    )


def unendorsed_with_escalation(person, officer, sentence):
    """A request waiting on PPCS with a risk escalation, not an emergency and never endorsed:
    what the services never make (they send it for endorsement), opened straight."""
    escalation = escalation_of(person, officer)
    document = documents.document_create(
        actor=officer,
        person=person,
        kind="RECALL_REQUEST",
        title="Recall request",
        template=recalls.DOCUMENT_TEMPLATE,
        context={},
    )
    return workflows.RECALL_REQUEST.open(
        RecallRequest(
            person=person,
            sentence=sentence,
            risk_escalation=escalation,
            reasons="Threats",
            recommended_type="STANDARD",
            requested_by=officer,
            requested_by_organisation=officer.organisation,
            division=person.ldu.division,
            document=document,
        ),
        state="AWAITING_PPCS",
        actor=officer,
    )


def senior_manager(division="NPS-WAL"):
    return staff("NPS_SENIOR_MANAGER", division)


def ppcs():
    return staff("PPCS_CASEWORKER", "PPCS")


def decide(actor, recall, **kwargs):
    return recalls.recall_decide(actor=actor, crn=recall.person.crn, recall_id=recall.pk, **kwargs)


def endorse(actor, recall, notes=""):
    return recalls.recall_endorse(
        actor=actor, crn=recall.person.crn, recall_id=recall.pk, notes=notes
    )


# --- The route: endorsement or straight to PPCS -------------------------------------------------


def test_a_recall_without_a_risk_escalation_goes_straight_to_ppcs():
    person, officer, sentence = licence_case()
    recall = request(officer, person, sentence)
    assert recall.state == "AWAITING_PPCS"
    assert recall.waiting_on == org("PPCS")
    assert recall.risk_escalation is None and recall.endorsed_at is None
    assert recall.requested_by_organisation == org("CRC11")
    assert recall.division == person.ldu.division
    told = Notification.objects.get(key=f"recall-to-decide:{recall.pk}")
    assert told.organisation == org("PPCS") and told.person == person
    assert not Notification.objects.filter(key=f"recall-to-endorse:{recall.pk}").exists()


@pytest.mark.parametrize(
    ("emergency", "state"),
    [(False, "AWAITING_ENDORSEMENT"), (True, "AWAITING_PPCS")],
    ids=["with-escalation-needs-endorsement", "emergency-goes-straight-to-ppcs"],
)
def test_a_recall_with_the_open_risk_escalation_needs_endorsement_unless_emergency(
    emergency, state
):
    person, officer, sentence = licence_case()
    escalation = escalation_of(person, officer)
    recall = request(officer, person, sentence, emergency=emergency)
    assert recall.risk_escalation == escalation
    assert recall.state == state and recall.emergency is emergency
    if emergency:
        assert recall.waiting_on == org("PPCS")
        assert Notification.objects.filter(key=f"recall-to-decide:{recall.pk}").exists()
    else:
        assert recall.waiting_on == org("NPS-WAL")
        told = Notification.objects.get(key=f"recall-to-endorse:{recall.pk}")
        assert (told.organisation, told.role) == (org("NPS-WAL"), "NPS_SENIOR_MANAGER")


def test_a_named_risk_escalation_is_linked_even_when_decided():
    person, officer, sentence = licence_case()
    escalation = escalation_of(person, officer)
    RiskEscalation.objects.filter(pk=escalation.pk).update(
        state="NOT_HIGH", decided_at=escalation.opened_at, decision_reason="Medium still"
    )
    assert request(officer, person, sentence).risk_escalation is None
    recall = request(officer, person, on_licence(person), risk_escalation_id=escalation.pk)
    assert recall.risk_escalation == escalation and recall.state == "AWAITING_ENDORSEMENT"


def test_an_emergency_recall_without_an_escalation_is_recorded_and_due_the_same_day():
    person, officer, sentence = licence_case()
    recall = request(officer, person, sentence, emergency=True)
    assert recall.emergency and recall.state == "AWAITING_PPCS"
    assert recall.due_by <= recall.step_started_at.date() + datetime.timedelta(days=4)
    from probation.calendar import add_business_days

    assert recall.due_by == add_business_days(clock.today(), 0)


def test_a_withdrawn_or_anothers_escalation_cannot_be_linked():
    person, officer, sentence = licence_case()
    other, other_officer, _ = licence_case()
    theirs = escalation_of(other, other_officer)
    with pytest.raises(ValidationError) as refused:
        request(officer, person, sentence, risk_escalation_id=theirs.pk)
    assert "risk_escalation_id" in refused.value.message_dict
    withdrawn = escalation_of(person, officer)
    RiskEscalation.objects.filter(pk=withdrawn.pk).update(state="WITHDRAWN")
    with pytest.raises(ValidationError, match="withdrawn"):
        request(officer, person, sentence, risk_escalation_id=withdrawn.pk)


# --- Only a licence running today ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "allowed"),
    [
        (0, 200, True),
        (-60, 0, True),
        (1, 200, False),
        (-200, -1, False),
    ],
    ids=[
        "licence-starts-today",
        "licence-ends-today",
        "licence-starts-tomorrow",
        "licence-ended-yesterday",
    ],
)
def test_only_a_licence_running_today_can_be_recalled(start, end, allowed):
    person, officer, _ = licence_case()
    today = clock.today()
    sentence = on_licence(person, start=today + start * DAY, end=today + end * DAY)
    if allowed:
        assert request(officer, person, sentence).sentence == sentence
    else:
        with pytest.raises(ValidationError) as refused:
            request(officer, person, sentence)
        assert "not on licence today" in refused.value.message_dict["sentence_number"][0]


def test_a_community_order_or_an_unknown_sentence_is_a_field_error():
    person, officer, _ = licence_case()
    order = sentence_of(person, "COMMUNITY_ORDER")
    with pytest.raises(ValidationError) as refused:
        request(officer, person, order)
    assert "not on licence today" in refused.value.message_dict["sentence_number"][0]
    with pytest.raises(ValidationError) as unknown:
        recalls.recall_request(
            actor=officer,
            crn=person.crn,
            sentence_number=99,
            reasons="",
            recommended_type="SOMETIMES",
        )
    assert set(unknown.value.message_dict) == {"sentence_number", "reasons", "recommended_type"}
    assert not RecallRequest.objects.exists() and not CaseDocument.objects.exists()


def test_one_open_recall_per_sentence_and_a_new_one_after_withdrawal():
    person, officer, sentence = licence_case()
    first = request(officer, person, sentence)
    with pytest.raises(ValidationError, match="open already"):
        request(officer, person, sentence)
    recalls.recall_withdraw(
        actor=officer, crn=person.crn, recall_id=first.pk, reason="He reported today"
    )
    assert request(officer, person, sentence).state == "AWAITING_PPCS"


def test_the_database_allows_one_open_recall_per_sentence():
    person, officer, sentence = licence_case()
    first = request(officer, person, sentence)
    first.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        first.save()


# --- The document -------------------------------------------------------------------------------


def test_the_recall_request_document_is_stored_with_the_case_facts():
    person, officer, sentence = licence_case()
    escalation_of(person, officer)
    recall = request(
        officer, person, sentence, reasons="Threatened his former partner", emergency=True
    )
    document = recall.document
    assert document.kind == "RECALL_REQUEST" and document.person == person
    assert (document.workflow, document.record_id) == ("recall_request", recall.pk)
    body = document.body_html
    for fact in (
        person.crn,
        "Robbery",
        "Not to enter Cardiff city centre",
        "Threatened his former partner",
        "Standard recall",
        "Medium",
        "Arrested for threats to a former partner",
        "Emergency recall",
        officer.display_name,
    ):
        assert fact in body, fact
    assert AuditEvent.objects.filter(
        object_type="probation.casedocument", object_id=str(document.pk), action="CREATE"
    ).exists()


# --- Endorsement and PPCS decision --------------------------------------------------------------


def test_endorsed_then_revoked_the_case_stays_with_its_crc():
    person, officer, sentence = licence_case()
    escalation_of(person, officer)
    recall = request(officer, person, sentence)
    manager = senior_manager()
    recall = endorse(manager, recall, notes="Agreed: the risk is escalating")
    assert recall.state == "AWAITING_PPCS" and recall.waiting_on == org("PPCS")
    assert recall.endorsed_by == manager and recall.endorsed_at is not None
    assert Notification.objects.filter(key=f"recall-to-decide:{recall.pk}").exists()
    assert Notification.objects.get(key=f"recall-endorsed:{recall.pk}").organisation == org("CRC11")
    caseworker = ppcs()
    recall = decide(caseworker, recall, revoke=True, recall_type="FIXED_TERM")
    assert recall.state == "REVOKED" and recall.recall_type == "FIXED_TERM"
    assert recall.decided_by == caseworker and recall.closed_at is not None
    person.refresh_from_db()
    assert person.responsible_provider == org("CRC11")
    assert "stays with Wales" in recalls.case_after_revocation(recall)
    told = Notification.objects.get(key=f"recall-decided:{recall.pk}")
    assert told.organisation == org("CRC11") and "fixed-term" in told.title
    actions = list(
        WorkflowEvent.objects.filter(workflow="recall_request", record_id=recall.pk)
        .order_by("pk")
        .values_list("action", "actor_organisation__code")
    )
    assert actions == [("open", "CRC11"), ("endorse", "NPS-WAL"), ("revoke", "PPCS")]


def test_indeterminate_and_nps_cases_are_described_as_nps():
    person, officer, _ = licence_case("NPS")
    sentence = on_licence(person, indeterminate=True)
    recall = request(officer, person, sentence)
    assert "indeterminate" in recalls.case_after_revocation(recall)
    other = request(officer, person, on_licence(person))
    assert "stays with National Probation Service" in recalls.case_after_revocation(other)


def test_ppcs_may_decide_not_to_recall_with_reasons():
    person, officer, sentence = licence_case()
    recall = request(officer, person, sentence)
    with pytest.raises(ValidationError) as refused:
        decide(ppcs(), recall, revoke=False)
    assert "reasons" in refused.value.message_dict
    recall = decide(ppcs(), recall, revoke=False, reasons="Re-engaged; a warning suffices")
    assert recall.state == "NOT_REVOKED" and recall.recall_type == ""
    assert Notification.objects.get(key=f"recall-decided:{recall.pk}").body == (
        "Re-engaged; a warning suffices"
    )


def test_revocation_needs_a_recall_type():
    person, officer, sentence = licence_case()
    recall = request(officer, person, sentence)
    with pytest.raises(ValidationError) as refused:
        decide(ppcs(), recall, revoke=True, recall_type="")
    assert "recall_type" in refused.value.message_dict


def test_declining_endorsement_needs_reasons_and_closes_the_request():
    person, officer, sentence = licence_case()
    escalation_of(person, officer)
    recall = request(officer, person, sentence)
    manager = senior_manager()
    with pytest.raises(ValidationError) as refused:
        recalls.recall_decline_endorsement(
            actor=manager, crn=person.crn, recall_id=recall.pk, notes=" "
        )
    assert "notes" in refused.value.message_dict
    recall = recalls.recall_decline_endorsement(
        actor=manager, crn=person.crn, recall_id=recall.pk, notes="Manage in the community"
    )
    assert recall.state == "NOT_ENDORSED" and recall.endorsed_at is None
    assert recall.closed_at is not None and recall.waiting_on is None
    assert Notification.objects.filter(key=f"recall-not-endorsed:{recall.pk}").exists()


def test_ppcs_cannot_revoke_an_unendorsed_request_that_came_with_an_escalation():
    person, officer, sentence = licence_case()
    recall = unendorsed_with_escalation(person, officer, sentence)
    with pytest.raises(InvalidTransition, match="only after an NPS senior manager"):
        decide(ppcs(), recall, revoke=True, recall_type="STANDARD")
    recall.refresh_from_db()
    assert recall.state == "AWAITING_PPCS"
    # The database refuses it too, whatever writes the row.
    with pytest.raises(IntegrityError), transaction.atomic():
        RecallRequest.objects.filter(pk=recall.pk).update(state="REVOKED", recall_type="STANDARD")
    # Not recalling needs no endorsement.
    assert decide(ppcs(), recall, revoke=False, reasons="No").state == "NOT_REVOKED"


def test_an_emergency_request_with_an_escalation_can_be_revoked_without_endorsement():
    person, officer, sentence = licence_case()
    escalation_of(person, officer, immediate=True)
    recall = request(officer, person, sentence, emergency=True)
    recall = decide(ppcs(), recall, revoke=True, recall_type="STANDARD")
    assert recall.state == "REVOKED" and recall.endorsed_at is None


# --- Invalid moves and the wrong people ---------------------------------------------------------


def test_endorsing_twice_is_refused_naming_who_endorsed():
    person, officer, sentence = licence_case()
    escalation_of(person, officer)
    recall = request(officer, person, sentence)
    endorse(senior_manager(), recall)
    with pytest.raises(InvalidTransition, match="cannot endorse the recall now"):
        endorse(senior_manager(), recall)


def test_ppcs_cannot_decide_before_endorsement():
    person, officer, sentence = licence_case()
    escalation_of(person, officer)
    recall = request(officer, person, sentence)
    for revoke in (True, False):
        with pytest.raises(InvalidTransition, match="waiting for an nps senior manager"):
            decide(ppcs(), recall, revoke=revoke, recall_type="STANDARD", reasons="x")


def test_a_request_cannot_be_withdrawn_or_endorsed_after_the_decision():
    person, officer, sentence = licence_case()
    recall = request(officer, person, sentence)
    decide(ppcs(), recall, revoke=True, recall_type="STANDARD")
    with pytest.raises(InvalidTransition, match="cannot withdraw the recall request now"):
        recalls.recall_withdraw(actor=officer, crn=person.crn, recall_id=recall.pk, reason="x")
    with pytest.raises(InvalidTransition):
        decide(ppcs(), recall, revoke=False, reasons="changed my mind")


def test_withdrawal_needs_a_reason_and_tells_whoever_was_to_act():
    person, officer, sentence = licence_case()
    escalation_of(person, officer)
    recall = request(officer, person, sentence)
    with pytest.raises(ValidationError):
        recalls.recall_withdraw(actor=officer, crn=person.crn, recall_id=recall.pk, reason="")
    recall = recalls.recall_withdraw(
        actor=officer, crn=person.crn, recall_id=recall.pk, reason="Back in touch"
    )
    assert recall.state == "WITHDRAWN"
    told = Notification.objects.get(key=f"recall-withdrawn:{recall.pk}")
    assert (told.organisation, told.role) == (org("NPS-WAL"), "NPS_SENIOR_MANAGER")


@pytest.mark.parametrize(
    ("role", "organisation", "refusal"),
    [
        ("CRC_OFFENDER_MANAGER", "CRC11", PermissionDenied),
        ("NPS_ENFORCEMENT_OFFICER", "NPS-WAL", PermissionDenied),
        ("PPCS_CASEWORKER", "PPCS", PermissionDenied),
        ("NPS_SENIOR_MANAGER", "NPS-LON", Http404),
        ("CRC_OFFENDER_MANAGER", "CRC20", Http404),
    ],
    ids=[
        "requesting-crc",
        "enforcement-officer",
        "ppcs",
        "senior-manager-of-another-division",
        "crc-of-another-cpa",
    ],
)
def test_only_a_senior_manager_of_the_division_endorses(role, organisation, refusal):
    person, officer, sentence = licence_case()
    escalation_of(person, officer)
    recall = request(officer, person, sentence)
    with pytest.raises(refusal):
        endorse(staff(role, organisation), recall)
    recall.refresh_from_db()
    assert recall.state == "AWAITING_ENDORSEMENT"


@pytest.mark.parametrize(
    ("role", "organisation", "refusal"),
    [
        ("CRC_OFFENDER_MANAGER", "CRC11", PermissionDenied),
        ("NPS_SENIOR_MANAGER", "NPS-WAL", PermissionDenied),
        ("NOMS_CONTRACT_MANAGER", "NOMS", PermissionDenied),
        ("CRC_OFFENDER_MANAGER", "CRC20", Http404),
    ],
    ids=["requesting-crc", "senior-manager", "noms", "crc-of-another-cpa"],
)
def test_only_ppcs_decides(role, organisation, refusal):
    person, officer, sentence = licence_case()
    recall = request(officer, person, sentence)
    with pytest.raises(refusal):
        decide(staff(role, organisation), recall, revoke=True, recall_type="STANDARD")


def test_an_unvetted_ppcs_caseworker_decides_nothing():
    person, officer, sentence = licence_case()
    recall = request(officer, person, sentence)
    with pytest.raises(PermissionDenied):
        decide(staff("PPCS_CASEWORKER", "PPCS", vetted=False), recall, revoke=False, reasons="x")


@pytest.mark.parametrize(
    ("role", "organisation", "refusal"),
    [
        ("PRISON_RESETTLEMENT_WORKER", "CRC11", PermissionDenied),
        ("NPS_SENIOR_MANAGER", "NPS-WAL", PermissionDenied),
        ("NOMS_CONTRACT_MANAGER", "NOMS", PermissionDenied),
        ("PPCS_CASEWORKER", "PPCS", PermissionDenied),
        ("CRC_OFFENDER_MANAGER", "CRC20", Http404),
    ],
    ids=["resettlement-worker", "nps-senior-manager", "noms", "ppcs", "crc-of-another-cpa"],
)
def test_only_the_responsible_officer_requests_recall(role, organisation, refusal):
    person, _, sentence = licence_case()
    with pytest.raises(refusal):
        request(staff(role, organisation), person, sentence)
    assert not RecallRequest.objects.exists()


def test_only_the_requesting_provider_withdraws():
    person, officer, sentence = licence_case()
    recall = request(officer, person, sentence)
    with pytest.raises(PermissionDenied):
        recalls.recall_withdraw(actor=ppcs(), crn=person.crn, recall_id=recall.pk, reason="x")


def test_a_request_of_another_person_is_not_found_under_a_visible_crn():
    person, officer, sentence = licence_case()
    other, other_officer, other_sentence = licence_case()
    theirs = request(other_officer, other, other_sentence)
    with pytest.raises(Http404):
        recalls.recall_endorse(actor=senior_manager(), crn=person.crn, recall_id=theirs.pk)
    with pytest.raises(Http404):
        recalls.recall_of(officer, person.crn, theirs.pk)


# --- From a failure to comply on licence --------------------------------------------------------


def test_a_recall_from_a_licence_failure_decides_the_failure():
    person, officer, sentence = licence_case()
    failure = failure_of(person, officer, sentence)
    recall = request(officer, person, sentence, failure_id=failure.pk)
    assert recall.failure == failure
    failure.refresh_from_db()
    assert failure.state == "RECALL_REQUESTED" and failure.closed_at is not None
    assert failure.decided_by == officer and failure.options["referral_to"] == "PPCS"
    assert WorkflowEvent.objects.filter(
        workflow="failure", record_id=failure.pk, action="request_recall"
    ).exists()
    assert "Did not keep the appointment" in recall.document.body_html


def test_a_failure_that_cannot_lead_to_recall_is_a_field_error():
    person, officer, sentence = licence_case()
    decided = failure_of(person, officer, sentence)
    Failure.objects.filter(pk=decided.pk).update(state="WARNED", warned_on=clock.today())
    order = sentence_of(person, "COMMUNITY_ORDER")
    on_order = failure_of(person, officer, order, enforced_as="COMMUNITY_ORDER")
    other_licence = on_licence(person)
    on_other = failure_of(person, officer, other_licence)
    for failure, message in (
        (decided, "decided already"),
        (on_order, "not on a licence"),
        (on_other, "on another sentence"),
    ):
        with pytest.raises(ValidationError) as refused:
            request(officer, person, sentence, failure_id=failure.pk)
        assert message in refused.value.message_dict["failure_id"][0]
    assert not RecallRequest.objects.exists()
    on_other.refresh_from_db()
    assert on_other.state == "AWAITING_DECISION"


# --- Queues -------------------------------------------------------------------------------------


def test_the_queues_hold_what_waits_on_the_users_organisation_overdue_first():
    manager, caseworker = senior_manager(), ppcs()
    made = []
    for _ in range(3):
        person, officer, sentence = licence_case()
        escalation_of(person, officer)
        made.append(request(officer, person, sentence))
    london, london_officer, london_sentence = licence_case("CRC20")
    escalation_of(london, london_officer)
    request(london_officer, london, london_sentence)  # waits on NPS London
    today = clock.today()
    RecallRequest.objects.filter(pk=made[2].pk).update(due_by=today - 3 * DAY)
    RecallRequest.objects.filter(pk=made[1].pk).update(due_by=today + 5 * DAY)
    queue = list(recalls.endorsement_queue(user=manager))
    assert [r.pk for r in queue] == [made[2].pk, made[0].pk, made[1].pk]
    assert list(recalls.ppcs_queue(user=caseworker)) == []
    endorse(manager, made[0])
    assert [r.pk for r in recalls.ppcs_queue(user=caseworker)] == [made[0].pk]
    assert [r.pk for r in recalls.endorsement_queue(user=manager)] == [made[2].pk, made[1].pk]


def test_on_the_same_due_day_emergency_recalls_come_first():
    caseworker = ppcs()
    made = []
    for emergency in (False, True):
        person, officer, sentence = licence_case()
        made.append(request(officer, person, sentence, emergency=emergency))
    RecallRequest.objects.update(due_by=clock.today())
    assert [r.emergency for r in recalls.ppcs_queue(user=caseworker)] == [True, False]


# --- Two deciders at once -----------------------------------------------------------------------


def _at_once(actors, act):
    barrier = threading.Barrier(len(actors))
    outcomes = []

    def run(actor):
        try:
            barrier.wait()
            act(actor)
            outcomes.append("done")
        except ValidationError as error:
            outcomes.append(" ".join(error.messages))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(a,)) for a in actors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_ppcs_caseworkers_deciding_at_once_make_one_decision():
    person, officer, sentence = licence_case()
    recall = request(officer, person, sentence)
    caseworkers = [ppcs(), ppcs()]
    choices = {caseworkers[0].pk: True, caseworkers[1].pk: False}

    def act(caseworker):
        decide(
            caseworker,
            recall,
            revoke=choices[caseworker.pk],
            recall_type="STANDARD",
            reasons="Decided",
        )

    outcomes = _at_once(caseworkers, act)
    assert outcomes.count("done") == 1, outcomes
    assert any("you cannot" in o for o in outcomes), outcomes
    recall.refresh_from_db()
    assert recall.state in ("REVOKED", "NOT_REVOKED")
    events = WorkflowEvent.objects.filter(workflow="recall_request", record_id=recall.pk)
    assert events.exclude(action="open").count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_senior_managers_endorsing_at_once_make_one_endorsement():
    person, officer, sentence = licence_case()
    escalation_of(person, officer)
    recall = request(officer, person, sentence)
    managers = [senior_manager(), senior_manager()]
    outcomes = _at_once(managers, lambda manager: endorse(manager, recall))
    assert outcomes.count("done") == 1, outcomes
    assert any("cannot endorse the recall now" in o for o in outcomes), outcomes
    recall.refresh_from_db()
    assert recall.state == "AWAITING_PPCS"
    assert (
        WorkflowEvent.objects.filter(
            workflow="recall_request", record_id=recall.pk, action="endorse"
        ).count()
        == 1
    )
