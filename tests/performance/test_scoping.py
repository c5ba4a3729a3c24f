"""A CRC's managers never see another organisation's performance (issue 9: "a CRC manager
gets 404 for another CRC's organisation page"; STYLE.md: one access function, 404 for
"missing" and "not yours" alike). The routes are enumerated from the URL resolver – every
page under /performance/ and every API route under /api/v1/performance/ – so a route added
later is checked without changing this test, and a route with a parameter this test cannot
fill fails it.

Scope (``probation.access``): NOMS sees every CRC, the NPS, its divisions and LDUs and the
national pages (the overview, the funnel plots, the facts job); a CRC's managers and API
client their own CRC; an NPS division's head and API client their own division; anybody
else nothing. Published open-data tables are public: readable without signing in;
publishing is NOMS's.
"""

import datetime

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.utils import timezone
from rest_framework.test import APIClient

from performance.models import PublishedFigure, PublishedTable
from tests.performance.factories import fact_of
from tests.probation.factories import api_client, org, staff
from tests.routes import routes as project_routes
from tests.routes import url as path_of

pytestmark = pytest.mark.django_db

PREFIXES = ("performance/", "api/v1/performance/")
METHODS = ("get", "post")
MEASURE = "ORDERS_COMPLETED"
MONTH = "2016-03"
MISSING = "NOPE99"
KNOWN_PARAMETERS = {"org_code", "measure", "month", "table_id", "format"}

# Pages without parameters, by who may open them. A new one must be classified here.
NATIONAL_PAGES = {"performance/", "performance/compare/", "performance/facts/"}
OWN_PAGES = {"performance/mine/"}
OPEN_DATA_PAGES = {"performance/open-data/"}
PUBLISH_PAGES = {"performance/open-data/publish/"}
# API routes without parameters: each caller's own list (scoped inside), or public tables.
API_LISTS = {"api/v1/performance/facts/", "api/v1/performance/tables/"}


def _routes() -> list[tuple[str, set[str]]]:
    return project_routes(PREFIXES)


def _organisation_routes() -> list[tuple[str, set[str]]]:
    return [(route, params) for route, params in _routes() if "org_code" in params]


def _values(org_code: str) -> dict:
    return {"org_code": org_code, "measure": MEASURE, "month": MONTH}


def _session(role: str, organisation: str) -> APIClient:
    client = APIClient()
    client.force_login(staff(role, organisation))
    return client


def _token(organisation: str) -> APIClient:
    _, key = api_client(organisation)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _reachable(caller: str, route: str) -> bool:
    """Token clients use the API; on web pages they are sent to sign in like anyone."""
    return route.startswith("api/") or not caller.startswith("API client")


def _responses(client, url) -> dict:
    return {
        method: getattr(client, method)(url, {}, format="json").status_code for method in METHODS
    }


@pytest.fixture
def figures():
    """March 2016 figures of the organisations the callers see and do not see."""
    for code in ("CRC11", "CRC20", "NPS", "NPS-WAL", "NPS-LON", "LDU1101", "LDU2001"):
        fact_of(code, MEASURE, MONTH, 1, 2)


# Each caller with their own organisation and organisations of others.
CALLERS = [
    ("CRC manager of CRC11", "CRC11", ("CRC20", "NPS", "NPS-WAL", "LDU1101", "LDU2001")),
    ("NPS senior manager of NPS-WAL", "NPS-WAL", ("NPS-LON", "NPS", "CRC11", "LDU1101")),
    ("API client of CRC11", "CRC11", ("CRC20", "NPS-WAL", "LDU1101")),
    ("API client of NPS-WAL", "NPS-WAL", ("NPS-LON", "CRC11")),
]


def _client_of(caller: str, organisation: str) -> APIClient:
    if caller.startswith("API client"):
        return _token(organisation)
    role = "CRC_MANAGER" if caller.startswith("CRC manager") else "NPS_SENIOR_MANAGER"
    return _session(role, organisation)


# --- The routes ------------------------------------------------------------------------------


def test_every_performance_route_parameter_is_known():
    routes = _routes()
    assert any(route.startswith("performance/") for route, _ in routes)
    assert any(route.startswith("api/v1/performance/") for route, _ in routes)
    unknown = {route: sorted(p - KNOWN_PARAMETERS) for route, p in routes if p - KNOWN_PARAMETERS}
    assert unknown == {}, "Teach tests/performance/test_scoping.py these routes' parameters"


def test_every_page_without_parameters_is_classified():
    plain = {route for route, params in _routes() if not params}
    classified = NATIONAL_PAGES | OWN_PAGES | OPEN_DATA_PAGES | PUBLISH_PAGES | API_LISTS
    assert plain == classified, "Say in tests/performance/test_scoping.py who opens these"


def test_organisation_routes_exist():
    routes = {route for route, _ in _organisation_routes()}
    assert "performance/organisations/<str:org_code>/" in routes
    assert "api/v1/performance/facts/<str:org_code>/<str:measure>/<str:month>/cases/" in routes
    assert len(routes) >= 4


# --- Another organisation answers like a missing one -----------------------------------------


@pytest.mark.parametrize(("caller", "own", "theirs"), CALLERS, ids=[c[0] for c in CALLERS])
def test_another_organisation_is_indistinguishable_from_a_missing_one(figures, caller, own, theirs):
    client = _client_of(caller, own)
    for route, _ in _organisation_routes():
        if not _reachable(caller, route):
            continue
        missing = path_of(route, _values(MISSING))
        expected = _responses(client, missing)
        assert expected["get"] == 404, f"{caller} GET {missing}: {expected['get']}"
        for code in theirs:
            url = path_of(route, _values(code))
            got = _responses(client, url)
            assert got == expected, f"{caller} {url}: {got} vs missing {expected}"


def test_nobody_else_sees_any_organisation(figures):
    for role, organisation in (
        ("CRC_OFFENDER_MANAGER", "CRC11"),
        ("CRC_FINANCE_OFFICER", "CRC11"),
        ("NPS_COURT_OFFICER", "NPS-WAL"),
    ):
        client = _session(role, organisation)
        for route, _ in _organisation_routes():
            for code in ("CRC11", "NPS-WAL", MISSING):
                url = path_of(route, _values(code))
                assert client.get(url).status_code == 404, f"{role} GET {url}"


def test_signed_out_callers_see_no_organisation(figures):
    anonymous = APIClient()
    for route, _ in _organisation_routes():
        response = anonymous.get(path_of(route, _values("CRC11")))
        if route.startswith("api/"):
            assert response.status_code in (401, 403), route
        else:
            assert response.status_code == 302, route
            assert response["Location"].startswith(resolve_url(settings.LOGIN_URL)), route


# --- Own organisation: every route opens (pages being built fail here until they are) ------


@pytest.mark.parametrize(("caller", "own", "theirs"), CALLERS, ids=[c[0] for c in CALLERS])
def test_own_organisation_opens_on_every_route(figures, caller, own, theirs):
    client = _client_of(caller, own)
    failures = {}
    for route, _ in _organisation_routes():
        if not _reachable(caller, route):
            continue
        url = path_of(route, _values(own))
        status = client.get(url).status_code
        if status != 200:
            failures[url] = status
    assert failures == {}, f"{caller}: {failures}"


def test_noms_opens_every_organisation_route(figures):
    client = _session("NOMS_CONTRACT_MANAGER", "NOMS")
    failures = {}
    for route, _ in _organisation_routes():
        for code in ("CRC20", "NPS", "NPS-LON", "LDU2001"):
            url = path_of(route, _values(code))
            status = client.get(url).status_code
            if status != 200:
                failures[url] = status
    assert failures == {}


# --- National pages --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "organisation"),
    [
        ("CRC_MANAGER", "CRC11"),
        ("NPS_SENIOR_MANAGER", "NPS-WAL"),
        ("CRC_OFFENDER_MANAGER", "CRC11"),
        ("CRC_FINANCE_OFFICER", "CRC11"),
    ],
)
def test_the_national_pages_are_404_to_anybody_but_noms(figures, role, organisation):
    client = _session(role, organisation)
    for route in sorted(NATIONAL_PAGES | PUBLISH_PAGES):
        assert client.get("/" + route).status_code == 404, f"{role} GET /{route}"
        # A page that takes no POST may say so (405) to anybody: it holds no figures.
        assert client.post("/" + route, {}).status_code in (404, 405), f"{role} POST /{route}"


def test_noms_opens_the_national_pages(figures):
    client = _session("NOMS_CONTRACT_MANAGER", "NOMS")
    for route in sorted(NATIONAL_PAGES | PUBLISH_PAGES):
        assert client.get("/" + route).status_code == 200, f"GET /{route}"


def test_signed_out_callers_are_sent_to_sign_in_for_the_national_pages():
    anonymous = APIClient()
    for route in sorted(NATIONAL_PAGES | OWN_PAGES | PUBLISH_PAGES):
        response = anonymous.get("/" + route)
        assert response.status_code == 302, route
        assert response["Location"].startswith(resolve_url(settings.LOGIN_URL)), route


def test_my_performance_is_only_for_those_who_have_one(figures):
    assert _session("CRC_OFFENDER_MANAGER", "CRC11").get("/performance/mine/").status_code == 404
    for role, organisation in (("CRC_MANAGER", "CRC11"), ("NPS_SENIOR_MANAGER", "NPS-WAL")):
        response = _session(role, organisation).get("/performance/mine/")
        assert response.status_code in (200, 302), role
        if response.status_code == 302:
            assert response["Location"] == f"/performance/organisations/{organisation}/"


# --- Open data -------------------------------------------------------------------------------


@pytest.fixture
def table():
    published = PublishedTable.objects.create(
        quarter=datetime.date(2016, 1, 1),
        version=1,
        published_at=timezone.now(),
        published_by=staff("NOMS_CONTRACT_MANAGER", "NOMS"),
        notes="First publication",
    )
    PublishedFigure.objects.create(
        table=published,
        organisation=org("CRC11"),
        measure=MEASURE,
        numerator="[c]",
        denominator="12",
        value="[c]",
    )
    return published


def _table_routes() -> list[str]:
    return [
        route
        for route, params in _routes()
        if "table_id" in params and route.startswith("performance/")
    ]


def test_a_published_tables_pages_need_no_sign_in(table):
    anonymous = APIClient()
    routes = _table_routes()
    assert len(routes) >= 3
    for route in sorted(OPEN_DATA_PAGES) + routes:
        url = path_of(route, {"table_id": table.pk})
        assert anonymous.get(url).status_code == 200, f"GET {url}"
        missing = path_of(route, {"table_id": 999999})
        if missing != url:
            assert anonymous.get(missing).status_code == 404, f"GET {missing}"


def test_a_published_tables_pages_are_the_same_for_everybody(table):
    anonymous = APIClient().get(f"/performance/open-data/{table.pk}/table.csv")
    for role, organisation in (("CRC_MANAGER", "CRC11"), ("CRC_OFFENDER_MANAGER", "CRC20")):
        signed_in = _session(role, organisation).get(f"/performance/open-data/{table.pk}/table.csv")
        assert signed_in.status_code == 200
        assert b"".join(signed_in) == b"".join(anonymous)


def test_publishing_is_for_noms_only(table):
    anonymous = APIClient().get("/performance/open-data/publish/")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(resolve_url(settings.LOGIN_URL))
    for role, organisation in (("CRC_MANAGER", "CRC11"), ("NPS_SENIOR_MANAGER", "NPS-WAL")):
        client = _session(role, organisation)
        assert client.get("/performance/open-data/publish/").status_code == 404, role
        assert client.post("/performance/open-data/publish/", {}).status_code == 404, role
    assert PublishedTable.objects.count() == 1
