"""The contracts API: contracts, their ledger and payment runs, scoped.

NOMS contract managers see and change every contract and run payments; a CRC's finance
officers and managers read their own CRC's contract and ledger and get 404 for another
CRC's; anybody else sees no contract. Changes are validated (bad weights or bands a 400
naming the field), audited and saved with who made them. A ledger line lists what it
counted by CRN and sentence reference. Lists take the same number of queries whatever
their size."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from contracts import ledger, payments
from contracts.models import (
    CohortMember,
    Contract,
    EntryKind,
    LedgerEntry,
    PartStatus,
    PaymentRun,
    PaymentRunPart,
    ServiceLevel,
    WavStart,
)
from probation.models.audit import AuditAction, AuditEvent
from tests.contracts.factories import BANDS, WEIGHTS, contract_of, rate_card_item_of
from tests.probation.factories import api_client, org, person_of, sentence_of, staff
from tests.probation.factories import signed_in_api as client_of

pytestmark = pytest.mark.django_db

D = Decimal
MARCH_2015 = datetime.date(2015, 3, 1)


@pytest.fixture
def noms():
    return client_of("NOMS_CONTRACT_MANAGER", "NOMS")


@pytest.fixture
def finance():
    return client_of("CRC_FINANCE_OFFICER", "CRC11")


@pytest.fixture
def contracts():
    return contract_of("CRC11", year=1), contract_of("CRC20", year=1)


def line(contract, key="FFS:2015-02", kind=EntryKind.FFS_INSTALMENT, amount="833333.33"):
    entry = ledger.post(
        contract, MARCH_2015, kind, key, D(amount), description=f"Line {key}", detail={"a": 1}
    )
    assert entry is not None
    return entry


def run_with_parts(codes):
    run = PaymentRun.objects.create(
        month=MARCH_2015, trigger="BUTTON", requested_at=datetime.datetime.now(datetime.UTC)
    )
    for code in codes:
        PaymentRunPart.objects.create(run=run, organisation=org(code))
    return run


def queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = call()
    assert response.status_code == 200, response.content
    return len(captured)


# --- Scoping --------------------------------------------------------------------------------


def test_a_crc_finance_officer_sees_only_their_own_crcs_contract(finance, contracts):
    own, other = contracts
    listed = finance.get("/api/v1/contracts/").json()["results"]
    assert [(c["crc"], c["year"]) for c in listed] == [("CRC11", 1)]
    assert finance.get(f"/api/v1/contracts/{own.pk}/").status_code == 200
    assert finance.get(f"/api/v1/contracts/{other.pk}/").status_code == 404
    assert finance.get(f"/api/v1/contracts/{other.pk}/ledger/").status_code == 404
    other_line = line(other)
    assert finance.get(f"/api/v1/contracts/{other.pk}/ledger/{other_line.pk}/").status_code == 404
    # Nor through their own contract's address.
    assert finance.get(f"/api/v1/contracts/{own.pk}/ledger/{other_line.pk}/").status_code == 404


def test_noms_sees_every_contract(noms, contracts):
    listed = noms.get("/api/v1/contracts/").json()["results"]
    assert {c["crc"] for c in listed} == {"CRC11", "CRC20"}
    assert noms.get(f"/api/v1/contracts/{contracts[1].pk}/ledger/").status_code == 200
    assert noms.get("/api/v1/contracts/?crc=crc20").json()["results"][0]["crc"] == "CRC20"


@pytest.mark.parametrize(
    ("role", "organisation"),
    [("CRC_OFFENDER_MANAGER", "CRC11"), ("NPS_OFFENDER_MANAGER", "NPS-WAL")],
)
def test_case_staff_see_no_contract(contracts, role, organisation):
    client = client_of(role, organisation)
    assert client.get("/api/v1/contracts/").json()["results"] == []
    assert client.get(f"/api/v1/contracts/{contracts[0].pk}/").status_code == 404
    assert client.get(f"/api/v1/contracts/{contracts[0].pk}/ledger/").status_code == 404


def test_a_crcs_api_client_reads_its_own_contract(contracts):
    _, key = api_client("CRC20")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    listed = client.get("/api/v1/contracts/").json()["results"]
    assert [c["crc"] for c in listed] == ["CRC20"]
    assert client.get(f"/api/v1/contracts/{contracts[0].pk}/").status_code == 404


def test_the_representation_names_the_crc_year_pot_and_nested_lists(noms):
    contract = contract_of("CRC11", year=2)
    ServiceLevel.objects.create(
        contract=contract, code="B", target=D("0.9"), credit_share=D("0.02")
    )
    rate_card_item_of(contract)
    body = noms.get(f"/api/v1/contracts/{contract.pk}/").json()
    assert (body["crc"], body["year"]) == ("CRC11", 2)
    assert (body["start_date"], body["end_date"]) == ("2016-02-01", "2017-01-31")
    assert body["pbr_pot"] == "2000000.00"
    assert body["ffs_bid"] == "10000000.00"
    assert body["service_levels"] == [
        {"code": "B", "target": "0.900000", "credit_share": "0.020000"}
    ]
    assert body["rate_card"][0]["service"] == "programme"
    assert body["rate_card"][0]["price"] == "150.00"


# --- Creating and changing contracts ------------------------------------------------------


def new_contract(**changes):
    body = {
        "crc": "CRC12",
        "year": 1,
        "maximum_annual_payment": "12000000.00",
        "ffs_bid": "10000000.00",
        "predicted_wav": "5000.00",
        "tolerance": "0.05",
        "wav_weights": WEIGHTS,
        "upw_bands": BANDS,
        "binary_baseline_q1": "0.35",
        "binary_baseline_q2": "0.35",
        "binary_baseline_q3": "0.36",
        "binary_baseline_q4": "0.35",
        "annual_binary_baseline": "0.35",
        "frequency_baseline": "3.0",
        "price_per_reoffender": "1000.00",
        "price_per_reoffence": "500.00",
        "monthly_credit_cap": "0.10",
        "rate_card": [
            {
                "service": "sac",
                "name": "Attendance centre",
                "unit": "hour",
                "price": "12.50",
                "attendance_centre": True,
            }
        ],
    }
    return {**body, **changes}


def attrs(response) -> set[str]:
    assert response.status_code == 400, response.content
    return {error["attr"] for error in response.json()["errors"]}


def test_noms_enters_a_contract_dated_from_its_year_and_audited(noms):
    response = noms.post("/api/v1/contracts/", new_contract(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["start_date"], body["end_date"]) == ("2015-02-01", "2016-01-31")
    assert body["pbr_pot"] == "2000000.00" and body["updated_by"] == noms.user.username
    assert body["wav_weights"]["COMMUNITY_ORDER"] == "1"
    contract = Contract.objects.get(pk=body["id"])
    assert contract.updated_by == noms.user
    assert contract.rate_card.get().attendance_centre
    created = AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="contracts.contract", object_id=str(contract.pk)
    ).get()
    assert created.actor == noms.user
    assert created.changes["ffs_bid"] == [None, "10000000.00"]
    assert AuditEvent.objects.filter(object_type="contracts.ratecarditem").count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"wav_weights": {**WEIGHTS, "DETENTION": "1"}}, "wav_weights"),
        ({"wav_weights": {**WEIGHTS, "PSS": "-1"}}, "wav_weights"),
        ({"upw_bands": [{"max_hours": 100, "weight": "0.4"}]}, "upw_bands"),
        (
            {
                "upw_bands": [
                    {"max_hours": None, "weight": "0.4"},
                    {"max_hours": None, "weight": "1"},
                ]
            },
            "upw_bands",
        ),
        ({"ffs_bid": "12000000.01"}, "ffs_bid"),
        ({"predicted_wav": "0"}, "predicted_wav"),
        ({"tolerance": "1.5"}, "tolerance"),
        ({"price_per_reoffence": "-1.00"}, "price_per_reoffence"),
        ({"start_date": "2015-02-02"}, "start_date"),
        ({"start_date": "2016-02-01"}, "start_date"),  # year 2's start, given year 1
        ({"end_date": "2016-02-01"}, "end_date"),
        ({"crc": "NPS"}, "crc"),
        ({"significance_level": "0.9"}, "significance_level"),
    ],
)
def test_a_bad_contract_is_a_400_naming_the_field(noms, changes, field):
    response = noms.post("/api/v1/contracts/", new_contract(**changes), format="json")
    assert field in attrs(response)
    assert not Contract.objects.exists()


def test_a_second_contract_for_the_same_crc_and_year_is_refused(noms):
    contract_of("CRC12", year=1)
    assert "year" in attrs(noms.post("/api/v1/contracts/", new_contract(), format="json"))


def test_only_noms_enters_or_changes_contracts(finance, contracts):
    assert finance.post("/api/v1/contracts/", new_contract(), format="json").status_code == 403
    response = finance.patch(
        f"/api/v1/contracts/{contracts[0].pk}/", {"tolerance": "0.1"}, format="json"
    )
    assert response.status_code == 403
    # Another CRC's contract is not there at all.
    response = finance.patch(
        f"/api/v1/contracts/{contracts[1].pk}/", {"tolerance": "0.1"}, format="json"
    )
    assert response.status_code == 404
    assert Contract.objects.get(pk=contracts[0].pk).tolerance == D("0.05")


def test_noms_changes_a_contracts_figures_audited(noms, contracts):
    contract = contracts[0]
    response = noms.patch(
        f"/api/v1/contracts/{contract.pk}/",
        {"tolerance": "0.1", "upw_bands": [{"max_hours": None, "weight": "0.5"}]},
        format="json",
    )
    assert response.status_code == 200, response.content
    contract.refresh_from_db()
    assert contract.tolerance == D("0.1")
    assert contract.upw_bands == [{"max_hours": None, "weight": "0.5"}]
    assert contract.updated_by == noms.user
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_type="contracts.contract")
    assert event.changes["tolerance"] == ["0.050000", "0.100000"]
    assert "upw_bands" in event.changes and "ffs_bid" not in event.changes


def test_a_patch_naming_a_bad_figure_changes_nothing(noms, contracts):
    contract = contracts[0]
    bands = [
        {"max_hours": 200, "weight": "0.4"},
        {"max_hours": 100, "weight": "0.8"},
        {"max_hours": None, "weight": "1"},
    ]
    response = noms.patch(
        f"/api/v1/contracts/{contract.pk}/", {"tolerance": "0.2", "upw_bands": bands}, format="json"
    )
    assert attrs(response) == {"upw_bands"}
    assert "Band 2" in response.json()["errors"][0]["detail"]
    response = noms.patch(
        f"/api/v1/contracts/{contract.pk}/", {"ffs_bid": "12000000.01"}, format="json"
    )
    assert attrs(response) == {"ffs_bid"}
    contract.refresh_from_db()
    assert contract.tolerance == D("0.05") and contract.upw_bands == BANDS
    assert not AuditEvent.objects.filter(object_type="contracts.contract").exists()


def test_a_contracts_crc_and_year_cannot_change(noms, contracts):
    response = noms.patch(f"/api/v1/contracts/{contracts[0].pk}/", {"year": 2}, format="json")
    assert "year" in attrs(response)
    response = noms.patch(f"/api/v1/contracts/{contracts[0].pk}/", {"crc": "CRC12"}, format="json")
    assert "crc" in attrs(response)


def test_writing_service_levels_and_the_rate_card_replaces_them(noms, contracts):
    from contracts import service_levels
    from contracts.models import RateCardOrder

    contract = contracts[0]
    ServiceLevel.objects.create(
        contract=contract, code="OLD", target=D("0.9"), credit_share=D("0.01")
    )
    ordered = rate_card_item_of(contract, service="ordered")
    rate_card_item_of(contract, service="unused")
    RateCardOrder.objects.create(
        item=ordered,
        purchaser_kind="NPS",
        purchaser=ordered.contract.crc,
        reference="PO1",
        ordered_on=datetime.date(2015, 3, 1),
        quantity=D("1"),
        ordered_by=noms.user,
    )
    new = {"service": "new", "name": "New", "unit": "hour", "price": "10.00"}
    url = f"/api/v1/contracts/{contract.pk}/"
    # Dropping a service already ordered is refused, and nothing changes.
    assert "rate_card" in attrs(noms.patch(url, {"rate_card": [new]}, format="json"))
    assert set(contract.rate_card.values_list("service", flat=True)) == {"ordered", "unused"}
    code = sorted(service_levels.MEASURES)[0]
    kept = {"service": "ordered", "name": "Kept", "unit": "session", "price": "99.00"}
    response = noms.patch(
        url,
        {
            "rate_card": [kept, new],
            "service_levels": [{"code": code, "target": "0.8", "credit_share": "0.03"}],
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert [(i["service"], i["price"]) for i in response.json()["rate_card"]] == [
        ("new", "10.00"),
        ("ordered", "99.00"),
    ]
    assert [level["code"] for level in response.json()["service_levels"]] == [code]
    deleted = AuditEvent.objects.filter(action=AuditAction.DELETE)
    assert sorted(deleted.values_list("object_type", flat=True)) == [
        "contracts.ratecarditem",
        "contracts.servicelevel",
    ]
    unknown = [{"code": "NOT_A_MEASURE", "target": "0.8", "credit_share": "0.03"}]
    assert "service_levels.0.code" in attrs(
        noms.patch(url, {"service_levels": unknown}, format="json")
    )


# --- The ledger ----------------------------------------------------------------------------


def test_the_ledger_lists_lines_filtered_by_month_and_kind(finance, contracts):
    own = contracts[0]
    line(own, "FFS:2015-02")
    credit = line(own, "CREDIT:X:2015-02", EntryKind.SERVICE_CREDIT, "-100.00")
    later = ledger.post(
        own,
        datetime.date(2015, 4, 1),
        EntryKind.FFS_INSTALMENT,
        "FFS:2015-03",
        D("1.00"),
        description="April",
    )
    url = f"/api/v1/contracts/{own.pk}/ledger/"
    assert len(finance.get(url).json()["results"]) == 3
    march = finance.get(url + "?month=2015-03").json()["results"]
    assert {entry["key"] for entry in march} == {"FFS:2015-02", "CREDIT:X:2015-02"}
    credits = finance.get(url + "?kind=SERVICE_CREDIT").json()["results"]
    assert [(e["id"], e["amount"], e["month"]) for e in credits] == [
        (credit.pk, "-100.00", "2015-03")
    ]
    assert finance.get(url + "?month=2015-04").json()["results"][0]["id"] == later.pk
    assert "month" in attrs(finance.get(url + "?month=March"))
    assert "kind" in attrs(finance.get(url + "?kind=BONUS"))


def test_a_ledger_line_lists_the_starts_it_counted_by_crn_and_reference(finance, contracts):
    own = contracts[0]
    entry = line(own, "RECONCILIATION:Y1", EntryKind.FFS_RECONCILIATION, "20.00")
    people = [person_of("CRC11") for _ in range(3)]
    sentences = [sentence_of(person) for person in people]
    for person, sentence, hours in zip(people, sentences, [100, None, 250], strict=True):
        WavStart.objects.create(
            entry=entry,
            person=person,
            sentence=sentence,
            start_type="COMMUNITY_ORDER",
            start_date=datetime.date(2015, 3, 2),
            upw_hours=hours,
        )
    response = finance.get(f"/api/v1/contracts/{own.pk}/ledger/{entry.pk}/?limit=2")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["entry"]["key"] == "RECONCILIATION:Y1" and body["entry"]["amount"] == "20.00"
    starts = body["wav_starts"]
    assert (starts["count"], starts["truncated"], len(starts["items"])) == (3, True, 2)
    first = starts["items"][0]
    assert first["crn"] in {p.crn for p in people}
    assert first["sentence"] == f"{first['crn']}/1"
    assert first["start_type"] == "COMMUNITY_ORDER" and first["start_date"] == "2015-03-02"
    names = {p.last_name for p in people} | {p.first_name for p in people}
    assert not any(name in response.content.decode() for name in names)
    assert body["members"] == {"count": 0, "truncated": False, "items": []}
    assert body["service_level"] is None
    # A reversal of the line counted what the line counted.
    reversal = ledger.reverse(
        entry, reason="Wrong weights", user=staff("NOMS_CONTRACT_MANAGER", "NOMS")
    )
    response = finance.get(f"/api/v1/contracts/{own.pk}/ledger/{reversal.pk}/")
    assert response.json()["entry"]["amount"] == "-20.00"
    assert response.json()["wav_starts"]["count"] == 3


def test_a_cohort_line_lists_its_members_and_their_reoffences(noms, contracts):
    own = contracts[0]
    entry = line(own, "PBR_BINARY:Y1-Q1", EntryKind.PBR_BINARY, "0.00")
    person = person_of("CRC11")
    CohortMember.objects.create(
        entry=entry,
        person=person,
        sentence=sentence_of(person),
        entry_type="LICENCE",
        entered_on=datetime.date(2015, 2, 10),
        offences_before=datetime.date(2016, 2, 10),
        proven_before=datetime.date(2016, 8, 10),
        reoffences=2,
    )
    members = noms.get(f"/api/v1/contracts/{own.pk}/ledger/{entry.pk}/").json()["members"]
    assert members["count"] == 1
    assert members["items"][0]["crn"] == person.crn
    assert members["items"][0]["reoffences"] == 2


def test_list_endpoints_take_the_same_queries_whatever_their_size(noms, contracts):
    own = contracts[0]
    for month in range(2):
        line(own, f"FFS:X{month}")
    contract_of("CRC12", year=1)
    run_with_parts(["CRC11"])
    ledger_url = f"/api/v1/contracts/{own.pk}/ledger/"
    few = (
        queries(lambda: noms.get("/api/v1/contracts/")),
        queries(lambda: noms.get(ledger_url)),
        queries(lambda: noms.get("/api/v1/payment-runs/")),
    )
    for number in range(2, 12):
        line(own, f"FFS:X{number}")
    for code in ("CRC13", "CRC14", "CRC15"):
        contract = contract_of(code, year=1)
        ServiceLevel.objects.create(
            contract=contract, code="A", target=D("0.9"), credit_share=D("0.01")
        )
        rate_card_item_of(contract)
    run_with_parts(["CRC12", "CRC13", "NPS-WAL"])
    run_with_parts(["CRC14"])
    many = (
        queries(lambda: noms.get("/api/v1/contracts/")),
        queries(lambda: noms.get(ledger_url)),
        queries(lambda: noms.get("/api/v1/payment-runs/")),
    )
    assert few == many


# --- Payment runs ----------------------------------------------------------------------------


@pytest.fixture
def instalments_only(monkeypatch):
    """The run's parts pay only the FFS instalment (service levels, fee for use and cohorts
    are other modules' and tested there)."""

    def pay_crc(crc, month, part, written):
        contract = payments.contract_in_force(crc, month)
        if contract is not None:
            payments.pay_instalment(contract, month, part, written)

    monkeypatch.setattr(payments, "pay_crc", pay_crc)
    monkeypatch.setattr(payments.service_levels, "record_month", lambda *a, **k: [])


def test_noms_runs_a_past_month_and_sees_its_progress(
    noms, contracts, instalments_only, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = noms.post("/api/v1/payment-runs/", {"month": "2015-03"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["month"] == "2015-03" and body["trigger"] == "BUTTON"
    assert body["requested_by"] == noms.user.username
    assert {"CRC11", "CRC20"} <= {part["organisation"] for part in body["parts"]}
    run = noms.get(f"/api/v1/payment-runs/{body['id']}/").json()
    parts = {part["organisation"]: part for part in run["parts"]}
    assert all(part["status"] == PartStatus.DONE for part in parts.values()), parts
    assert parts["CRC11"]["lines_written"] == 1 and parts["CRC11"]["attempts"] == 1
    assert parts["CRC12"]["lines_written"] == 0  # no contract
    entry = LedgerEntry.objects.get(contract=contracts[0])
    assert (entry.key, entry.amount) == ("FFS:2015-03", D("833333.33"))
    assert [r["id"] for r in noms.get("/api/v1/payment-runs/").json()["results"]] == [body["id"]]
    assert AuditEvent.objects.filter(object_type="contracts.paymentrun").exists()


def test_a_month_not_yet_over_is_a_400_on_month(noms):
    this_month = datetime.date.today().strftime("%Y-%m")
    assert attrs(noms.post("/api/v1/payment-runs/", {"month": this_month}, format="json")) == {
        "month"
    }
    assert "month" in attrs(noms.post("/api/v1/payment-runs/", {"month": "2015-13"}, format="json"))
    assert not PaymentRun.objects.exists()


def test_runs_are_noms_only(finance):
    run = PaymentRun.objects.create(
        month=MARCH_2015, trigger="BUTTON", requested_at=datetime.datetime.now(datetime.UTC)
    )
    assert finance.get("/api/v1/payment-runs/").json()["results"] == []
    assert finance.get(f"/api/v1/payment-runs/{run.pk}/").status_code == 404
    assert (
        finance.post("/api/v1/payment-runs/", {"month": "2015-03"}, format="json").status_code
        == 403
    )
    assert PaymentRun.objects.count() == 1


@pytest.mark.parametrize("month", ["9999-12", "1999-12", "0000-01"])
def test_a_month_outside_the_calendar_is_a_400_on_month(noms, month):
    assert attrs(noms.post("/api/v1/payment-runs/", {"month": month}, format="json")) == {"month"}


def test_a_start_at_the_end_of_the_calendar_is_a_400_not_a_500(noms):
    response = noms.post("/api/v1/contracts/", new_contract(start_date="9999-12-01"), format="json")
    assert "start_date" in attrs(response)


anything = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10)
    | st.sampled_from(["NaN", "1e999", "9999-12-01", "2015-02-01", "CRC12", "0.5", "-1"]),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=6,
)


def test_no_contract_body_is_a_server_error(noms):
    template = new_contract(service_levels=[], start_date="2015-02-01", end_date="2016-01-31")

    @settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
    @given(changes=st.dictionaries(st.sampled_from(sorted(template)), anything, max_size=3))
    def call(changes):
        response = noms.post("/api/v1/contracts/", {**template, **changes}, format="json")
        assert response.status_code in (201, 400), (changes, response.content)
        patched = noms.patch(f"/api/v1/contracts/{existing.pk}/", changes, format="json")
        assert patched.status_code in (200, 400), (changes, patched.content)

    existing = contract_of("CRC20", year=1)
    call()


def test_a_patched_list_item_must_be_whole(noms, contracts):
    url = f"/api/v1/contracts/{contracts[0].pk}/"
    response = noms.patch(url, {"service_levels": [{"target": "0.5"}]}, format="json")
    assert "service_levels.0.code" in attrs(response)
    response = noms.patch(url, {"rate_card": [{"service": "x", "price": "1.00"}]}, format="json")
    assert {"rate_card.0.name", "rate_card.0.unit"} <= attrs(response)
