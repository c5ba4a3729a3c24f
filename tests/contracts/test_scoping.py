"""A CRC never sees another CRC's contract (issue 8 part 8; STYLE.md: one access function,
404 for "missing" and "not yours" alike). The routes are enumerated from the URL resolver –
every page under /contracts/ and every API route under /api/v1/contracts and
/api/v1/payment-runs – so a route added later is checked without changing this test, and a
route with a parameter this test cannot fill fails it."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from contracts import ledger
from contracts.models import (
    PaymentRun,
    PaymentRunPart,
    RateCardOrder,
    RunTrigger,
    ServiceLevelResult,
)
from tests.contracts.factories import contract_of, rate_card_item_of
from tests.probation.factories import api_client, org, staff
from tests.routes import routes as project_routes
from tests.routes import url as path_of

pytestmark = pytest.mark.django_db

PREFIXES = ("contracts/", "api/v1/contracts", "api/v1/payment-runs")
METHODS = ("get", "post", "patch", "put", "delete")
MISSING = "999999"
MONTH = "2015-03"
# Pages only NOMS contract managers use: CRC staff get 403 on their own contract (they may
# know the contract exists), 404 on another CRC's.
NOMS_ONLY_PAGES = ("/change/", "/reverse/", "/new/")


def _routes() -> list[tuple[str, set[str]]]:
    return project_routes(PREFIXES)


def _records(crc: str) -> dict:
    """A contract of ``crc`` with a ledger line in March 2015, a rate-card order and a
    service level result: the values of every contract route's parameters."""
    noms = staff("NOMS_CONTRACT_MANAGER", "NOMS")
    contract = contract_of(crc, year=1)
    entry = ledger.post(
        contract,
        datetime.date(2015, 3, 1),
        "FFS_INSTALMENT",
        f"FFS:{MONTH}",
        Decimal("833333.33"),
        description="Fee for service, instalment 2 of 12",
    )
    item = rate_card_item_of(contract, "programme")
    order = RateCardOrder.objects.create(
        item=item,
        purchaser_kind="NPS",
        purchaser=org("NPS"),
        reference="PO-1",
        ordered_on=datetime.date(2015, 3, 2),
        quantity=Decimal("2"),
        ordered_by=noms,
    )
    result = ServiceLevelResult.objects.create(
        organisation=contract.crc,
        contract=contract,
        month=datetime.date(2015, 3, 1),
        code="FIRST_APPOINTMENT",
        numerator=1,
        denominator=2,
        met=False,
        computed_at=timezone.now(),
    )
    return {
        "contract_id": contract.pk,
        "month": MONTH,
        "entry_id": entry.pk,
        "order_id": order.pk,
        "result_id": result.pk,
    }


def _run() -> PaymentRun:
    run = PaymentRun.objects.create(
        month=datetime.date(2015, 3, 1), trigger=RunTrigger.COMMAND, requested_at=timezone.now()
    )
    for crc in ("CRC11", "CRC20"):
        PaymentRunPart.objects.create(run=run, organisation=org(crc))
    return run


CONTRACT_PARAMETERS = {"contract_id", "month", "entry_id", "order_id", "result_id"}
KNOWN_PARAMETERS = CONTRACT_PARAMETERS | {"run_id", "format"}


@pytest.fixture
def callers():
    """CRC11's finance officer, CRC11's manager and CRC11's API client."""
    clients = []
    for role in ("CRC_FINANCE_OFFICER", "CRC_MANAGER"):
        client = APIClient()
        client.force_login(staff(role, "CRC11"))
        clients.append((role, client))
    _, key = api_client("CRC11")
    token_client = APIClient()
    token_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    clients.append(("API client of CRC11", token_client))
    return clients


def _reachable(role, route):
    """Token clients use the API; on web pages they are sent to sign in like anyone."""
    return route.startswith("api/") or not role.startswith("API client")


def _responses(client, url):
    return {
        method: getattr(client, method)(url, {}, format="json").status_code for method in METHODS
    }


def test_every_contract_route_parameter_is_known():
    routes = _routes()
    assert any(route.startswith("contracts/") for route, _ in routes)
    unknown = {route: sorted(p - KNOWN_PARAMETERS) for route, p in routes if p - KNOWN_PARAMETERS}
    assert unknown == {}, "Teach tests/contracts/test_scoping.py these routes' parameters"


def test_another_crcs_contract_is_indistinguishable_from_a_missing_one(callers):
    theirs = _records("CRC20")
    routes = [(r, p) for r, p in _routes() if "contract_id" in p]
    assert len(routes) >= 8
    for role, client in callers:
        for route, params in routes:
            values = {name: theirs[name] for name in params & CONTRACT_PARAMETERS}
            url = path_of(route, values)
            missing = path_of(route, {**values, "contract_id": MISSING})
            got, expected = _responses(client, url), _responses(client, missing)
            if _reachable(role, route):
                assert got["get"] in (404, 405), f"{role} GET {url}: {got['get']}"
            assert got == expected, f"{role} {url}: {got} vs missing {expected}"


def test_another_crcs_records_are_404_under_an_own_contract(callers):
    """An entry, order or result id of CRC20 under CRC11's own contract answers like a
    missing one: ids only count under their own contract."""
    own, theirs = _records("CRC11"), _records("CRC20")
    for role, client in callers:
        for route, params in _routes():
            children = params & (CONTRACT_PARAMETERS - {"contract_id", "month"})
            if "contract_id" not in params or not children or not _reachable(role, route):
                continue
            values = {name: own[name] for name in params & CONTRACT_PARAMETERS}
            values |= {name: theirs[name] for name in children}
            url = path_of(route, values)
            missing = path_of(route, values | dict.fromkeys(children, MISSING))
            got = client.get(url).status_code
            assert got in (404, 405), f"{role} GET {url}: {got}"
            assert got == client.get(missing).status_code, url


def test_crc_staff_read_their_own_contracts_pages(callers):
    own = _records("CRC11")
    for role, client in callers:
        for route, params in _routes():
            if "contract_id" not in params or not _reachable(role, route):
                continue
            url = path_of(route, {name: own[name] for name in params & CONTRACT_PARAMETERS})
            status = client.get(url).status_code
            if route.startswith("api/"):
                assert status not in (404, 500), f"{role} GET {url}: {status}"
            elif any(part in "/" + route for part in NOMS_ONLY_PAGES):
                assert status in (200, 403), f"{role} GET {url}: {status}"
            else:
                assert status == 200, f"{role} GET {url}: {status}"


def test_noms_read_every_contract_page(client):
    """The values above are real: NOMS opens every page route with them."""
    theirs = _records("CRC20")
    run = _run()
    client.force_login(staff("NOMS_CONTRACT_MANAGER", "NOMS"))
    for route, params in _routes():
        if route.startswith("api/") or route.endswith("resume/"):
            continue
        values = {name: theirs[name] for name in params & CONTRACT_PARAMETERS}
        values |= {"run_id": run.pk} if "run_id" in params else {}
        url = path_of(route, values)
        assert client.get(url).status_code == 200, url


def test_payment_runs_and_the_reoffending_data_do_not_exist_for_crc_staff(callers):
    run = _run()
    routes = [(r, p) for r, p in _routes() if "contract_id" not in p]
    page_routes = [r for r, _ in routes if r.startswith("contracts/")]
    assert "contracts/runs/" in page_routes and "contracts/reoffending/" in page_routes
    for role, client in callers:
        for route, params in routes:
            if not _reachable(role, route) or route == "contracts/" or route.endswith("new/"):
                continue
            if "run_id" in params:
                url = path_of(route, {"run_id": run.pk})
                missing = path_of(route, {"run_id": MISSING})
                got, expected = _responses(client, url), _responses(client, missing)
                assert got == expected, f"{role} {url}: {got} vs missing {expected}"
                assert got["get"] != 200, f"{role} GET {url}"
                if not route.startswith("api/"):
                    assert got["get"] in (404, 405), f"{role} GET {url}"
            elif route.startswith("contracts/"):
                assert client.get(path_of(route, {})).status_code == 404, f"{role} GET /{route}"
