"""The pages and endpoint for cases allocated in error: the history and the flag link on the
allocation page, the flag form, the NPS decision page with its GOV.UK error summary, the
division's list of open flags (constant queries), and the API."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from allocation import reallocation
from allocation.models import AllocationDecision, ReallocationRequest
from probation.models import AuditEvent
from tests.allocation.test_reallocation import allocated, flag
from tests.probation.factories import api_client, org, staff, team_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    return staff("NPS_ALLOCATION_OFFICER", "NPS-WAL")


def page(sentence):
    return f"/allocation/{sentence.person.crn}/{sentence.number}/"


def flag_page(sentence):
    return f"{page(sentence)}flag/"


def decide_page(request):
    return f"{page(request.sentence)}reallocation/{request.pk}/"


def signed_in(client, user):
    client.force_login(user)
    return client


# --- The allocation page ------------------------------------------------------------------------


def test_allocation_page_offers_the_flag_to_the_provider_responsible(client, officer):
    person, sentence = allocated(officer)
    body = signed_in(client, staff("CRC_OFFENDER_MANAGER", "CRC11")).get(page(sentence))
    text = body.content.decode()
    assert body.status_code == 200
    assert "History" in text and "Flag this case as allocated in error" in text
    assert f'href="{flag_page(sentence)}"' in text


def test_the_flag_link_is_not_offered_to_readers(client, officer):
    person, sentence = allocated(officer)
    text = signed_in(client, staff("NOMS_CONTRACT_MANAGER", "NOMS")).get(page(sentence))
    assert "History" in text.content.decode()
    assert "Flag this case as allocated in error" not in text.content.decode()


def test_allocation_page_shows_the_current_decision_and_the_history_in_order(client, officer):
    person, sentence = allocated(officer)
    request = flag(staff("CRC_OFFENDER_MANAGER", "CRC11"), person, sentence)
    reallocation.reallocation_decide(
        actor=officer,
        request_id=request.pk,
        crn=person.crn,
        accept=True,
        decision="CRC",
        crc_code="CRC20",
        team=team_of(org("CRC20")),
        judgement="Lives in Lambeth",
    )
    text = signed_in(client, officer).get(page(sentence)).content.decode()
    current = text[text.index('data-testid="current-decision"') :]
    assert "London" in current[: current.index("</dl>")]
    history = text[text.index('data-testid="allocation-history"') :]
    first, second = history.index("Allocation to"), history.index("Reallocation of a case")
    assert first < second
    assert "Reallocated" in history  # the request's status, under the decision it corrected
    # The new provider sees the case and its history too.
    text = signed_in(client, staff("CRC_MANAGER", "CRC20")).get(page(sentence)).content.decode()
    assert "allocation-history" in text and "Flag this case as allocated in error" in text


def test_an_open_flag_is_shown_with_a_link_to_decide(client, officer):
    person, sentence = allocated(officer)
    request = flag(staff("CRC_OFFENDER_MANAGER", "CRC11"), person, sentence)
    text = signed_in(client, officer).get(page(sentence)).content.decode()
    assert "Decide on the flag" in text and decide_page(request) in text
    assert "Flag this case as allocated in error" not in text


# --- Flagging ---------------------------------------------------------------------------------


def test_flag_form_shows_an_error_summary_and_saves_nothing(client, officer):
    person, sentence = allocated(officer)
    client = signed_in(client, staff("CRC_OFFENDER_MANAGER", "CRC11"))
    response = client.post(flag_page(sentence), {"reason": "", "proposed_organisation": "CRC11"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in text and "Enter why the case was allocated in error" in text
    assert 'href="#id_reason"' in text
    assert not ReallocationRequest.objects.exists()
    # The service's own errors reach the summary too.
    response = client.post(
        flag_page(sentence), {"reason": "Wrong", "proposed_organisation": "CRC11"}
    )
    assert "responsible for the case already" in response.content.decode()
    assert not ReallocationRequest.objects.exists()


def test_flagging_from_the_page(client, officer):
    person, sentence = allocated(officer)
    client = signed_in(client, staff("CRC_OFFENDER_MANAGER", "CRC11"))
    form = client.get(flag_page(sentence)).content.decode()
    assert "National Probation Service" in form and "London" in form  # NPS + 21 CRCs
    response = client.post(
        flag_page(sentence), {"reason": "Home is in Lambeth", "proposed_organisation": "CRC20"}
    )
    assert response.status_code == 302 and response["Location"] == page(sentence)
    request = ReallocationRequest.objects.get()
    assert (request.proposed_organisation.code, request.raised_by_organisation.code) == (
        "CRC20",
        "CRC11",
    )
    again = client.get(flag_page(sentence)).content.decode()
    assert 'data-testid="already-flagged"' in again and "<textarea" not in again


def test_flag_page_of_an_unallocated_sentence_says_so(client):
    from tests.allocation.test_allocation import new_case

    person, sentence = new_case()
    response = signed_in(client, staff("NPS_ALLOCATION_OFFICER", "NPS-WAL")).get(
        flag_page(sentence)
    )
    assert (
        response.status_code == 200 and 'data-testid="not-allocated"' in response.content.decode()
    )


def test_flag_page_answers_404_to_another_crc_and_403_to_a_reader(client, officer):
    person, sentence = allocated(officer)
    assert (
        signed_in(client, staff("CRC_MANAGER", "CRC20")).get(flag_page(sentence)).status_code == 404
    )
    noms = signed_in(client, staff("NOMS_CONTRACT_MANAGER", "NOMS"))
    assert noms.get(flag_page(sentence)).status_code == 403
    assert noms.post(flag_page(sentence), {"reason": "x"}).status_code == 403


# --- Deciding ---------------------------------------------------------------------------------


def test_decide_page_error_summaries(client, officer):
    person, sentence = allocated(officer)
    request = flag(staff("CRC_OFFENDER_MANAGER", "CRC11"), person, sentence)
    client = signed_in(client, officer)
    response = client.post(decide_page(request), {"action": "decide"})
    text = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in text
    assert "Select whether the case moves or the allocation stands" in text
    assert 'href="#id_outcome"' in text
    response = client.post(decide_page(request), {"action": "decide", "outcome": "accept"})
    text = response.content.decode()
    assert "Choose the team that will manage the case" in text
    assert "Select the NPS or a CRC" in text and "why the case moves" in text
    response = client.post(decide_page(request), {"action": "decide", "outcome": "reject"})
    assert "Enter why the allocation stands" in response.content.decode()
    request.refresh_from_db()
    assert request.status == "OPEN"
    assert AllocationDecision.objects.filter(sentence=sentence).count() == 1


def test_choosing_a_crc_offers_its_teams_without_deciding(client, officer):
    person, sentence = allocated(officer)
    request = flag(staff("CRC_OFFENDER_MANAGER", "CRC11"), person, sentence)
    client = signed_in(client, officer)
    london_team, wales_nps = team_of(org("CRC20")), team_of(org("NPS-WAL"))
    before = client.get(decide_page(request)).content.decode()
    assert f'value="{wales_nps.pk}"' in before and f'value="{london_team.pk}"' not in before
    response = client.post(
        decide_page(request), {"action": "teams", "outcome": "accept", "provider": "CRC20"}
    )
    text = response.content.decode()
    assert f'value="{london_team.pk}"' in text and f'value="{wales_nps.pk}"' in text
    assert "There is a problem" not in text
    assert 'value="accept" data-aria-controls="conditional-accept" checked' in text


def test_deciding_from_the_page_reallocates(client, officer):
    person, sentence = allocated(officer)
    request = flag(staff("CRC_OFFENDER_MANAGER", "CRC11"), person, sentence)
    client = signed_in(client, officer)
    response = client.post(
        decide_page(request),
        {
            "action": "decide",
            "outcome": "accept",
            "provider": "CRC20",
            "team": team_of(org("CRC20")).pk,
            "judgement": "Lives in Lambeth",
        },
    )
    assert response.status_code == 302 and response["Location"] == page(sentence)
    request.refresh_from_db()
    assert request.status == "ACCEPTED" and request.result.organisation.code == "CRC20"
    # Read-only afterwards, and a second decision is refused with who decided.
    text = client.get(decide_page(request)).content.decode()
    assert "Save decision" not in text and "Reallocated to" in text
    again = client.post(
        decide_page(request), {"action": "decide", "outcome": "reject", "reason": "Stands"}
    )
    assert "decided this request" in again.content.decode()


def test_crc_staff_read_the_flag_but_cannot_decide(client, officer):
    person, sentence = allocated(officer)
    crc_om = staff("CRC_OFFENDER_MANAGER", "CRC11")
    request = flag(crc_om, person, sentence)
    client = signed_in(client, crc_om)
    text = client.get(decide_page(request))
    assert text.status_code == 200 and "Save decision" not in text.content.decode()
    assert AuditEvent.objects.filter(
        action="VIEW", object_type="allocation.reallocationrequest", person_crn=person.crn
    ).exists()
    denied = client.post(
        decide_page(request), {"action": "decide", "outcome": "reject", "reason": "x"}
    )
    assert denied.status_code == 403
    other = signed_in(client, staff("CRC_OFFENDER_MANAGER", "CRC20"))
    assert other.get(decide_page(request)).status_code == 404
    assert other.post(decide_page(request), {"outcome": "reject"}).status_code == 404


# --- The division's open flags ------------------------------------------------------------------


def test_queue_links_to_the_open_flags(client, officer):
    text = signed_in(client, officer).get("/allocation/").content.decode()
    assert 'href="/allocation/reallocations/"' in text


def test_open_flags_list_in_constant_queries(client, officer):
    client = signed_in(client, officer)

    def flags(count):
        for _ in range(count):
            person, sentence = allocated(officer)
            flag(staff("CRC_OFFENDER_MANAGER", "CRC11"), person, sentence)
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/allocation/reallocations/")
        assert response.status_code == 200
        return response.content.decode(), len(queries)

    one, few = flags(1)
    more, many = flags(5)
    assert more.count(">Decide<") == 6 and one.count(">Decide<") == 1
    assert few == many


def test_open_flags_are_the_divisions_only(client, officer):
    person, sentence = allocated(officer)
    flag(officer, person, sentence)
    london = signed_in(client, staff("NPS_ALLOCATION_OFFICER", "NPS-LON"))
    assert person.crn not in london.get("/allocation/reallocations/").content.decode()
    crc20 = signed_in(client, staff("CRC_MANAGER", "CRC20"))
    assert person.crn not in crc20.get("/allocation/reallocations/").content.decode()
    wales = signed_in(client, officer)
    assert person.crn in wales.get("/allocation/reallocations/").content.decode()


# --- API ---------------------------------------------------------------------------------------


def api(organisation):
    _, key = api_client(organisation)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def endpoint(sentence):
    return f"/api/v1/people/{sentence.person.crn}/sentences/{sentence.number}/reallocation-requests"


def test_api_flags_and_lists(officer):
    person, sentence = allocated(officer)
    client = api("CRC11")
    created = client.post(
        endpoint(sentence),
        {"reason": "Home is in Lambeth", "proposed_organisation": "CRC20"},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["allocated_to"], body["proposed_organisation"]) == (
        "OPEN",
        "CRC11",
        "CRC20",
    )
    assert body["raised_by_organisation"] == "CRC11" and body["reallocated_to"] is None
    again = client.post(endpoint(sentence), {"reason": "Again"}, format="json")
    assert again.status_code == 400 and "has not decided yet" in again.content.decode()
    listed = client.get(endpoint(sentence))
    assert listed.status_code == 200 and [r["id"] for r in listed.json()] == [body["id"]]


@pytest.mark.parametrize(
    ("payload", "attr"),
    [
        ({}, "reason"),
        ({"reason": ""}, "reason"),
        ({"reason": "x", "proposed_organisation": "NOPE"}, "proposed_organisation"),
        ({"reason": "x", "proposed_organisation": "CRC11"}, "proposed_organisation"),
    ],
    ids=["no-reason", "blank-reason", "unknown-provider", "already-responsible"],
)
def test_api_bad_input_is_a_400_with_the_field(officer, payload, attr):
    person, sentence = allocated(officer)
    response = api("CRC11").post(endpoint(sentence), payload, format="json")
    assert response.status_code == 400
    assert attr in {error["attr"] for error in response.json()["errors"]}
    assert not ReallocationRequest.objects.exists()


def test_api_of_another_crc_is_404(officer):
    person, sentence = allocated(officer)
    client = api("CRC20")
    assert client.get(endpoint(sentence)).status_code == 404
    assert client.post(endpoint(sentence), {"reason": "x"}, format="json").status_code == 404


def test_api_unallocated_sentence_is_a_400(officer):
    from tests.allocation.test_allocation import new_case

    person, sentence = new_case()
    response = APIClient()
    response.force_authenticate(officer)
    result = response.post(endpoint(sentence), {"reason": "x"}, format="json")
    assert result.status_code == 400 and "not been allocated" in result.content.decode()
