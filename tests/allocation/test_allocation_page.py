"""The allocation page: the recommendation from the one rules module (the same as the
calculation endpoint gives for the same facts), GOV.UK errors, the decision recorded and
then shown read-only – to the CRC that receives the case too."""

import pytest
from rest_framework.test import APIClient

from allocation.models import AllocationDecision
from tests.allocation.test_allocation import new_case
from tests.probation.factories import api_client, org, staff, team_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    return staff("NPS_ALLOCATION_OFFICER", "NPS-WAL")


def url(sentence):
    return f"/allocation/{sentence.person.crn}/{sentence.number}/"


def test_page_and_endpoint_recommend_the_same(client, officer):
    person, sentence = new_case()
    client.force_login(officer)
    page = client.post(
        url(sentence), {"action": "check", "rosh": "MEDIUM", "rsr_score": "7.5"}
    ).content.decode()
    _, key = api_client("NPS-WAL")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    body = api.post(
        "/api/v1/calculations/allocation",
        {
            "sentence_type": "COMMUNITY_ORDER",
            "sentence_date": sentence.sentence_date.isoformat(),
            "requirements": ["UNPAID_WORK"],
            "home_ldu": person.ldu.code,
            "rosh": "MEDIUM",
            "rsr_score": 7.5,
        },
        format="json",
    ).json()
    assert body["rule"] == "HOME_CPA_CRC" and body["judgement_required"]
    assert f"rule {body['rule']}" in page
    assert "Clinical judgement required" in page
    for reason in body["reasons"]:
        assert reason.split(":")[0] in page


def test_confirming_without_a_team_or_judgement_shows_errors_and_saves_nothing(client, officer):
    person, sentence = new_case()
    client.force_login(officer)
    response = client.post(
        url(sentence),
        {"action": "confirm", "rosh": "MEDIUM", "rsr_score": "7.5", "decision": "CRC"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and "Choose the team" in page
    team = team_of(org("CRC11"))
    response = client.post(
        url(sentence),
        {
            "action": "confirm",
            "rosh": "MEDIUM",
            "rsr_score": "7.5",
            "rsr_assessed_on_day": "2",
            "rsr_assessed_on_month": "11",
            "rsr_assessed_on_year": "2026",
            "rsr_source": "OASYS",
            "decision": "CRC",
            "team": team.pk,
        },
    )
    assert "Record your clinical judgement" in response.content.decode()
    assert not AllocationDecision.objects.exists()


def test_confirm_then_the_receiving_crc_sees_the_decision(client, officer):
    person, sentence = new_case()
    client.force_login(officer)
    team = team_of(org("CRC11"))
    response = client.post(
        url(sentence),
        {
            "action": "confirm",
            "rosh": "LOW",
            "decision": "CRC",
            "team": team.pk,
            "review_by_day": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    decision = AllocationDecision.objects.get()
    assert decision.organisation.code == "CRC11" and decision.team == team

    crc = staff("CRC_MANAGER", "CRC11")
    client.force_login(crc)
    shown = client.get(url(sentence)).content.decode()
    assert "Allocated to" in shown and team.name in shown
    assert client.post(url(sentence), {"action": "confirm"}).status_code == 403


def test_other_staff_see_the_case_awaiting_allocation_and_cannot_allocate(client):
    person, sentence = new_case()
    client.force_login(staff("NPS_OFFENDER_MANAGER", "NPS-WAL"))
    page = client.get(url(sentence)).content.decode()
    assert "awaiting allocation by an NPS allocation officer" in page
    assert client.post(url(sentence), {"action": "check"}).status_code == 403
