"""The core API: organisations, people, token clients, one error shape, no 500s."""

import os

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from probation.models import ApiToken, Organisation, Person, User
from tests.probation.factories import api_client, person_of, staff

pytestmark = pytest.mark.django_db


def _token_client(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _all_pages(client, url):
    results = []
    while url:
        page = client.get(url).json()
        results += page["results"]
        url = page["next"]
    return results


def test_create_api_client_prints_a_token_scoped_to_its_organisation(capsys):
    call_command("create_api_client", "--organisation", "CRC11", "--name", "Wales case system")
    key = capsys.readouterr().out.strip()
    client_user = User.objects.get(kind="API_CLIENT")
    assert client_user.organisation.code == "CRC11"
    assert not ApiToken.objects.filter(digest=key).exists(), "only a digest is stored"
    own, other = person_of("CRC11"), person_of("CRC20")
    api = _token_client(key)
    crns = {p["crn"] for p in _all_pages(api, "/api/v1/people/")}
    assert own.crn in crns and other.crn not in crns


def test_create_api_client_refuses_an_unknown_organisation():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No organisation"):
        call_command("create_api_client", "--organisation", "CRC99", "--name", "X")


def test_bad_or_revoked_tokens_are_refused():
    from django.utils import timezone

    _, key = api_client("CRC11")
    assert _token_client("not-a-token").get("/api/v1/people/").status_code == 401
    ApiToken.objects.update(revoked_at=timezone.now())
    assert _token_client(key).get("/api/v1/people/").status_code == 401
    assert APIClient().get("/api/v1/organisations/").status_code in (401, 403)


def test_organisations_endpoint_describes_an_ldu():
    _, key = api_client("CRC11")
    api = _token_client(key)
    ldu = api.get("/api/v1/organisations/LDU1101/").json()
    assert ldu["kind"] == "LDU"
    assert ldu["crc"] == "CRC11" and ldu["division"] == "NPS-WAL"
    assert ldu["cluster"] == ldu["parent"] and ldu["cluster"].startswith("CL11")
    crc = api.get("/api/v1/organisations/CRC11/").json()
    assert crc["cpa_number"] == 11 and crc["kind"] == "CRC"
    all_orgs = _all_pages(api, "/api/v1/organisations/?page_size=500")
    assert sum(1 for o in all_orgs if o["kind"] == "CRC") == 21


def test_create_and_change_a_person_over_the_api():
    officer = staff("NPS_COURT_OFFICER", "NPS-WAL")
    api = APIClient()
    api.force_login(officer)
    created = api.post(
        "/api/v1/people/",
        {
            "first_name": "Rhys",
            "last_name": "Evans",
            "date_of_birth": "1988-02-29",
            "gender": "M",
            "ldu": "LDU1101",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    crn = created.json()["crn"]
    assert created.json()["responsible_provider"] == "NPS"
    changed = api.patch(f"/api/v1/people/{crn}/", {"nationality": "British"}, format="json")
    assert changed.status_code == 200
    assert Person.objects.get(crn=crn).nationality == "British"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"first_name": "A", "last_name": "B", "gender": "M", "ldu": "LDU1101"}, "date_of_birth"),
        (
            {
                "first_name": "A",
                "last_name": "B",
                "date_of_birth": "1990-13-01",
                "gender": "M",
                "ldu": "LDU1101",
            },
            "date_of_birth",
        ),
        (
            {
                "first_name": "A",
                "last_name": "B",
                "date_of_birth": "1990-01-01",
                "gender": "M",
                "ldu": "CRC11",
            },
            "ldu",
        ),
        (
            {
                "first_name": "A",
                "last_name": "B",
                "date_of_birth": "1990-01-01",
                "gender": "Q",
                "ldu": "LDU1101",
            },
            "gender",
        ),
        (
            {
                "first_name": "A",
                "last_name": "B",
                "date_of_birth": "1990-01-01",
                "gender": "M",
                "ldu": "LDU1101",
                "pnc_number": "2004/0012345Q",
            },
            "pnc_number",
        ),
        (
            {
                "first_name": "A",
                "last_name": "B",
                "date_of_birth": "2999-01-01",
                "gender": "M",
                "ldu": "LDU1101",
            },
            "date_of_birth",
        ),
        (
            {
                "first_name": " ",
                "last_name": "B",
                "date_of_birth": "1990-01-01",
                "gender": "M",
                "ldu": "LDU1101",
            },
            "first_name",
        ),
    ],
    ids=[
        "missing-dob",
        "impossible-dob",
        "ldu-not-an-ldu",
        "unknown-gender",
        "pnc-check-letter",
        "dob-in-future",
        "blank-name",
    ],
)
def test_bad_input_is_a_400_with_field_errors_and_saves_nothing(payload, field):
    api = APIClient()
    api.force_login(staff("NPS_COURT_OFFICER", "NPS-WAL"))
    response = api.post("/api/v1/people/", payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "validation_error"
    assert field in {error["attr"] for error in body["errors"]}
    assert not Person.objects.exists()


def test_malformed_json_is_a_400():
    api = APIClient()
    api.force_login(staff("NPS_COURT_OFFICER", "NPS-WAL"))
    response = api.generic("POST", "/api/v1/people/", "{not json", content_type="application/json")
    assert response.status_code == 400


def test_people_list_uses_constant_queries(django_assert_max_num_queries):
    _, key = api_client("CRC11")
    api = _token_client(key)
    for _ in range(5):
        person_of("CRC11")
    with django_assert_max_num_queries(10) as few:
        api.get("/api/v1/people/?page_size=5")
    for _ in range(40):
        person_of("CRC11")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api.get("/api/v1/people/?page_size=45").json()["results"]) == 45


def test_schema_and_docs_are_served():
    api = APIClient()
    api.force_login(staff("CRC_OFFENDER_MANAGER", "CRC11"))
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/v1/people/{crn}/" in schema.json()["paths"]
    assert api.get("/api/docs/").status_code == 200


def test_cursor_pages_walk_every_organisation_once():
    _, key = api_client("CRC11")
    codes = [o["code"] for o in _all_pages(_token_client(key), "/api/v1/organisations/")]
    assert len(codes) == len(set(codes)) == Organisation.objects.count()
    assert codes == sorted(codes)


def test_openapi_schema_is_valid_and_complete():
    """Every endpoint is annotated well enough for drf-spectacular to raise no warning."""
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", os.devnull)
