"""``GET /api/v1/referrals/``: the referrals between organisations, readable by the
organisations involved – a CRC its own (still after the case went to the NPS, without the
person's details), an NPS division those addressed to it, PPCS the recalls – filtered,
cursor-paginated, in a constant number of queries; bad filters are 400s."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from enforcement import workflows as wf
from tests.enforcement import open_records as records
from tests.enforcement.open_records import D, at
from tests.probation.factories import org, person_of, staff
from tests.probation.factories import token_api as client_of

pytestmark = pytest.mark.django_db
URL = "/api/v1/referrals/"


def listed(client, **params) -> set[tuple[str, int]]:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return {(row["workflow"], row["id"]) for row in response.json()["results"]}


@pytest.fixture
def cases():
    """A risk escalation and a breach referral of CRC11, an escalation of CRC20, a recall
    request of CRC11 waiting on PPCS."""
    crc11_om = staff("CRC_OFFENDER_MANAGER", "CRC11")
    ours, theirs = person_of("CRC11"), person_of("CRC20")
    return {
        "escalation": records.escalation(ours, at(D(2026, 5, 20)), actor=crc11_om),
        "referral": records.breach_referral(ours, at(D(2026, 5, 21)), actor=crc11_om),
        "recall": records.recall(ours, at(D(2026, 5, 22)), actor=crc11_om),
        "theirs": records.escalation(
            theirs, at(D(2026, 5, 20)), actor=staff("CRC_OFFENDER_MANAGER", "CRC20")
        ),
    }


def key(name, record):
    return (name, record.pk)


def test_a_crc_reads_its_own_referrals_not_another_crcs(cases):
    ours = {
        key("risk_escalation", cases["escalation"]),
        key("breach_referral", cases["referral"]),
        key("failure", cases["referral"].failure),
        key("recall_request", cases["recall"]),
    }
    assert listed(client_of("CRC11")) == ours
    assert listed(client_of("CRC20")) == {key("risk_escalation", cases["theirs"])}


def test_a_referral_reads_in_full(cases):
    escalation = cases["escalation"]
    wf.RISK_ESCALATION.advance(
        escalation, "withdraw", actor=None, at=at(D(2026, 5, 21)), system=True
    )
    row = client_of("CRC11").get(f"{URL}risk_escalation/{escalation.pk}").json()
    person = escalation.person
    assert row == {
        "workflow": "risk_escalation",
        "id": escalation.pk,
        "crn": person.crn,
        "person": {
            "first_name": person.first_name,
            "last_name": person.last_name,
            "date_of_birth": person.date_of_birth.isoformat(),
        },
        "raised_by": "CRC11",
        "state": {"code": "WITHDRAWN", "label": "Withdrawn"},
        "waiting_on": None,
        "due_by": None,
        "opened_at": "2026-05-20T10:00:00+01:00",
        "updated_at": "2026-05-21T10:00:00+01:00",
        "closed_at": "2026-05-21T10:00:00+01:00",
        "events": [
            {
                "action": "open",
                "from_state": "",
                "to_state": "AWAITING_NPS",
                "at": "2026-05-20T10:00:00+01:00",
                "actor_organisation": "CRC11",
                "within_deadline": None,
            },
            {
                "action": "withdraw",
                "from_state": "AWAITING_NPS",
                "to_state": "WITHDRAWN",
                "at": "2026-05-21T10:00:00+01:00",
                "actor_organisation": None,
                "within_deadline": True,
            },
        ],
    }


def test_a_crc_follows_its_escalation_after_the_case_went_to_the_nps(cases):
    escalation = cases["escalation"]
    person = escalation.person
    person.responsible_provider = org("NPS")
    person.save()
    client = client_of("CRC11")
    assert key("risk_escalation", escalation) in listed(client)
    # It raised the recall request too: still followed.
    assert key("recall_request", cases["recall"]) in listed(client)
    row = client.get(f"{URL}risk_escalation/{escalation.pk}").json()
    assert row["crn"] == person.crn and row["person"] is None
    assert "first_name" not in str(row) and person.last_name not in str(row)


def test_the_nps_division_reads_those_addressed_to_it(cases):
    assert listed(client_of("NPS-WAL")) >= {
        key("risk_escalation", cases["escalation"]),
        key("breach_referral", cases["referral"]),
        key("recall_request", cases["recall"]),
    }
    assert key("risk_escalation", cases["theirs"]) not in listed(client_of("NPS-WAL"))
    assert key("risk_escalation", cases["theirs"]) in listed(client_of("NPS-LON"))
    # Addressed to the division, not about an NPS case: no person details.
    row = client_of("NPS-WAL").get(f"{URL}risk_escalation/{cases['escalation'].pk}").json()
    assert row["person"] is None and row["waiting_on"] == "NPS-WAL"


def test_ppcs_reads_the_recalls(cases):
    ppcs = client_of("PPCS")
    assert key("recall_request", cases["recall"]) in listed(ppcs, workflow="recall_request")
    row = ppcs.get(f"{URL}recall_request/{cases['recall'].pk}").json()
    assert row["waiting_on"] == "PPCS" and row["person"] is not None


@pytest.mark.parametrize(
    ("who", "name", "record"),
    [
        ("CRC20", "risk_escalation", "escalation"),
        ("CRC11", "risk_escalation", "theirs"),
        ("CRC20", "breach_referral", "referral"),
        ("CRC20", "recall_request", "recall"),
        ("CRC11", "sentence", "escalation"),  # not a workflow the API shows
    ],
)
def test_outside_involvement_is_missing(cases, who, name, record):
    response = client_of(who).get(f"{URL}{name}/{cases[record].pk}")
    assert response.status_code == 404 and "errors" in response.json()


def test_filters(cases):
    client = client_of("CRC11")
    assert listed(client, workflow="breach_referral") == {key("breach_referral", cases["referral"])}
    assert listed(client, state="AWAITING_PPCS") == {key("recall_request", cases["recall"])}
    assert listed(client, workflow="failure", state="AWAITING_DECISION") == {
        key("failure", cases["referral"].failure)
    }
    # Moved at or after 22 May 10:00 local time: the recall only; a second later, nothing.
    assert listed(client, since="2026-05-22T10:00:00+01:00") == {
        key("recall_request", cases["recall"])
    }
    assert listed(client, since="2026-05-22T10:00:01+01:00") == set()


@pytest.mark.parametrize(
    ("params", "attr"),
    [
        ({"workflow": "parole"}, "workflow"),
        ({"state": "LOST"}, "state"),
        ({"workflow": "failure", "state": "AWAITING_PPCS"}, "state"),
        ({"since": "last tuesday"}, "since"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "501"}, "page_size"),
        ({"cursor": "not-a-cursor"}, "cursor"),
    ],
    ids=lambda v: str(v),
)
def test_bad_filters_are_400s(params, attr):
    response = client_of("CRC11").get(URL, params)
    assert response.status_code == 400
    assert {error["attr"] for error in response.json()["errors"]} == {attr}


def test_pages_follow_the_moves_oldest_first(cases):
    client = client_of("CRC11")
    seen, url, pages = [], URL + "?page_size=2", 0
    while url:
        body = client.get(url).json()
        seen += [(row["updated_at"], row["workflow"], row["id"]) for row in body["results"]]
        url, pages = body["next"], pages + 1
        assert body["previous"] is None
    assert pages == 2 and len(seen) == 4
    assert seen == sorted(seen)
    assert {(name, pk) for _, name, pk in seen} == listed(client)


def test_staff_read_it_too_and_unvetted_staff_do_not(cases):
    client = APIClient()
    client.force_login(staff("CRC_MANAGER", "CRC11"))
    assert key("risk_escalation", cases["escalation"]) in listed(client)
    client.force_login(staff("CRC_OFFENDER_MANAGER", "CRC11", vetted=False))
    assert client.get(URL).status_code == 403


def test_a_page_reads_in_constant_queries():
    om = staff("CRC_OFFENDER_MANAGER", "CRC11")
    client = client_of("CRC11")

    def add(n):
        for _ in range(n):
            person = person_of("CRC11")
            records.escalation(person, at(D(2026, 5, 20)), actor=om)
            records.breach_referral(person, at(D(2026, 5, 21)), actor=om)
            records.recall(person, at(D(2026, 5, 22)), actor=om)

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL)
        assert response.status_code == 200
        return len(queries), len(response.json()["results"])

    add(1)
    count()
    few, rows = count()
    assert rows == 4
    add(15)
    many, rows = count()
    assert rows == 50  # a full page
    assert many == few, f"{few} queries for 4 referrals, {many} for a page of 50"
