"""``GET /api/v1/allocations/``: the feed partner systems poll for the decisions that
concern their organisation (allocation.feed) – a CRC its own allocations of people it may
still see, an NPS division the NPS's in the division, NOMS everything – oldest first,
from ``?since=``, cursor-paginated, at a constant query cost."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from allocation.models import ReportingInstruction
from probation import clock
from probation.contacts import first_appointment_due
from tests.allocation.allocated import allocated
from tests.probation.factories import org, staff
from tests.probation.factories import token_api as client_of

pytestmark = pytest.mark.django_db

URL = "/api/v1/allocations/"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def at(monkeypatch):
    """Freeze the platform's clock at an instant."""

    def freeze(instant: datetime.datetime):
        monkeypatch.setattr(clock, "now", lambda: instant)

    return freeze


def test_a_crc_client_reads_its_own_allocations_only():
    ours = allocated("CRC11")
    theirs = allocated("CRC20")
    kept = allocated("CRC11", to="NPS")
    assert ids(client_of("CRC11").get(URL)) == [ours.pk]
    assert ids(client_of("CRC20").get(URL)) == [theirs.pk]
    assert kept.pk not in ids(client_of("CRC11").get(URL))


def test_a_decision_reads_in_full():
    decision = allocated("CRC11")
    [row] = client_of("CRC11").get(URL).json()["results"]
    assert row == {
        "id": decision.pk,
        "kind": "ALLOCATION",
        "point": "NEW_SENTENCE",
        "crn": decision.person.crn,
        "sentence": decision.sentence.number,
        "sentence_type": "COMMUNITY_ORDER",
        "decision": "CRC",
        "organisation": "CRC11",
        "team": {
            "id": decision.team.pk,
            "name": decision.team.name,
            "ldu": decision.team.ldu.code,
        },
        "offender_manager": None,
        "pbr_provider": "CRC11",
        "recommended_decision": "CRC",
        "rule": "HOME_CPA_CRC",
        "reasons": decision.reasons,
        "judgement": "",
        "review_by": None,
        "review_triggers": "",
        "due_by": decision.due_by.isoformat(),
        "decided_at": row["decided_at"],
        "within_deadline": True,
        "replaces": None,
        "reporting_instructions": None,  # CRC11 has configured none
    }
    assert datetime.datetime.fromisoformat(row["decided_at"]) == decision.decided_at


def test_the_crc_s_reporting_instructions_travel_with_the_decision():
    decision = allocated("CRC11")
    ReportingInstruction.objects.create(
        crc=org("CRC11"),
        office="Cardiff Probation Office",
        address="33 Westgate Street\nCardiff",
        telephone="0113 496 0110",
        instructions="Bring photo identification.",
    )
    [row] = client_of("CRC11").get(URL).json()["results"]
    assert row["reporting_instructions"] == {
        "ldu": None,
        "office": "Cardiff Probation Office",
        "address": "33 Westgate Street\nCardiff",
        "telephone": "0113 496 0110",
        "instructions": "Bring photo identification.",
        "report_by": first_appointment_due(decision.sentence).isoformat(),
    }


def test_a_person_moved_away_leaves_the_crc_s_feed():
    decision = allocated("CRC11")
    person = decision.person
    person.responsible_provider = org("CRC20")
    person.save()
    assert ids(client_of("CRC11").get(URL)) == []


@pytest.mark.parametrize(
    ("caller", "sees"),
    [
        (("NPS_ALLOCATION_OFFICER", "NPS-WAL"), {"nps_wales"}),
        (("NPS_ALLOCATION_OFFICER", "NPS-LON"), {"nps_london"}),
        (("NPS-WAL",), {"nps_wales"}),  # the division's API client
        (("CRC_MANAGER", "CRC11"), {"crc11"}),
        (("NOMS_CONTRACT_MANAGER", "NOMS"), {"crc11", "crc20", "nps_wales", "nps_london"}),
        (("NOMS",), {"crc11", "crc20", "nps_wales", "nps_london"}),  # a NOMS API client
        (("SYSTEM_ADMINISTRATOR", "NOMS"), set()),
        (("NOMS_AUDITOR", "NOMS"), set()),
    ],
    ids=[
        "nps-wales-officer",
        "nps-london-officer",
        "nps-wales-client",
        "crc11-manager",
        "noms-contract-manager",
        "noms-client",
        "system-administrator",
        "auditor",
    ],
)
def test_who_reads_which_decisions(caller, sees):
    decisions = {
        "crc11": allocated("CRC11"),
        "crc20": allocated("CRC20"),
        "nps_wales": allocated("CRC11", to="NPS"),
        "nps_london": allocated("CRC20", to="NPS"),
    }
    if len(caller) == 1:
        client = client_of(caller[0])
    else:
        client = APIClient()
        client.force_login(staff(*caller))
    shown = set(ids(client.get(URL)))
    assert {name for name, d in decisions.items() if d.pk in shown} == sees


def test_since_keeps_the_decisions_made_at_or_after_it(at):
    start = timezone.now().replace(microsecond=0)
    at(start)
    first = allocated("CRC11")
    at(start + datetime.timedelta(hours=1))
    second = allocated("CRC11")
    at(start + datetime.timedelta(hours=2))
    third = allocated("CRC11")
    client = client_of("CRC11")
    assert ids(client.get(URL)) == [first.pk, second.pk, third.pk]  # oldest first
    later = (start + datetime.timedelta(hours=1)).isoformat()
    assert ids(client.get(URL, {"since": later})) == [second.pk, third.pk]
    just_after = (start + datetime.timedelta(hours=1, seconds=1)).isoformat()
    assert ids(client.get(URL, {"since": just_after})) == [third.pk]
    assert ids(client.get(URL, {"since": "2099-01-01T00:00:00Z"})) == []
    assert ids(client.get(URL, {"since": ""})) == [first.pk, second.pk, third.pk]  # as if absent


def test_a_partner_pages_forward_with_the_cursor(at):
    start = timezone.now().replace(microsecond=0)
    made = []
    for minutes in range(3):
        at(start + datetime.timedelta(minutes=minutes))
        made.append(allocated("CRC11").pk)
    client = client_of("CRC11")
    page = client.get(URL, {"page_size": 2}).json()
    assert [row["id"] for row in page["results"]] == made[:2]
    rest = client.get(page["next"]).json()
    assert [row["id"] for row in rest["results"]] == made[2:]
    assert rest["next"] is None


@pytest.mark.parametrize(
    "since", ["yesterday", "2026-13-01T00:00:00Z", "2026-12-24T25:00", "1732000000"], ids=repr
)
def test_a_malformed_since_is_a_400_naming_it(since):
    allocated("CRC11")
    response = client_of("CRC11").get(URL, {"since": since})
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "validation_error"
    assert [error["attr"] for error in body["errors"]] == ["since"]


def test_strangers_are_turned_away():
    allocated("CRC11")
    assert APIClient().get(URL).status_code in (401, 403)
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token not-a-key")
    assert bad.get(URL).status_code in (401, 403)


def test_staff_without_vetting_are_refused():
    allocated("CRC11")
    client = APIClient()
    client.force_login(staff("CRC_OFFENDER_MANAGER", "CRC11", vetted=False))
    response = client.get(URL)
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"].startswith("vetting_")


def test_the_feed_costs_the_same_queries_for_1_or_10_decisions():
    for instruction_ldu in (None, "LDU1101"):
        ReportingInstruction.objects.create(
            crc=org("CRC11"),
            ldu=org(instruction_ldu) if instruction_ldu else None,
            office="Office",
            address="Address",
            telephone="0113 496 0000",
            instructions="Report",
        )
    client = client_of("CRC11")
    allocated("CRC11")
    allocated("CRC11", to="NPS")  # not CRC11's: not in its feed
    client.get(URL)
    with CaptureQueriesContext(connection) as one:
        assert len(ids(client.get(URL))) == 1
    for _ in range(9):
        allocated("CRC11")
    with CaptureQueriesContext(connection) as ten:
        rows = client.get(URL).json()["results"]
    assert len(rows) == 10
    assert all(row["reporting_instructions"]["office"] == "Office" for row in rows)
    assert len(ten) == len(one)


def test_the_feed_is_in_the_openapi_schema():
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    operation = schema.json()["paths"]["/api/v1/allocations/"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"since", "cursor", "page_size"}
