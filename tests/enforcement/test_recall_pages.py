"""The recall pages (``enforcement.views_recalls``): the responsible officer's request with
the route the rules choose shown before it is made, the request's page with the forms of
whoever may act now, and the senior managers' and PPCS's queues."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enforcement.models import Failure, RecallRequest
from probation import clock
from probation.models import AuditEvent, CaseDocument
from tests.enforcement.test_recalls import (
    endorse,
    escalation_of,
    failure_of,
    licence_case,
    ppcs,
    request,
    senior_manager,
    unendorsed_with_escalation,
)
from tests.probation.factories import person_of, sentence_of, staff

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    client.force_login(user)
    return client


def create_url(person, **query):
    url = reverse("enforcement:recall-create", args=[person.crn])
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def page_url(recall):
    return reverse("enforcement:recall_request", args=[recall.person.crn, recall.pk])


def form_data(sentence, **changes):
    return {
        "sentence_number": sentence.number,
        "reasons": "Out of touch for two weeks",
        "recommended_type": "STANDARD",
        **changes,
    }


# --- Requesting recall ---------------------------------------------------------------------------


def test_the_form_shows_that_endorsement_is_needed_with_an_escalation(client):
    person, officer, sentence = licence_case()
    escalation_of(person, officer)
    page = signed_in(client, officer).get(create_url(person))
    assert page.status_code == 200
    body = page.content.decode()
    assert "An NPS senior manager of" in body and "must endorse this request" in body
    assert 'name="emergency"' in body and "too immediate" in body
    assert AuditEvent.objects.filter(action="VIEW", person_crn=person.crn).exists()


@pytest.mark.parametrize(
    ("emergency", "state"),
    [(False, "AWAITING_ENDORSEMENT"), (True, "AWAITING_PPCS")],
    ids=["needs-endorsement", "emergency-straight-to-ppcs"],
)
def test_requesting_on_the_page_follows_the_rule(client, emergency, state):
    person, officer, sentence = licence_case()
    escalation_of(person, officer)
    data = form_data(sentence, **({"emergency": "on"} if emergency else {}))
    response = signed_in(client, officer).post(create_url(person), data)
    recall = RecallRequest.objects.get(person=person)
    assert response.status_code == 302 and response.url == page_url(recall)
    assert recall.state == state and recall.emergency is emergency


def test_without_an_escalation_the_form_says_it_goes_straight_to_ppcs(client):
    person, officer, sentence = licence_case()
    page = signed_in(client, officer).get(create_url(person))
    assert "goes straight to PPCS" in page.content.decode()
    client.post(create_url(person), form_data(sentence))
    assert RecallRequest.objects.get(person=person).state == "AWAITING_PPCS"


def test_a_form_with_errors_shows_an_error_summary(client):
    person, officer, sentence = licence_case()
    response = signed_in(client, officer).post(create_url(person), {"reasons": " "})
    body = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in body
    assert "Enter why the licence should be revoked" in body
    assert "Select the type of recall you recommend" in body
    assert not RecallRequest.objects.exists()


def test_a_second_open_request_is_an_error_on_the_page(client):
    person, officer, sentence = licence_case()
    request(officer, person, sentence)
    response = signed_in(client, officer).post(create_url(person), form_data(sentence))
    assert response.status_code == 200 and "open already" in response.content.decode()
    assert RecallRequest.objects.count() == 1


def test_a_person_not_on_licence_gets_no_form(client):
    person = person_of("CRC11")
    sentence_of(person, "COMMUNITY_ORDER")
    page = signed_in(client, staff("CRC_OFFENDER_MANAGER", "CRC11")).get(create_url(person))
    assert page.status_code == 200
    assert 'data-testid="not-on-licence"' in page.content.decode()
    assert '<form method="post" novalidate>' not in page.content.decode()


def test_a_request_from_a_failure_decides_the_failure(client):
    person, officer, sentence = licence_case()
    failure = failure_of(person, officer, sentence)
    url = create_url(person, failure=failure.pk)
    page = signed_in(client, officer).get(url)
    assert 'data-testid="linked-failure"' in page.content.decode()
    response = client.post(url, form_data(sentence))
    assert response.status_code == 302
    failure.refresh_from_db()
    assert failure.state == "RECALL_REQUESTED"
    assert RecallRequest.objects.get(person=person).failure == failure


def test_a_named_escalation_is_linked_and_anothers_is_missing(client):
    person, officer, sentence = licence_case()
    escalation = escalation_of(person, officer)
    other, other_officer, _ = licence_case()
    theirs = escalation_of(other, other_officer)
    signed_in(client, officer)
    assert client.get(create_url(person, escalation=theirs.pk)).status_code == 404
    assert client.get(create_url(person, failure=999999)).status_code == 404
    client.post(create_url(person, escalation=escalation.pk), form_data(sentence))
    assert RecallRequest.objects.get(person=person).risk_escalation == escalation


def test_only_the_responsible_officer_may_request(client):
    person, _, sentence = licence_case()
    worker = staff("PRISON_RESETTLEMENT_WORKER", "CRC11")
    page = signed_in(client, worker).get(create_url(person))
    assert page.status_code == 200
    assert 'data-testid="not-responsible"' in page.content.decode()
    assert client.post(create_url(person), form_data(sentence)).status_code == 403
    signed_in(client, staff("CRC_OFFENDER_MANAGER", "CRC20"))
    assert client.get(create_url(person)).status_code == 404
    assert client.post(create_url(person), form_data(sentence)).status_code == 404
    assert not RecallRequest.objects.exists()


# --- The request's page --------------------------------------------------------------------------


def test_the_senior_manager_endorses_and_ppcs_revokes_on_the_page(client):
    person, officer, sentence = licence_case()
    escalation_of(person, officer)
    recall = request(officer, person, sentence)
    manager = senior_manager()
    page = signed_in(client, manager).get(page_url(recall))
    body = page.content.decode()
    assert 'data-testid="endorsement-form"' in body and 'data-testid="decision-form"' not in body
    assert reverse("document", args=[person.crn, recall.document_id]) in body
    response = client.post(
        page_url(recall), {"form": "endorsement", "endorsement-decision": "endorse"}
    )
    assert response.status_code == 302
    recall.refresh_from_db()
    assert recall.state == "AWAITING_PPCS" and recall.endorsed_by == manager

    page = signed_in(client, ppcs()).get(page_url(recall))
    body = page.content.decode()
    assert 'data-testid="decision-form"' in body and 'data-testid="endorsement-form"' not in body
    response = client.post(
        page_url(recall),
        {"form": "decision", "decision-decision": "revoke", "decision-recall_type": "STANDARD"},
    )
    assert response.status_code == 302
    recall.refresh_from_db()
    assert recall.state == "REVOKED"
    body = signed_in(client, officer).get(page_url(recall)).content.decode()
    assert "stays with Wales" in body and "the recall does not move it" in body
    assert body.count('data-testid="history"') == 1 and "Licence revoked" in body
    person.refresh_from_db()
    assert person.responsible_provider.code == "CRC11"


def test_the_requesting_officer_sees_only_the_withdraw_form(client):
    person, officer, sentence = licence_case()
    recall = request(officer, person, sentence)
    body = signed_in(client, officer).get(page_url(recall)).content.decode()
    assert 'data-testid="withdraw-form"' in body
    assert 'data-testid="decision-form"' not in body
    assert 'data-testid="endorsement-form"' not in body
    response = client.post(page_url(recall), {"form": "withdraw", "withdraw-reason": ""})
    assert response.status_code == 200 and "There is a problem" in response.content.decode()
    response = client.post(page_url(recall), {"form": "withdraw", "withdraw-reason": "Reported"})
    assert response.status_code == 302
    recall.refresh_from_db()
    assert recall.state == "WITHDRAWN"


def test_declining_without_reasons_is_an_error_on_the_page(client):
    person, officer, sentence = licence_case()
    escalation_of(person, officer)
    recall = request(officer, person, sentence)
    signed_in(client, senior_manager())
    response = client.post(
        page_url(recall), {"form": "endorsement", "endorsement-decision": "decline_endorsement"}
    )
    body = response.content.decode()
    assert response.status_code == 200 and "Enter why you do not endorse the recall" in body
    recall.refresh_from_db()
    assert recall.state == "AWAITING_ENDORSEMENT"


def test_endorsing_twice_on_the_page_is_refused_with_who_did_it(client):
    person, officer, sentence = licence_case()
    escalation_of(person, officer)
    recall = request(officer, person, sentence)
    first = senior_manager()
    endorse(first, recall)
    signed_in(client, senior_manager())
    response = client.post(
        page_url(recall), {"form": "endorsement", "endorsement-decision": "endorse"}
    )
    body = response.content.decode()
    assert response.status_code == 200 and "you cannot endorse the recall now" in body
    assert first.display_name in body


def test_ppcs_is_told_why_it_cannot_revoke_an_unendorsed_escalation(client):
    person, officer, sentence = licence_case()
    recall = unendorsed_with_escalation(person, officer, sentence)
    signed_in(client, ppcs())
    body = client.get(page_url(recall)).content.decode()
    assert 'data-testid="refused"' in body and "only after an NPS senior manager" in body
    response = client.post(
        page_url(recall),
        {"form": "decision", "decision-decision": "revoke", "decision-recall_type": "STANDARD"},
    )
    assert response.status_code == 200
    assert "only after an NPS senior manager" in response.content.decode()
    recall.refresh_from_db()
    assert recall.state == "AWAITING_PPCS"


@pytest.mark.parametrize(
    ("role", "organisation", "status"),
    [
        ("CRC_OFFENDER_MANAGER", "CRC11", 403),
        ("NPS_ENFORCEMENT_OFFICER", "NPS-WAL", 403),
        ("PPCS_CASEWORKER", "PPCS", 403),
        ("CRC_OFFENDER_MANAGER", "CRC20", 404),
        ("NPS_SENIOR_MANAGER", "NPS-LON", 404),
    ],
    ids=["requesting-crc", "enforcement-officer", "ppcs", "crc-of-another-cpa", "other-division"],
)
def test_the_wrong_people_cannot_endorse_on_the_page(client, role, organisation, status):
    person, officer, sentence = licence_case()
    escalation_of(person, officer)
    recall = request(officer, person, sentence)
    signed_in(client, staff(role, organisation))
    response = client.post(
        page_url(recall), {"form": "endorsement", "endorsement-decision": "endorse"}
    )
    assert response.status_code == status
    recall.refresh_from_db()
    assert recall.state == "AWAITING_ENDORSEMENT"


def test_an_unknown_form_is_a_bad_request(client):
    person, officer, sentence = licence_case()
    recall = request(officer, person, sentence)
    assert signed_in(client, officer).post(page_url(recall), {"form": "x"}).status_code == 400


def test_the_page_of_another_persons_request_is_missing_under_a_visible_crn(client):
    person, officer, sentence = licence_case()
    other, other_officer, other_sentence = licence_case()
    theirs = request(other_officer, other, other_sentence)
    url = reverse("enforcement:recall_request", args=[person.crn, theirs.pk])
    assert signed_in(client, officer).get(url).status_code == 404


def test_the_document_opens_from_the_request(client):
    person, officer, sentence = licence_case()
    recall = request(officer, person, sentence)
    document = CaseDocument.objects.get(pk=recall.document_id)
    page = signed_in(client, ppcs()).get(reverse("document", args=[person.crn, document.pk]))
    assert page.status_code == 200 and "Out of touch for two weeks" in page.content.decode()


# --- Queues ------------------------------------------------------------------------------------


def _waiting_for_endorsement(n):
    made = []
    for _ in range(n):
        person, officer, sentence = licence_case()
        escalation_of(person, officer)
        made.append(request(officer, person, sentence))
    return made


def test_the_endorsement_queue_lists_overdue_first_with_business_days(client):
    made = _waiting_for_endorsement(2)
    today = clock.today()
    RecallRequest.objects.filter(pk=made[1].pk).update(due_by=today - datetime.timedelta(days=7))
    page = signed_in(client, senior_manager()).get(reverse("enforcement:endorsement-queue"))
    body = page.content.decode()
    assert page.status_code == 200
    assert body.index(made[1].person.crn) < body.index(made[0].person.crn)
    assert "Overdue by" in body and "business day" in body


def test_the_ppcs_queue_lists_emergencies_first_on_the_same_day(client):
    people = []
    for emergency in (False, True):
        person, officer, sentence = licence_case()
        request(officer, person, sentence, emergency=emergency)
        people.append(person)
    RecallRequest.objects.update(due_by=clock.today())
    body = signed_in(client, ppcs()).get(reverse("enforcement:ppcs-queue")).content.decode()
    assert body.index(people[1].crn) < body.index(people[0].crn)
    assert "Emergency" in body and "Due today" in body


@pytest.mark.parametrize(
    ("url_name", "role", "organisation"),
    [
        ("enforcement:endorsement-queue", "CRC_OFFENDER_MANAGER", "CRC11"),
        ("enforcement:endorsement-queue", "PPCS_CASEWORKER", "PPCS"),
        ("enforcement:ppcs-queue", "NPS_SENIOR_MANAGER", "NPS-WAL"),
        ("enforcement:ppcs-queue", "CRC_MANAGER", "CRC11"),
    ],
)
def test_the_queues_are_for_their_roles_only(client, url_name, role, organisation):
    _waiting_for_endorsement(1)
    response = signed_in(client, staff(role, organisation)).get(reverse(url_name))
    assert response.status_code == 403


def test_a_senior_manager_of_another_division_does_not_see_the_request(client):
    (recall,) = _waiting_for_endorsement(1)
    page = signed_in(client, senior_manager("NPS-LON")).get(
        reverse("enforcement:endorsement-queue")
    )
    assert page.status_code == 200 and recall.person.crn not in page.content.decode()


@pytest.mark.parametrize(
    ("url_name", "user", "make"),
    [
        ("enforcement:endorsement-queue", senior_manager, _waiting_for_endorsement),
        (
            "enforcement:ppcs-queue",
            ppcs,
            lambda n: [request(*_ppcs_case()) for _ in range(n)],
        ),
    ],
    ids=["endorsement", "ppcs"],
)
def test_the_queues_read_in_constant_queries(
    client, django_assert_num_queries, url_name, user, make
):
    signed_in(client, user())
    make(1)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(url_name)).status_code == 200
    make(4)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(reverse(url_name))
    assert response.content.decode().count('data-testid="queue-row"') == 5


def _ppcs_case():
    person, officer, sentence = licence_case()
    return officer, person, sentence


def test_a_failure_of_another_person_cannot_be_named(client):
    person, officer, _ = licence_case()
    other, other_officer, other_sentence = licence_case()
    theirs = failure_of(other, other_officer, other_sentence)
    assert signed_in(client, officer).get(create_url(person, failure=theirs.pk)).status_code == 404
    assert Failure.objects.get(pk=theirs.pk).state == "AWAITING_DECISION"
