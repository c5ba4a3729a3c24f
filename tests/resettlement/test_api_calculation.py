"""``POST /api/v1/calculations/resettlement-responsibility``: the rules of who does what in
Through the Gate, from facts alone, for any signed-in user or API client; facts the
operating model does not allow are a 400 naming the field, and bad input is never a 500."""

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from tests.probation.factories import api_client, staff

pytestmark = pytest.mark.django_db

URL = "/api/v1/calculations/resettlement-responsibility"


def _client():
    client = APIClient()
    client.force_login(staff("PRISON_RESETTLEMENT_WORKER", "CRC11"))
    return client


def _facts(**changes):
    facts = {
        "prison": {"resettlement": True, "host_lead_provider": "CRC11", "host_crcs": []},
        "custody_status": "SENTENCED",
        "allocated_to": "CRC20",
        "home_crc": "CRC20",
        "reception_date": "2026-12-23",
        "release_date": "2027-06-30",
    }
    prison = changes.pop("prison", None)
    if prison is not None:
        facts["prison"] = {**facts["prison"], **prison}
    return {**facts, **changes}


def _attrs(response) -> set[str]:
    body = response.json()
    assert body["type"] == "validation_error"
    return {error["attr"] for error in body["errors"]}


def test_answers_who_does_what_and_the_clocks_across_christmas():
    response = _client().post(URL, _facts(), format="json")
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer == {
        "plan_writer": "CRC11",
        "share_with": "CRC20",
        "pre_release_lead": "CRC11",
        "accommodation_employment_by": "CRC20",
        "screening_access_by": "2026-12-26",
        "plan_due_by": "2027-01-04",
        "pre_release_from": "2027-04-07",
        "reasons": answer["reasons"],
    }
    assert any("host: lead provider (CRC11)" in reason for reason in answer["reasons"])


def test_a_shared_prisons_host_crc_writes_for_its_own_allocated_person():
    facts = _facts(prison={"host_crcs": ["CRC12"]}, allocated_to="CRC12", home_crc="CRC12")
    answer = _client().post(URL, facts, format="json").json()
    assert answer["plan_writer"] == "CRC12" and answer["share_with"] is None
    assert answer["pre_release_lead"] == "CRC12"


def test_remand_in_a_non_resettlement_prison_goes_to_the_home_crc_with_no_window():
    facts = _facts(
        prison={"resettlement": False, "host_lead_provider": None},
        custody_status="REMAND",
        allocated_to=None,
    )
    answer = _client().post(URL, facts, format="json").json()
    assert answer["plan_writer"] == "CRC20"
    assert answer["pre_release_lead"] is None and answer["pre_release_from"] is None


def test_optional_facts_may_be_left_out():
    facts = _facts(custody_status="REMAND")
    del facts["allocated_to"], facts["home_crc"], facts["release_date"]
    del facts["prison"]["host_crcs"]
    answer = _client().post(URL, facts, format="json").json()
    assert answer["plan_writer"] == "CRC11" and answer["share_with"] is None
    assert answer["pre_release_from"] is None


def test_an_api_client_of_any_organisation_may_ask():
    _, key = api_client("NPS-WAL")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.post(URL, _facts(allocated_to="NPS"), format="json").json()["share_with"] == (
        "NPS"
    )


def test_signed_out_callers_are_refused():
    assert APIClient().post(URL, _facts(), format="json").status_code in (401, 403)


@pytest.mark.parametrize(
    "changes, attr",
    [
        pytest.param(
            {"prison": {"host_lead_provider": None}},
            "prison.host_lead_provider",
            id="resettlement-prison-without-host-lead-provider",
        ),
        pytest.param(
            {"prison": {"host_crcs": ["CRC11"]}},
            "prison.host_crcs",
            id="host-crc-that-is-also-the-lead",
        ),
        pytest.param(
            {"prison": {"host_crcs": ["CRC12", "CRC12"]}},
            "prison.host_crcs",
            id="host-crc-listed-twice",
        ),
        pytest.param(
            {"prison": {"host_crcs": ["CRC12", "CRC13", "CRC14", "CRC15"]}},
            "prison.host_crcs",
            id="four-host-crcs-besides-the-lead",
        ),
        pytest.param(
            {"prison": {"resettlement": False}},
            "prison.resettlement",
            id="non-resettlement-prison-with-a-host",
        ),
        pytest.param(
            {"custody_status": "REMAND", "allocated_to": "CRC20"},
            "allocated_to",
            id="remand-with-an-allocation",
        ),
        pytest.param(
            {"custody_status": "SENTENCED", "allocated_to": None},
            "allocated_to",
            id="sentenced-without-an-allocation",
        ),
        pytest.param(
            {"custody_status": "RECALLED", "allocated_to": None},
            "allocated_to",
            id="recalled-without-an-allocation",
        ),
        pytest.param(
            {"prison": {"host_lead_provider": "CRC99"}},
            "prison.host_lead_provider",
            id="unknown-host-lead-provider",
        ),
        pytest.param(
            {"prison": {"host_lead_provider": "NPS"}},
            "prison.host_lead_provider",
            id="nps-is-not-a-host-lead-provider",
        ),
        pytest.param(
            {"prison": {"host_crcs": ["CRC12", "XYZ"]}},
            "prison.host_crcs",
            id="unknown-host-crc",
        ),
        pytest.param({"allocated_to": "CRC99"}, "allocated_to", id="unknown-allocated-to"),
        pytest.param({"home_crc": "CRC99"}, "home_crc", id="unknown-home-crc"),
        pytest.param({"home_crc": "NPS"}, "home_crc", id="nps-is-not-a-home-crc"),
        pytest.param(
            {"release_date": "2026-12-22"}, "release_date", id="release-the-day-before-reception"
        ),
    ],
)
def test_facts_the_operating_model_does_not_allow_are_a_400_naming_the_field(changes, attr):
    response = _client().post(URL, _facts(**changes), format="json")
    assert response.status_code == 400, response.content
    assert attr in _attrs(response)


def test_release_on_the_day_of_reception_is_allowed():
    response = _client().post(URL, _facts(release_date="2026-12-23"), format="json")
    assert response.status_code == 200
    assert response.json()["pre_release_from"] == "2026-09-30"


@pytest.mark.parametrize(
    "body, attr",
    [
        pytest.param({}, "prison", id="empty"),
        pytest.param(
            _facts(prison=None) | {"prison": "CFI"},
            "prison.non_field_errors",
            id="prison-not-object",
        ),
        pytest.param(_facts(custody_status="ON_BAIL"), "custody_status", id="unknown-status"),
        pytest.param(_facts(reception_date="23/12/2026"), "reception_date", id="bad-date"),
        pytest.param(_facts(reception_date="9999-12-31"), "reception_date", id="date-out-of-range"),
        pytest.param(_facts(release_date="0001-01-01"), "release_date", id="release-out-of-range"),
        pytest.param(
            _facts(prison={"host_crcs": "CRC12"}), "prison.host_crcs", id="host-crcs-not-a-list"
        ),
        pytest.param(
            _facts(prison={"host_crcs": [None]}), "prison.host_crcs.0", id="host-crc-null"
        ),
        pytest.param(_facts(allocated_to=["CRC11"]), "allocated_to", id="allocated-to-a-list"),
        pytest.param(
            _facts(prison={"resettlement": "perhaps"}),
            "prison.resettlement",
            id="resettlement-not-a-boolean",
        ),
    ],
)
def test_malformed_input_is_a_400_with_field_errors_never_a_500(body, attr):
    response = _client().post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert attr in _attrs(response)


def test_a_body_that_is_not_json_is_a_400():
    response = _client().post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "errors" in response.json()


# Anything JSON can say about each field: right and wrong types, known and unknown codes,
# dates in and out of range.
_any_code = st.one_of(
    st.none(),
    st.sampled_from(["CRC11", "CRC12", "CRC20", "NPS", "CRC99", "", "crc11"]),
    st.text(max_size=30),
    st.integers(),
)
_any_date = st.one_of(
    st.none(),
    st.dates().map(datetime.date.isoformat),
    st.sampled_from(["2026-02-30", "", "today"]),
    st.integers(),
)
_bodies = st.fixed_dictionaries(
    {},
    optional={
        "prison": st.one_of(
            st.fixed_dictionaries(
                {},
                optional={
                    "resettlement": st.one_of(st.booleans(), st.none(), st.text(max_size=5)),
                    "host_lead_provider": _any_code,
                    "host_crcs": st.one_of(st.lists(_any_code, max_size=12), _any_code),
                },
            ),
            _any_code,
        ),
        "custody_status": st.one_of(
            st.sampled_from(["REMAND", "SENTENCED", "RECALLED"]), _any_code
        ),
        "allocated_to": _any_code,
        "home_crc": _any_code,
        "reception_date": _any_date,
        "release_date": _any_date,
    },
)


def test_any_body_is_answered_or_refused_with_field_errors_never_a_500():
    client = _client()

    @settings(
        max_examples=200, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(body=_bodies)
    def call(body):
        response = client.post(URL, body, format="json")
        assert response.status_code in (200, 400), (body, response.content)
        if response.status_code == 400:
            assert response.json()["errors"]
        else:
            answer = response.json()
            assert answer["plan_writer"] is None or answer["plan_writer"] != answer["share_with"]

    call()
