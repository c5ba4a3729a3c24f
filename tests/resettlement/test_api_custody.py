"""The custody episode API: prisons (staff and their systems) post receptions, moves and
releases through ``resettlement.custody``; every organisation reads the episodes of the
people ``probation.access`` lets it see (404 otherwise); bad bodies are 400s naming the
request's fields, never 500s; and the calculation endpoint and a real reception give the
same answers, because both ask ``resettlement.rules``."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from probation.models import AuditEvent, Sentence
from resettlement.models import CustodyEpisode, PlanState
from tests.probation.factories import api_client, person_of, sentence_of, staff
from tests.resettlement.factories import prison, prison_officer, reception

pytestmark = pytest.mark.django_db

LIST = "/api/v1/custody-episodes/"
CALCULATION = "/api/v1/calculations/resettlement-responsibility"
CHRISTMAS_EVE_EVE = datetime.date(2026, 12, 23)  # a Wednesday


def _signed_in(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def _token(organisation: str) -> APIClient:
    _, key = api_client(organisation)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _episode_url(episode, suffix=""):
    return f"/api/v1/people/{episode.person.crn}/custody-episodes/{episode.pk}/{suffix}"


def _reception_body(person, prison_code="CFI", **changes):
    sentence = sentence_of(
        person,
        "CUSTODIAL",
        term_months=12,
        sentence_date=CHRISTMAS_EVE_EVE,
        conditional_release_date=datetime.date(2027, 6, 22),
    )
    body = {
        "crn": person.crn,
        "date_of_birth": person.date_of_birth.isoformat(),
        "prison": prison_code,
        "received_on": CHRISTMAS_EVE_EVE.isoformat(),
        "status": "SENTENCED",
        "sentence_number": sentence.number,
    }
    return {**body, **changes}


def _attrs(response) -> set[str]:
    assert response.status_code == 400, response.content
    return {error["attr"] for error in response.json()["errors"]}


# --- Reception ---------------------------------------------------------------------------------


def test_prison_staff_record_a_reception_and_get_the_episode_with_its_plan(freeze):
    freeze(CHRISTMAS_EVE_EVE)
    cardiff = prison("CFI", lead="CRC11")
    person = person_of("CRC20")
    response = _signed_in(prison_officer(cardiff)).post(
        LIST, _reception_body(person), format="json"
    )
    assert response.status_code == 201, response.content
    episode = response.json()
    assert episode["crn"] == person.crn and episode["prison"] == "CFI"
    assert episode["status"] == "SENTENCED" and episode["sentence_number"] == 1
    assert episode["expected_release_on"] == "2027-06-22"
    assert episode["responsibility"] | {"reasons": []} == {
        "allocated_to": "CRC20",
        "plan_writer": "CRC11",
        "share_with": "CRC20",
        "pre_release_lead": "CRC11",
        "accommodation_employment_by": "CRC20",
        "reasons": [],
    }
    assert episode["responsibility"]["reasons"]
    assert episode["stays"] == [
        {"prison": "CFI", "prison_name": "HMP Cfi", "arrived_on": "2026-12-23", "left_on": None}
    ]
    assert episode["screening"]["part1"]["completed_at"] is None
    plan = episode["plan"]
    assert plan["state"] == PlanState.SCREENING and plan["waiting_on"] == "PRISON-CFI"
    assert plan["screening_access_by"] == "2026-12-26"
    assert plan["plan_due_by"] == "2027-01-04"
    assert plan["needs"] == [] and episode["tasks"] == []
    assert CustodyEpisode.objects.get(pk=episode["id"]).recorded_by.organisation.code == (
        "PRISON-CFI"
    )


def test_a_prisons_api_client_records_a_remand_reception(freeze):
    freeze(CHRISTMAS_EVE_EVE)
    prison("CFI", lead="CRC11")
    person = person_of("CRC20")
    body = _reception_body(person, status="REMAND", sentence_number=None)
    response = _token("PRISON-CFI").post(LIST, body, format="json")
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["status"] == "REMAND" and answer["sentence_number"] is None
    assert answer["responsibility"]["allocated_to"] is None
    assert answer["responsibility"]["pre_release_lead"] is None
    assert answer["expected_release_on"] is None


def test_a_reception_may_name_the_home_crc(freeze):
    freeze(CHRISTMAS_EVE_EVE)
    prison("CFI", lead="CRC11")
    person = person_of("CRC20")
    body = _reception_body(person, status="REMAND", sentence_number=None, home_crc="CRC12")
    answer = _token("PRISON-CFI").post(LIST, body, format="json").json()
    assert answer["responsibility"]["share_with"] == "CRC12"


@pytest.mark.parametrize("role", ["PRISON_RESETTLEMENT_WORKER", "CRC_OFFENDER_MANAGER"])
def test_crc_staff_may_not_record_a_reception(freeze, role):
    freeze(CHRISTMAS_EVE_EVE)
    prison("CFI", lead="CRC11")
    person = person_of("CRC11")
    response = _signed_in(staff(role, "CRC11")).post(LIST, _reception_body(person), format="json")
    assert response.status_code == 403
    assert not CustodyEpisode.objects.exists()


def test_another_prisons_staff_may_not_record_a_reception(freeze):
    freeze(CHRISTMAS_EVE_EVE)
    prison("CFI", lead="CRC11")
    swansea = prison("SWI", lead="CRC11")
    person = person_of("CRC11")
    response = _signed_in(prison_officer(swansea)).post(
        LIST, _reception_body(person), format="json"
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "changes, attr",
    [
        pytest.param({"crn": "X000000"}, "crn", id="unknown-crn"),
        pytest.param({"date_of_birth": "1901-01-01"}, "crn", id="wrong-date-of-birth"),
        pytest.param({"prison": "ZZZ"}, "prison", id="unknown-prison"),
        pytest.param({"prison": "TOOLONG"}, "prison", id="prison-code-too-long"),
        pytest.param({"status": "BAIL"}, "status", id="unknown-status"),
        pytest.param({"received_on": "2026-12-24"}, "received_on", id="reception-tomorrow"),
        pytest.param({"received_on": "2026-12-22"}, "received_on", id="before-sentence-date"),
        pytest.param({"received_on": "yesterday"}, "received_on", id="not-a-date"),
        pytest.param({"received_on": "0001-01-01"}, "received_on", id="date-out-of-range"),
        pytest.param({"sentence_number": None}, "sentence_number", id="sentenced-without"),
        pytest.param({"sentence_number": 7}, "sentence_number", id="no-such-sentence"),
        pytest.param({"sentence_number": 10**12}, "sentence_number", id="huge-number"),
        pytest.param({"sentence_number": "one"}, "sentence_number", id="not-a-number"),
        pytest.param({"status": "REMAND"}, "sentence_number", id="remand-with-a-sentence"),
        pytest.param({"home_crc": "CRC99"}, "home_crc", id="unknown-home-crc"),
        pytest.param(
            {"expected_release_on": "2026-12-01"},
            "expected_release_on",
            id="release-before-reception",
        ),
        pytest.param({"crn": None}, "crn", id="crn-null"),
    ],
)
def test_bad_reception_bodies_are_400s_naming_the_field(freeze, changes, attr):
    freeze(CHRISTMAS_EVE_EVE)
    cardiff = prison("CFI", lead="CRC11")
    person = person_of("CRC20")
    response = _signed_in(prison_officer(cardiff)).post(
        LIST, _reception_body(person, **changes), format="json"
    )
    assert attr in _attrs(response)
    assert not CustodyEpisode.objects.exists()


def test_a_second_reception_while_in_custody_is_a_400(freeze):
    freeze(CHRISTMAS_EVE_EVE)
    cardiff = prison("CFI", lead="CRC11")
    person = person_of("CRC20")
    reception(person, cardiff, received_on=CHRISTMAS_EVE_EVE)
    response = _signed_in(prison_officer(cardiff)).post(
        LIST, _reception_body(person), format="json"
    )
    assert "crn" in _attrs(response)


@pytest.mark.parametrize("body", [[], "CFI", {"crn": {"a": 1}}, {}], ids=str)
def test_malformed_reception_bodies_are_400s(body):
    officer = prison_officer(prison("CFI", lead="CRC11"))
    response = _signed_in(officer).post(LIST, body, format="json")
    assert response.status_code == 400 and response.json()["errors"]


# --- Reading: scope, filters, pages ---------------------------------------------------------


def _ids(client, url=LIST) -> set[int]:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_the_list_shows_the_crcs_involved_and_the_prison_and_nobody_else():
    cardiff = prison("CFI", lead="CRC11")
    person = person_of("CRC20")
    episode = reception(person, cardiff)
    lead = _signed_in(staff("PRISON_RESETTLEMENT_WORKER", "CRC11"))
    allocated = _signed_in(staff("CRC_OFFENDER_MANAGER", "CRC20"))
    outsider = _signed_in(staff("PRISON_RESETTLEMENT_WORKER", "CRC12"))
    other_prison = _signed_in(prison_officer(prison("SWI", lead="CRC11")))
    assert _ids(lead) == {episode.pk}
    assert _ids(allocated) == {episode.pk}
    assert _ids(_token("PRISON-CFI")) == {episode.pk}
    assert _ids(_token("CRC20")) == {episode.pk}
    assert _ids(outsider) == set()
    assert _ids(other_prison) == set()
    assert _ids(_token("CRC12")) == set()
    for client in (outsider, other_prison):
        assert client.get(_episode_url(episode)).status_code == 404
        assert client.get(_episode_url(episode, "moves/")).status_code == 404
        assert client.get(_episode_url(episode, "release/")).status_code == 404
        assert client.get(f"/api/v1/people/{person.crn}/custody-episodes/").status_code == 404


def test_an_episode_under_another_visible_crn_is_missing():
    cardiff = prison("CFI", lead="CRC11")
    mine, theirs = person_of("CRC11"), person_of("CRC11")
    reception(mine, cardiff)
    other = reception(theirs, cardiff)
    client = _signed_in(staff("CRC_OFFENDER_MANAGER", "CRC11"))
    url = f"/api/v1/people/{mine.crn}/custody-episodes/{other.pk}/"
    assert client.get(url).status_code == 404
    assert client.get("/api/v1/people/X999999/custody-episodes/1/").status_code == 404


def test_filters_by_prison_open_and_status():
    cardiff, swansea = prison("CFI", lead="CRC11"), prison("SWI", lead="CRC11")
    in_cardiff = reception(person_of("CRC11"), cardiff)
    remanded = reception(person_of("CRC11"), swansea, status="REMAND")
    client = _signed_in(staff("CRC_OFFENDER_MANAGER", "CRC11"))
    assert _ids(client, f"{LIST}?prison=CFI") == {in_cardiff.pk}
    assert _ids(client, f"{LIST}?prison=swi") == {remanded.pk}
    assert _ids(client, f"{LIST}?status=REMAND") == {remanded.pk}
    assert _ids(client, f"{LIST}?open=true") == {in_cardiff.pk, remanded.pk}
    assert _ids(client, f"{LIST}?open=false") == set()
    for bad in ("?open=perhaps", "?status=BAIL", "?prison=CARDIFF"):
        assert _attrs(client.get(f"{LIST}{bad}"))


def test_the_list_pages_with_a_constant_number_of_queries():
    cardiff = prison("CFI", lead="CRC11")
    for _ in range(6):
        reception(person_of("CRC20"), cardiff)
    client = _signed_in(staff("PRISON_RESETTLEMENT_WORKER", "CRC11"))
    counts = {}
    for size in (1, 6):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{LIST}?page_size={size}")
        assert len(response.json()["results"]) == size
        counts[size] = len(queries)
    assert counts[1] == counts[6], counts
    seen, url = [], f"{LIST}?page_size=4"
    while url:
        page = client.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert len(seen) == len(set(seen)) == 6


def test_person_endpoints_record_the_view():
    cardiff = prison("CFI", lead="CRC11")
    person = person_of("CRC20")
    episode = reception(person, cardiff)
    client = _signed_in(staff("CRC_OFFENDER_MANAGER", "CRC20"))
    urls = [
        f"/api/v1/people/{person.crn}/custody-episodes/",
        _episode_url(episode),
        _episode_url(episode, "moves/"),
        _episode_url(episode, "release/"),
    ]
    for url in urls:
        before = AuditEvent.objects.filter(action="VIEW", person_crn=person.crn).count()
        assert client.get(url).status_code == 200
        assert AuditEvent.objects.filter(action="VIEW", person_crn=person.crn).count() == (
            before + 1
        ), url
    rows = client.get(urls[0]).json()["results"]
    assert [row["id"] for row in rows] == [episode.pk]


# --- Moves and release ---------------------------------------------------------------------------


def test_a_move_and_a_release_through_the_api_confirm_the_sentences_release(freeze):
    freeze(CHRISTMAS_EVE_EVE)
    cardiff = prison("CFI", lead="CRC11")
    london = prison("PNI", lead="CRC20", ldu_crc="CRC20")
    person = person_of("CRC20")
    episode = reception(person, cardiff, received_on=CHRISTMAS_EVE_EVE)
    cardiff_staff = _signed_in(prison_officer(cardiff))
    assert cardiff_staff.get(_episode_url(episode, "release/")).json() == {
        "released_on": None,
        "release_type": None,
        "release_prison": None,
        "expected_release_on": episode.expected_release_on.isoformat(),
        "sentence_number": episode.sentence.number,
        "sentence_actual_release_date": None,
    }

    freeze(datetime.date(2027, 1, 11))
    moved = cardiff_staff.post(
        _episode_url(episode, "moves/"), {"prison": "PNI", "moved_on": "2027-01-11"}, format="json"
    )
    assert moved.status_code == 201, moved.content
    assert moved.json()["prison"] == "PNI"
    assert moved.json()["responsibility"]["plan_writer"] == "CRC20"
    london_staff = _signed_in(prison_officer(london))
    assert london_staff.get(_episode_url(episode, "moves/")).json() == [
        {
            "prison": "CFI",
            "prison_name": "HMP Cfi",
            "arrived_on": "2026-12-23",
            "left_on": "2027-01-11",
        },
        {"prison": "PNI", "prison_name": "HMP Pni", "arrived_on": "2027-01-11", "left_on": None},
    ]
    assert cardiff_staff.get(_episode_url(episode)).status_code == 404, "no longer held there"

    freeze(datetime.date(2027, 6, 22))
    released = london_staff.post(
        _episode_url(episode, "release/"),
        {"released_on": "2027-06-22", "release_type": "CONDITIONAL_RELEASE"},
        format="json",
    )
    assert released.status_code == 201, released.content
    assert released.json() | {"expected_release_on": None} == {
        "released_on": "2027-06-22",
        "release_type": "CONDITIONAL_RELEASE",
        "release_prison": "PNI",
        "expected_release_on": None,
        "sentence_number": episode.sentence.number,
        "sentence_actual_release_date": "2027-06-22",
    }
    sentence = Sentence.objects.get(pk=episode.sentence_id)
    assert sentence.actual_release_date == datetime.date(2027, 6, 22)
    assert sentence.release_prison == london.name
    client = _signed_in(staff("CRC_OFFENDER_MANAGER", "CRC20"))
    assert _ids(client, f"{LIST}?open=false") == {episode.pk}


def test_a_prison_api_client_records_a_move(freeze):
    freeze(CHRISTMAS_EVE_EVE)
    cardiff = prison("CFI", lead="CRC11")
    prison("SWI", lead="CRC11")
    episode = reception(person_of("CRC11"), cardiff, received_on=CHRISTMAS_EVE_EVE)
    response = _token("PRISON-SWI").post(
        _episode_url(episode, "moves/"), {"prison": "swi", "moved_on": "2026-12-23"}
    )
    # The receiving prison does not hold the person yet: it cannot see the episode.
    assert response.status_code == 404
    response = _token("PRISON-CFI").post(
        _episode_url(episode, "moves/"), {"prison": "swi", "moved_on": "2026-12-23"}
    )
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    "body, attr",
    [
        pytest.param({"prison": "CFI", "moved_on": "2026-12-23"}, "prison", id="same-prison"),
        pytest.param({"prison": "ZZZ", "moved_on": "2026-12-23"}, "prison", id="unknown-prison"),
        pytest.param({"prison": "SWI", "moved_on": "2026-12-22"}, "moved_on", id="before-arrival"),
        pytest.param({"prison": "SWI", "moved_on": "2026-12-24"}, "moved_on", id="future"),
        pytest.param({"prison": "SWI"}, "moved_on", id="no-date"),
        pytest.param({"moved_on": "2026-12-23"}, "prison", id="no-prison"),
    ],
)
def test_bad_moves_are_400s_naming_the_field(freeze, body, attr):
    freeze(CHRISTMAS_EVE_EVE)
    cardiff = prison("CFI", lead="CRC11")
    prison("SWI", lead="CRC11")
    episode = reception(person_of("CRC11"), cardiff, received_on=CHRISTMAS_EVE_EVE)
    response = _signed_in(prison_officer(cardiff)).post(
        _episode_url(episode, "moves/"), body, format="json"
    )
    assert attr in _attrs(response)


@pytest.mark.parametrize(
    "status, body, attr",
    [
        pytest.param(
            "SENTENCED",
            {"released_on": "2026-12-23", "release_type": "END_OF_REMAND"},
            "release_type",
            id="sentenced-end-of-remand",
        ),
        pytest.param(
            "REMAND",
            {"released_on": "2026-12-23", "release_type": "HDC"},
            "release_type",
            id="remand-on-hdc",
        ),
        pytest.param(
            "SENTENCED",
            {"released_on": "2026-12-24", "release_type": "OTHER"},
            "released_on",
            id="future",
        ),
        pytest.param(
            "SENTENCED",
            {"released_on": "2026-12-22", "release_type": "OTHER"},
            "released_on",
            id="before-arrival",
        ),
        pytest.param(
            "SENTENCED",
            {"released_on": "2026-12-23", "release_type": "PAROLE"},
            "release_type",
            id="unknown-type",
        ),
    ],
)
def test_bad_releases_are_400s_naming_the_field(freeze, status, body, attr):
    freeze(CHRISTMAS_EVE_EVE)
    cardiff = prison("CFI", lead="CRC11")
    episode = reception(person_of("CRC11"), cardiff, status=status, received_on=CHRISTMAS_EVE_EVE)
    response = _signed_in(prison_officer(cardiff)).post(
        _episode_url(episode, "release/"), body, format="json"
    )
    assert attr in _attrs(response)
    episode.refresh_from_db()
    assert episode.released_on is None


def test_a_release_recorded_twice_is_a_400_and_crc_staff_may_not_release(freeze):
    freeze(CHRISTMAS_EVE_EVE)
    cardiff = prison("CFI", lead="CRC11")
    episode = reception(person_of("CRC11"), cardiff, received_on=CHRISTMAS_EVE_EVE)
    body = {"released_on": "2026-12-23", "release_type": "OTHER"}
    crc = _signed_in(staff("CRC_OFFENDER_MANAGER", "CRC11"))
    assert crc.post(_episode_url(episode, "release/"), body, format="json").status_code == 403
    assert crc.post(
        _episode_url(episode, "moves/"), {"prison": "CFI", "moved_on": "2026-12-23"}
    ).status_code in (400, 403)
    url = _episode_url(episode, "release/")
    assert _token("PRISON-CFI").post(url, body, format="json").status_code == 201
    again = _signed_in(staff("CRC_OFFENDER_MANAGER", "CRC11")).post(url, body, format="json")
    assert again.status_code == 403  # CRC staff still may not; the prison no longer holds him
    assert crc.get(url).json()["release_type"] == "OTHER"


# --- The endpoint and the service give the same answers ---------------------------------------

# (prison code, lead, hosts, resettlement, provider, home CRC, status)
SAME_ANSWERS = [
    pytest.param("AAA", "CRC11", (), True, "CRC20", "CRC20", "SENTENCED", id="unshared"),
    pytest.param(
        "BBB", "CRC11", ("CRC12",), True, "CRC12", "CRC12", "SENTENCED", id="shared-host-own"
    ),
    pytest.param(
        "CCC", "CRC11", ("CRC12",), True, "CRC12", "CRC12", "REMAND", id="shared-remand-own-cpa"
    ),
    pytest.param(
        "DDD", "CRC11", ("CRC12",), True, "CRC20", "CRC20", "REMAND", id="shared-remand-elsewhere"
    ),
    pytest.param("EEE", "CRC11", (), True, "CRC20", "CRC20", "REMAND", id="remand-elsewhere"),
    pytest.param("FFF", None, (), False, "CRC20", "CRC20", "SENTENCED", id="non-resettlement"),
    pytest.param("GGG", None, (), False, "CRC20", None, "REMAND", id="non-resettlement-no-home"),
    pytest.param("HHH", "CRC11", (), True, "NPS", "CRC11", "SENTENCED", id="nps-allocated"),
    pytest.param(
        "III", "CRC11", ("CRC12",), True, "CRC20", "CRC20", "RECALLED", id="shared-recall-lead"
    ),
]


@pytest.mark.parametrize("code, lead, hosts, resettlement, provider, home, status", SAME_ANSWERS)
def test_the_endpoint_and_a_reception_give_the_same_answers(
    freeze, code, lead, hosts, resettlement, provider, home, status
):
    freeze(CHRISTMAS_EVE_EVE)
    made = prison(code, lead=lead, hosts=hosts, resettlement=resettlement)
    person = person_of(provider, ldu_crc=home or "CRC11", no_fixed_abode=home is None)
    episode = reception(person, made, status=status, received_on=CHRISTMAS_EVE_EVE)
    facts = {
        "prison": {"resettlement": resettlement, "host_lead_provider": lead, "host_crcs": hosts},
        "custody_status": status,
        "allocated_to": None if status == "REMAND" else provider,
        "home_crc": home,
        "reception_date": CHRISTMAS_EVE_EVE.isoformat(),
        "release_date": (
            None if episode.expected_release_on is None else episode.expected_release_on.isoformat()
        ),
    }
    client = _signed_in(staff("CRC_OFFENDER_MANAGER", "CRC11"))
    answer = client.post(CALCULATION, facts, format="json")
    assert answer.status_code == 200, answer.content
    answer = answer.json()
    stored = CustodyEpisode.objects.select_related(
        "plan_writer", "share_with", "pre_release_lead", "accommodation_employment_by", "plan"
    ).get(pk=episode.pk)

    def code_of(organisation):
        return organisation.code if organisation else None

    assert {
        "plan_writer": code_of(stored.plan_writer),
        "share_with": code_of(stored.share_with),
        "pre_release_lead": code_of(stored.pre_release_lead),
        "accommodation_employment_by": code_of(stored.accommodation_employment_by),
        "screening_access_by": stored.plan.screening_access_by.isoformat(),
        "plan_due_by": stored.plan.plan_due_by.isoformat(),
        "reasons": stored.reasons,
    } == {
        key: answer[key]
        for key in (
            "plan_writer",
            "share_with",
            "pre_release_lead",
            "accommodation_employment_by",
            "screening_access_by",
            "plan_due_by",
            "reasons",
        )
    }
    assert answer["plan_due_by"] == "2027-01-04"
    # The episode as the API shows it carries the same answer.
    shown = _signed_in(prison_officer(made)).get(_episode_url(stored)).json()
    assert shown["responsibility"]["plan_writer"] == answer["plan_writer"]
    assert shown["plan"]["plan_due_by"] == answer["plan_due_by"]


_anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=12),
    st.lists(st.integers(), max_size=2),
)
_dates = st.one_of(
    st.dates(min_value=datetime.date(2026, 1, 1), max_value=datetime.date(2027, 12, 31)).map(
        datetime.date.isoformat
    ),
    st.dates().map(datetime.date.isoformat),
    _anything,
)


def test_generated_reception_move_and_release_bodies_never_give_a_500(freeze):
    freeze(CHRISTMAS_EVE_EVE)
    cardiff = prison("CFI", lead="CRC11")
    prison("SWI", lead="CRC11", hosts=("CRC12",))
    person = person_of("CRC20")
    sentence = sentence_of(person, "CUSTODIAL", term_months=12, sentence_date=CHRISTMAS_EVE_EVE)
    held = reception(person_of("CRC12"), cardiff, received_on=CHRISTMAS_EVE_EVE)
    client = _signed_in(prison_officer(cardiff))
    receptions = st.fixed_dictionaries(
        {
            "crn": st.sampled_from([person.crn, person.crn.lower(), "X1"]),
            "date_of_birth": st.one_of(st.just(person.date_of_birth.isoformat()), _dates),
        },
        optional={
            "prison": st.one_of(st.sampled_from(["CFI", "cfi", "SWI", "ZZZ"]), _anything),
            "received_on": _dates,
            "status": st.one_of(st.sampled_from(["REMAND", "SENTENCED", "RECALLED"]), _anything),
            "sentence_number": st.one_of(st.just(sentence.number), _anything),
            "home_crc": st.one_of(st.sampled_from(["CRC11", "CRC12", "NPS", "CRC99"]), _anything),
            "expected_release_on": _dates,
        },
    )
    moves = st.fixed_dictionaries(
        {},
        optional={
            "prison": st.one_of(st.sampled_from(["CFI", "SWI", "ZZZ"]), _anything),
            "moved_on": _dates,
        },
    )
    releases = st.fixed_dictionaries(
        {},
        optional={
            "released_on": _dates,
            "release_type": st.one_of(
                st.sampled_from(["CONDITIONAL_RELEASE", "HDC", "ROTL", "END_OF_REMAND", "OTHER"]),
                _anything,
            ),
        },
    )
    calls = st.one_of(
        st.tuples(st.just(LIST), receptions),
        st.tuples(st.just(_episode_url(held, "moves/")), moves),
        st.tuples(st.just(_episode_url(held, "release/")), releases),
    )

    @settings(
        max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(call=calls)
    def post(call):
        url, body = call
        response = client.post(url, body, format="json")
        assert response.status_code < 500, (url, body, response.content)
        if response.status_code >= 400:
            assert response.json()["errors"]

    post()


def test_a_move_on_an_earlier_released_episode_is_a_400(freeze):
    freeze(CHRISTMAS_EVE_EVE)
    cardiff = prison("CFI", lead="CRC11")
    prison("SWI", lead="CRC11")
    person = person_of("CRC11")
    earlier = reception(person, cardiff, status="REMAND", received_on=CHRISTMAS_EVE_EVE)
    officer = _signed_in(prison_officer(cardiff))
    released = officer.post(
        _episode_url(earlier, "release/"),
        {"released_on": "2026-12-23", "release_type": "END_OF_REMAND"},
        format="json",
    )
    assert released.status_code == 201
    reception(person, cardiff, status="REMAND", received_on=CHRISTMAS_EVE_EVE)
    response = officer.post(
        _episode_url(earlier, "moves/"), {"prison": "SWI", "moved_on": "2026-12-23"}, format="json"
    )
    assert "non_field_errors" in _attrs(response)


def test_a_prison_records_a_sentence_in_custody_through_the_api():
    shared = prison("CFI", lead="CRC11", hosts=("CRC12",))
    person = person_of("CRC12", ldu_crc="CRC20")
    episode = reception(person, shared, status="REMAND")
    url = f"/api/v1/people/{person.crn}/custody-episodes/{episode.pk}/sentence/"
    client = APIClient()
    client.force_authenticate(prison_officer(shared))

    def post(api, body):
        return api.post(url, body, format="json")

    assert post(client, {"status": "REMAND", "sentence_number": 1}).status_code == 400
    unknown = post(client, {"status": "SENTENCED", "sentence_number": 99})
    assert unknown.status_code == 400 and "sentence_number" in str(unknown.json())
    sentence = sentence_of(person, "CUSTODIAL", term_months=10)
    made = post(client, {"status": "SENTENCED", "sentence_number": sentence.number})
    assert made.status_code == 201, made.content
    episode.refresh_from_db()
    assert episode.status == "SENTENCED" and episode.plan_writer.code == "CRC12"
    crc = APIClient()
    crc.force_authenticate(staff("CRC_OFFENDER_MANAGER", "CRC12"))
    assert crc.get(url).status_code == 200
    assert post(crc, {"status": "SENTENCED", "sentence_number": sentence.number}).status_code == 403
