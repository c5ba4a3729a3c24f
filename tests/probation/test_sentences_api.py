"""The sentences API: list, record, retrieve, change release facts, add requirements;
400 with field errors for bad input, 404 outside scope, constant queries on the list."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from probation import sentences
from probation.models import AuditEvent, Sentence, SentenceType
from probation.orders import RequirementCode
from tests.probation.factories import (
    api_client,
    contact_of,
    person_of,
    requirement_of,
    sentence_of,
    staff,
)

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def person():
    return person_of("CRC11", date_of_birth=D(1985, 3, 1))


@pytest.fixture
def client():
    _, key = api_client("CRC11")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def url(person, *parts):
    return "/".join([f"/api/v1/people/{person.crn}/sentences", *map(str, parts)]) + "/"


CO = {
    "sentence_type": "COMMUNITY_ORDER",
    "sentence_date": "2016-06-01",
    "offence_date": "2016-05-01",
    "offence_description": "Theft from a shop",
    "court": "Cardiff Magistrates' Court",
    "court_ldu": "LDU1101",
    "length_months": 12,
    "requirements": [
        {"code": "UNPAID_WORK", "unpaid_work_hours": 100},
        {"code": "REHABILITATION_ACTIVITY", "rar_max_days": 20, "details": "Thinking skills"},
    ],
}


def test_record_and_retrieve_a_community_order(client, person):
    response = client.post(url(person), CO, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"] == 1
    assert body["management"] == "MANAGED"
    assert body["supervision_end_date"] == "2017-05-31"
    assert body["court_ldu"] == "LDU1101"
    codes = {r["code"]: r for r in body["requirements"]}
    assert codes["UNPAID_WORK"]["hours_worked"] == "0.00"
    assert codes["REHABILITATION_ACTIVITY"]["rar_days_used"] == 0
    assert body["licence"] is None

    got = client.get(url(person, 1))
    assert got.status_code == 200
    assert got.json()["requirements"] == body["requirements"]
    assert AuditEvent.objects.filter(action="VIEW", object_type="probation.sentence").exists()
    assert AuditEvent.objects.filter(action="CREATE", object_type="probation.sentence").exists()


def test_custodial_sentence_shows_periods_and_licence(client, person):
    response = client.post(
        url(person),
        {
            "sentence_type": "CUSTODIAL",
            "sentence_date": "2016-06-01",
            "offence_date": "2016-05-01",
            "offence_description": "Burglary",
            "court": "Cardiff Crown Court",
            "term_months": 12,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["conditional_release_date"] == "2016-12-01" and body["crd_estimated"]
    assert (body["pss_start_date"], body["pss_end_date"]) == ("2017-06-01", "2017-11-30")
    assert body["supervision_rule"] == "ORA_UNDER_TWO_YEARS"
    licence = body["licence"]
    assert len(licence["conditions"]) == 6
    assert [r["applied"] for r in licence["pss_requirements"]] == [True] * 8 + [False] * 2

    patched = client.patch(
        url(person, body["number"]),
        {"conditional_release_date": "2016-11-20", "release_prison": "HMP Cardiff"},
        format="json",
    )
    assert patched.status_code == 200, patched.json()
    assert patched.json()["pss_end_date"] == "2017-11-19"
    assert patched.json()["crd_estimated"] is False


@pytest.mark.parametrize(
    ("changes", "attr"),
    [
        pytest.param({"sentence_type": "NOPE"}, "sentence_type", id="unknown-type"),
        pytest.param({"sentence_date": "2016-02-30"}, "sentence_date", id="not-a-date"),
        pytest.param(
            {"requirements": [{"code": "UNPAID_WORK", "unpaid_work_hours": 301}]},
            "unpaid_work_hours",
            id="upw-301",
        ),
        pytest.param({"requirements": [{"code": "NOPE"}]}, "requirements.0.code", id="bad-code"),
        pytest.param({"requirements": []}, "requirements", id="no-requirements"),
        pytest.param({"offence_date": "2016-07-01"}, "offence_date", id="offence-after-sentence"),
        pytest.param({"court_ldu": "CRC11"}, "court_ldu", id="court-ldu-not-an-ldu"),
        pytest.param({"deferred_until": "2016-07-01"}, "deferred_until", id="field-of-other-type"),
        pytest.param({"length_months": -1}, "length_months", id="negative-length"),
        pytest.param(
            {"sentence_type": "SUSPENDED_SENTENCE_ORDER", "term_months": 6, "length_months": 25},
            "length_months",
            id="sso-over-two-years",
        ),
    ],
)
def test_bad_input_is_a_400_with_field_errors(client, person, changes, attr):
    response = client.post(url(person), {**CO, **changes}, format="json")
    assert response.status_code == 400, response.content
    attrs = {error["attr"] for error in response.json()["errors"]}
    assert attr in attrs, attrs
    assert not Sentence.objects.filter(person=person).exists()


def test_patch_errors_are_400s(client, person):
    sentence = sentence_of(person)
    response = client.patch(
        url(person, sentence.number), {"hdc_release_date": "2016-01-01"}, format="json"
    )
    assert response.status_code == 400
    assert "hdc_release_date" in {e["attr"] for e in response.json()["errors"]}
    response = client.patch(url(person, sentence.number), {"court": ""}, format="json")
    assert response.status_code == 400


def test_add_a_requirement(client, person):
    sentence = sentence_of(person)
    requirement_of(sentence, "UNPAID_WORK")
    target = url(person, sentence.number, "requirements")
    bad = client.post(target, {"code": "CURFEW", "curfew_hours_per_day": 17}, format="json")
    assert bad.status_code == 400
    assert "curfew_hours_per_day" in {e["attr"] for e in bad.json()["errors"]}
    response = client.post(target, {"code": "CURFEW", "curfew_hours_per_day": 8}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["code"] == "CURFEW"
    listed = client.get(target)
    assert listed.status_code == 200
    assert {r["code"] for r in listed.json()} == {"UNPAID_WORK", "CURFEW"}


def test_progress_in_the_api(client, person):
    officer = staff("CRC_OFFENDER_MANAGER", "CRC11")
    sentence = sentence_of(person)
    upw = requirement_of(sentence, "UNPAID_WORK")
    contact_of(person, officer, requirement=upw, outcome="ATTENDED_COMPLIED", unpaid_work_hours=7)
    body = client.get(url(person, sentence.number)).json()
    assert body["requirements"][0]["hours_worked"] == "7.00"


def test_outside_scope_is_404(person):
    _, key = api_client("CRC20")
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    sentence = sentence_of(person)
    assert other.get(url(person)).status_code == 404
    assert other.get(url(person, sentence.number)).status_code == 404
    assert other.post(url(person), CO, format="json").status_code == 404
    assert (
        other.patch(url(person, sentence.number), {"court": "X"}, format="json").status_code == 404
    )


def test_read_only_client_gets_403(person):
    _, key = api_client("NOMS")
    noms = APIClient()
    noms.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert noms.get(url(person)).status_code == 200
    assert noms.post(url(person), CO, format="json").status_code == 403


def test_missing_sentence_is_404(client, person):
    assert client.get(url(person, 7)).status_code == 404


def _list_queries(client, person, officer, count):
    for _ in range(count // 2):
        sentences.sentence_create(
            actor=officer,
            crn=person.crn,
            sentence_type="CUSTODIAL",
            sentence_date=D(2016, 6, 1),
            offence_date=D(2016, 5, 1),
            offence_description="Burglary",
            court="Cardiff Crown Court",
            term_months=12,
        )
        sentence = sentence_of(person)
        requirement_of(sentence, "UNPAID_WORK")
        requirement_of(sentence, "REHABILITATION_ACTIVITY")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url(person))
    assert response.status_code == 200
    assert len(response.json()["results"]) == count
    return len(queries)


def test_list_queries_do_not_grow_with_sentences(client):
    officer = staff("CRC_OFFENDER_MANAGER", "CRC11")
    adult = {"date_of_birth": D(1985, 3, 1)}  # licensed on release: the licence is read too
    two = _list_queries(client, person_of("CRC11", **adult), officer, 2)
    twenty = _list_queries(client, person_of("CRC11", **adult), officer, 20)
    assert two == twenty


_numbers = st.one_of(
    st.none(),
    st.integers(min_value=0, max_value=400),
    st.integers(min_value=-(10**12), max_value=10**12),
)
_requirement = st.fixed_dictionaries(
    {"code": st.sampled_from(RequirementCode.values)},
    optional=dict.fromkeys(
        ("unpaid_work_hours", "curfew_hours_per_day", "curfew_days", "rar_max_days"),
        _numbers,
    ),
)
_wild_dates = st.dates(min_value=D(1, 1, 1), max_value=D(9999, 12, 31))
_FIELDS_BY_TYPE = {
    "COMMUNITY_ORDER": ("requirements", "fine_imposed", "length_months", "length_days"),
    "SUSPENDED_SENTENCE_ORDER": (
        "requirements",
        "fine_imposed",
        "length_months",
        "length_days",
        "term_months",
        "term_days",
    ),
    "CUSTODIAL": (
        "term_months",
        "term_days",
        "indeterminate",
        "conditional_release_date",
        "hdc_release_date",
        "actual_release_date",
    ),
    "SENIOR_ATTENDANCE_CENTRE": ("attendance_centre_hours",),
    "DEFERRED": ("deferred_until", "deferment_requirements"),
}


@st.composite
def _payloads(draw):
    """Plausible sentences of every type, near and across the rules' boundaries, with now
    and then a wild date or number."""
    sentence_type = draw(st.sampled_from(SentenceType.values))
    sentence_date = draw(st.dates(min_value=D(2014, 1, 1), max_value=D(2025, 12, 31)))

    def near(days_before, days_after):
        offset = draw(st.integers(min_value=-days_before, max_value=days_after))
        return str(sentence_date + datetime.timedelta(days=offset))

    payload = {
        "sentence_type": sentence_type,
        "sentence_date": str(sentence_date),
        "offence_date": near(400, 3),
        "offence_description": draw(st.one_of(st.just("Theft"), st.text(min_size=1, max_size=310))),
        "court": draw(st.one_of(st.just("Cardiff Crown Court"), st.text(min_size=1, max_size=210))),
    }
    for name in _FIELDS_BY_TYPE[sentence_type]:
        if not draw(st.booleans()):
            continue
        if name == "requirements":
            payload[name] = draw(st.lists(_requirement, max_size=4))
        elif name in ("fine_imposed", "indeterminate"):
            payload[name] = draw(st.booleans())
        elif name.endswith("_date") or name == "deferred_until":
            payload[name] = draw(
                st.one_of(st.just(near(10, 1200)), _wild_dates.map(str), st.none())
            )
        elif name == "deferment_requirements":
            payload[name] = draw(st.text(max_size=20))
        else:
            payload[name] = draw(_numbers)
    return payload


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(payload=_payloads())
def test_generated_sentences_never_cause_a_server_error(payload):
    person = person_of("CRC11", date_of_birth=D(1985, 3, 1))
    _, key = api_client("CRC11")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.post(url(person), payload, format="json")
    assert response.status_code in (201, 400), (payload, response.content)
    if response.status_code == 201:
        number = response.json()["number"]
        release = {"actual_release_date": payload.get("hdc_release_date")}
        patched = client.patch(url(person, number), release, format="json")
        assert patched.status_code in (200, 400), patched.content


CUSTODIAL = {
    "sentence_type": "CUSTODIAL",
    "sentence_date": "2016-06-01",
    "offence_date": "2016-05-01",
    "offence_description": "Burglary",
    "court": "Cardiff Crown Court",
    "term_months": 12,
}


def test_change_a_requirement_through_the_api(client, person):
    number = client.post(url(person), CO, format="json").json()["number"]
    requirements = client.get(url(person, number, "requirements")).json()
    upw = next(r for r in requirements if r["code"] == "UNPAID_WORK")
    target = url(person, number, "requirements", upw["id"])

    changed = client.patch(target, {"unpaid_work_hours": 120}, format="json")
    assert changed.status_code == 200, changed.json()
    assert changed.json()["unpaid_work_hours"] == 120
    too_many = client.patch(target, {"unpaid_work_hours": 301}, format="json")
    assert too_many.status_code == 400
    assert client.get(target).json()["unpaid_work_hours"] == 120  # nothing lost
    assert client.patch(target, {"code": "CURFEW"}, format="json").json()["code"] == "UNPAID_WORK"
    other = person_of("CRC11")
    assert client.get(url(other, number, "requirements", upw["id"])).status_code == 404


def test_record_the_licence_through_the_api(client, person):
    number = client.post(url(person), CUSTODIAL, format="json").json()["number"]
    licence_url = f"/api/v1/people/{person.crn}/sentences/{number}/licence"
    body = {
        "issued_on": "2016-11-30",
        "issued_by": "GOVERNOR",
        "discretionary": [{"category": "NO_CONTACT", "details": "No contact with the victim"}],
        "bespoke": ["Not to enter Cathays Park"],
        "pss": {"NO_TRAVEL": {"applied": False, "reason_not_applied": "Works abroad"}},
    }
    recorded = client.put(licence_url, body, format="json")
    assert recorded.status_code == 200, recorded.json()
    kinds = [c["kind"] for c in recorded.json()["conditions"]]
    assert kinds.count("STANDARD") == 6 and "DISCRETIONARY" in kinds and "BESPOKE" in kinds
    no_travel = next(r for r in recorded.json()["pss_requirements"] if r["code"] == "NO_TRAVEL")
    assert not no_travel["applied"]

    left_out = {**body, "pss": {"RESIDE": {"applied": False}}}
    refused = client.put(licence_url, left_out, format="json")
    assert refused.status_code == 400
    assert "RESIDE" in str(refused.json())
    assert AuditEvent.objects.filter(action="UPDATE").exists()


def test_an_order_has_no_licence(client, person):
    number = client.post(url(person), CO, format="json").json()["number"]
    assert client.get(f"/api/v1/people/{person.crn}/sentences/{number}/licence").status_code == 404
