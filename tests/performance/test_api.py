"""The performance API (issue 9 parts 3 and 6).

``POST /api/v1/calculations/funnel``: for any signed-in user or API client, exactly the
figures ``performance.funnel.funnel`` gives (the dashboard's function); impossible figures a
400 naming the figure; no body a 500.

``GET /api/v1/performance/facts/`` and ``.../<org_code>/<measure>/<month>/cases/``: scoped
like the pages – NOMS sees every organisation, a CRC's manager their CRC, an NPS division's
head their division, anybody else nothing; another organisation's cases answer 404 like a
missing one's; cases are listed by CRN and reference, never by name; lists take the same
number of queries whatever their size.
"""

import datetime

import pytest
from django.db import connection
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from performance import funnel
from performance.base import Kind, Measure
from performance.measures import MEASURES
from probation.models import Person, Termination
from tests.performance.factories import fact_of
from tests.probation.factories import org, person_of, sentence_of, staff
from tests.probation.factories import signed_in_api as client_of
from tests.probation.factories import token_api as token_client

pytestmark = pytest.mark.django_db

FUNNEL = "/api/v1/calculations/funnel"
FACTS = "/api/v1/performance/facts/"
MEASURE = "FIRST_APPOINTMENT"  # a SHARE measure (a contract service level)


@pytest.fixture
def noms():
    return client_of("NOMS_CONTRACT_MANAGER", "NOMS")


@pytest.fixture
def crc11():
    return client_of("CRC_MANAGER", "CRC11")


@pytest.fixture
def wales():
    return client_of("NPS_SENIOR_MANAGER", "NPS-WAL")


def attrs(response) -> set[str]:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["type"] == "validation_error"
    return {error["attr"] for error in body["errors"]}


def cases_url(organisation, measure=MEASURE, month="2016-03"):
    return f"{FACTS}{organisation}/{measure}/{month}/cases/"


# --- POST /api/v1/calculations/funnel ------------------------------------------------------

UNITS = [
    {"code": "CRC11", "numerator": 80, "denominator": 100},
    {"code": "CRC12", "numerator": 150, "denominator": 200},
    {"code": "CRC20", "numerator": 95, "denominator": 100},
]
POINT_KEYS = {"code", "rate", "lower_95", "upper_95", "lower_998", "upper_998", "flag"}


def expected(units, target=None):
    result = funnel.funnel(
        [funnel.Unit(u["code"], u["numerator"], u["denominator"]) for u in units], target
    )
    return {
        "pooled_rate": result.pooled_rate,
        "units": [
            {
                "code": p.code,
                "rate": p.rate,
                "lower_95": p.lower_95,
                "upper_95": p.upper_95,
                "lower_998": p.lower_998,
                "upper_998": p.upper_998,
                "flag": p.flag.value,
            }
            for p in result.points
        ],
    }


def test_the_funnel_endpoint_gives_the_funnels_figures(noms):
    response = noms.post(FUNNEL, {"units": UNITS}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"pooled_rate", "units"}
    assert all(set(unit) == POINT_KEYS for unit in body["units"])
    assert body == expected(UNITS)
    assert body["pooled_rate"] == 0.8125
    assert [u["flag"] for u in body["units"]] == ["WITHIN", "LOW_WARNING", "HIGH_ALERT"]


def test_the_funnel_endpoint_draws_around_a_target(noms):
    body = noms.post(FUNNEL, {"units": UNITS, "target_rate": 0.9}, format="json").json()
    assert body == expected(UNITS, 0.9)
    assert body["pooled_rate"] == 0.9
    assert noms.post(FUNNEL, {"units": UNITS, "target_rate": None}, format="json").json() == (
        expected(UNITS)
    )


def test_anyone_signed_in_or_an_api_client_may_calculate(client):
    for caller in (client_of("CRC_OFFENDER_MANAGER", "CRC11"), token_client("CRC20")):
        assert caller.post(FUNNEL, {"units": UNITS}, format="json").status_code == 200
    assert APIClient().post(FUNNEL, {"units": UNITS}, format="json").status_code in (401, 403)


def with_unit(index, **changes):
    units = [dict(unit) for unit in UNITS]
    units[index].update(changes)
    return {"units": units}


def without(index, name):
    units = [dict(unit) for unit in UNITS]
    del units[index][name]
    return {"units": units}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param(with_unit(2, denominator=0, numerator=0), "units.2.denominator", id="n=0"),
        pytest.param(with_unit(1, numerator=201), "units.1.numerator", id="numerator above n"),
        pytest.param(with_unit(0, numerator=-1), "units.0.numerator", id="negative numerator"),
        pytest.param(with_unit(0, denominator=-5), "units.0.denominator", id="negative n"),
        pytest.param(with_unit(0, numerator=2.5), "units.0.numerator", id="fraction"),
        pytest.param(with_unit(0, numerator="80"), "units.0.numerator", id="string numerator"),
        pytest.param(with_unit(0, denominator=True), "units.0.denominator", id="boolean"),
        pytest.param(with_unit(0, numerator=None), "units.0.numerator", id="null numerator"),
        pytest.param(with_unit(0, denominator=10**13), "units.0.denominator", id="too big"),
        pytest.param(with_unit(0, denominator=[1]), "units.0.denominator", id="a list"),
        pytest.param(without(1, "denominator"), "units.1.denominator", id="no denominator"),
        pytest.param(without(0, "code"), "units.0.code", id="no code"),
        pytest.param(with_unit(0, code=""), "units.0.code", id="empty code"),
        pytest.param(with_unit(2, code="CRC11"), "units.2.code", id="duplicate code"),
        pytest.param({"units": UNITS, "target_rate": 1.5}, "target_rate", id="target above 1"),
        pytest.param({"units": UNITS, "target_rate": -0.1}, "target_rate", id="target below 0"),
        pytest.param({"units": UNITS, "target_rate": "high"}, "target_rate", id="target text"),
        pytest.param({"units": []}, "units", id="no units"),
        pytest.param({}, "units", id="units missing"),
        pytest.param({"units": "CRC11"}, "units", id="units not a list"),
        pytest.param({"units": {"code": "CRC11"}}, "units", id="units an object"),
    ],
)
def test_impossible_figures_are_a_400_naming_the_figure(noms, body, field):
    assert field in attrs(noms.post(FUNNEL, body, format="json"))


def test_a_unit_that_is_not_an_object_is_a_400(noms):
    response = noms.post(FUNNEL, {"units": [UNITS[0], 7]}, format="json")
    assert any(attr.startswith("units.1") for attr in attrs(response))


def test_a_body_that_is_not_an_object_is_a_400(noms):
    for body in ([], "units", 3):
        assert noms.post(FUNNEL, body, format="json").status_code == 400


def test_a_whole_float_is_a_whole_number(noms):
    body = noms.post(FUNNEL, with_unit(0, numerator=80.0), format="json").json()
    assert body == expected(UNITS)


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**15), 10**15)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)
UNIT_LIKE = st.fixed_dictionaries(
    {"code": st.text(max_size=3) | JSON, "numerator": JSON, "denominator": JSON}
)


@given(
    body=st.fixed_dictionaries(
        {"units": st.lists(UNIT_LIKE, max_size=4) | JSON},
        optional={"target_rate": JSON | st.floats(-2, 2)},
    )
    | JSON
)
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_no_body_is_a_500(noms, body):
    response = noms.post(FUNNEL, body, format="json")
    assert response.status_code in (200, 400), (body, response.content)


@given(
    units=st.lists(
        st.integers(1, 10_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
        min_size=1,
        max_size=8,
    ),
    target=st.none() | st.floats(0, 1),
)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_the_endpoint_and_the_function_agree(noms, units, target):
    given_units = [
        {"code": f"U{i}", "numerator": k, "denominator": n} for i, (k, n) in enumerate(units)
    ]
    body = {"units": given_units, "target_rate": target}
    assert noms.post(FUNNEL, body, format="json").json() == expected(given_units, target)


# --- GET /api/v1/performance/facts/ -------------------------------------------------------

MARCH = "2016-03"


@pytest.fixture
def facts():
    """March 2016 first appointments of two CRCs, the NPS, two divisions and an LDU."""
    return {
        code: fact_of(code, MEASURE, MARCH, numerator, 10)
        for code, numerator in (
            ("CRC11", 8),
            ("CRC20", 9),
            ("NPS", 7),
            ("NPS-WAL", 6),
            ("NPS-LON", 5),
            ("LDU1103", 4),
        )
    }


def listed(client, query="") -> list[dict]:
    response = client.get(FACTS + query)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def codes(client, query="") -> list[str]:
    return sorted(item["organisation"] for item in listed(client, query))


def test_noms_sees_every_organisations_facts(noms, facts):
    assert codes(noms) == sorted(facts)
    assert codes(token_client("NOMS")) == sorted(facts)


def test_a_crc_manager_sees_only_their_crc(crc11, facts):
    assert codes(crc11) == ["CRC11"]
    assert codes(token_client("CRC11")) == ["CRC11"]
    assert codes(crc11, "?organisation=CRC20") == []


def test_an_nps_division_head_sees_only_their_division(wales, facts):
    assert codes(wales) == ["NPS-WAL"]
    assert codes(token_client("NPS-WAL")) == ["NPS-WAL"]


def test_anybody_else_sees_no_facts(facts):
    for role, organisation in (
        ("CRC_OFFENDER_MANAGER", "CRC11"),
        ("CRC_FINANCE_OFFICER", "CRC11"),
        ("NPS_COURT_OFFICER", "NPS-WAL"),
    ):
        assert codes(client_of(role, organisation)) == [], role
    assert APIClient().get(FACTS).status_code in (401, 403)


def test_a_fact_as_listed(noms, facts):
    (item,) = listed(noms, "?organisation=CRC11")
    assert item == {
        "organisation": "CRC11",
        "organisation_name": org("CRC11").name,
        "level": "provider",
        "measure": MEASURE,
        "measure_name": MEASURES[MEASURE].name,
        "kind": "SHARE",
        "month": MARCH,
        "breakdown": "",
        "numerator": 8,
        "denominator": 10,
        "rate": 0.8,
        "computed_at": "2026-01-01T00:00:00Z",
        "cases": f"http://testserver{cases_url('CRC11')}",
    }
    levels = {item["organisation"]: item["level"] for item in listed(noms)}
    assert levels == {
        "CRC11": "provider",
        "CRC20": "provider",
        "NPS": "provider",
        "NPS-WAL": "division",
        "NPS-LON": "division",
        "LDU1103": "ldu",
    }


@pytest.fixture
def extra_measures(monkeypatch):
    """A count, a rate per 100 of it and a money measure, registered for the test."""

    def measure(code, kind, **fields):
        found = Measure(code, code.title(), "Volumes", kind, "Counted", "Measured", **fields)
        monkeypatch.setitem(MEASURES, code, found)
        return found

    measure("TEST_CASELOAD", Kind.COUNT, cases=lambda first, after: [])
    measure(
        "TEST_PER_100", Kind.PER_100, cases=lambda first, after: [], denominator_from="TEST_COUNT"
    )
    measure("TEST_MONEY", Kind.MONEY, figures=lambda first, after: [])


def test_rates_by_kind(noms, extra_measures):
    fact_of("CRC11", "TEST_CASELOAD", MARCH, 40)
    fact_of("CRC11", "TEST_PER_100", MARCH, 3, 40)
    fact_of("CRC11", "TEST_MONEY", MARCH, 250_000, 1_000_000)
    fact_of("CRC11", MEASURE, MARCH, 0, 0)
    shown = {item["measure"]: item for item in listed(noms)}
    assert shown["TEST_CASELOAD"]["rate"] is None
    assert shown["TEST_CASELOAD"]["denominator"] is None
    assert shown["TEST_PER_100"]["rate"] == 7.5  # 3 × 100 ÷ 40
    assert shown["TEST_MONEY"]["rate"] == 0.25
    assert shown["TEST_MONEY"]["cases"] is None  # no case rows behind money
    assert shown[MEASURE]["rate"] is None  # nothing measured
    assert shown[MEASURE]["cases"].endswith(cases_url("CRC11"))


def test_filters(noms, facts):
    fact_of("CRC11", MEASURE, "2016-01", 1, 2)
    fact_of("CRC11", MEASURE, "2016-02", 1, 2)
    fact_of("CRC11", "ORDERS_COMPLETED", MARCH, 1, 2)
    fact_of("CRC11", MEASURE, MARCH, 1, 1, breakdown="LICENCE")
    assert codes(noms, "?organisation=crc20") == ["CRC20"]
    assert codes(noms, "?organisation=NOPE") == []
    assert codes(noms, "?measure=ORDERS_COMPLETED") == ["CRC11"]
    assert [i["month"] for i in listed(noms, "?organisation=CRC11&breakdown=")] == [
        "2016-01",
        "2016-02",
        MARCH,
        MARCH,
    ]
    assert len(listed(noms, "?month=2016-02")) == 1
    assert [i["month"] for i in listed(noms, "?from=2016-02&to=2016-02")] == ["2016-02"]
    assert len(listed(noms, "?from=2016-03")) == len(facts) + 2
    assert len(listed(noms, "?to=2016-02")) == 2
    assert codes(noms, "?level=division") == ["NPS-LON", "NPS-WAL"]
    assert codes(noms, "?level=ldu") == ["LDU1103"]
    assert codes(noms, f"?level=provider&month={MARCH}&measure={MEASURE}&breakdown=") == [
        "CRC11",
        "CRC20",
        "NPS",
    ]
    licence = listed(noms, "?breakdown=LICENCE")
    assert [(i["organisation"], i["breakdown"]) for i in licence] == [("CRC11", "LICENCE")]
    assert licence[0]["cases"].endswith(cases_url("CRC11") + "?breakdown=LICENCE")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?measure=NOPE", "measure"),
        ("?month=March", "month"),
        ("?month=2016-13", "month"),
        ("?month=2016-3", "month"),
        ("?from=2016", "from"),
        ("?to=2016-00", "to"),
        ("?from=2016-04&to=2016-03", "to"),
        ("?level=region", "level"),
        ("?organisation=" + "X" * 17, "organisation"),
        ("?breakdown=" + "X" * 41, "breakdown"),
    ],
)
def test_bad_filter_values_are_a_400_naming_the_filter(noms, query, field):
    assert field in attrs(noms.get(FACTS + query))


def test_a_bad_cursor_or_page_size_is_never_a_500(noms, facts):
    assert noms.get(FACTS + "?cursor=nonsense").status_code == 404
    assert noms.get(FACTS + "?page_size=x").status_code == 200
    assert noms.get(FACTS + "?page_size=-1").status_code == 200


def test_the_facts_are_paginated_by_month(noms):
    for month in ("2016-05", "2016-01", "2016-03", "2016-02", "2016-04"):
        fact_of("CRC11", MEASURE, month, 1, 2)
    seen, url = [], FACTS + "?page_size=2"
    while url:
        body = noms.get(url).json()
        assert len(body["results"]) <= 2
        seen += [item["month"] for item in body["results"]]
        url = body["next"]
    assert seen == ["2016-01", "2016-02", "2016-03", "2016-04", "2016-05"]


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(captured)


def test_the_facts_list_takes_the_same_queries_whatever_its_size(
    noms, crc11, django_assert_num_queries
):
    fact_of("CRC11", MEASURE, "2015-02", 1, 2)
    one = {client: queries(client, FACTS + "?page_size=500") for client in (noms, crc11)}
    for month in range(1, 13):
        for code in ("CRC11", "CRC20", "NPS-WAL", "LDU1103"):
            fact_of(code, MEASURE, f"2016-{month:02}", month, 20)
            fact_of(code, "ORDERS_COMPLETED", f"2016-{month:02}", 1, 3, breakdown="LICENCE")
    for client, count in one.items():
        with django_assert_num_queries(count):
            response = client.get(FACTS + "?page_size=500")
        assert len(response.json()["results"]) > 1
    assert len(noms.get(FACTS + "?page_size=500").json()["results"]) == 97


# --- GET /api/v1/performance/facts/<org_code>/<measure>/<month>/cases/ ---------------------


def officer():
    from probation.models import User

    return User.objects.filter(username="perf-officer").first() or staff(
        "CRC_OFFENDER_MANAGER", "CRC11", username="perf-officer"
    )


def terminated(on, reason, provider="CRC11", ldu_crc=None, **fields):
    person = person_of(provider, ldu_crc=ldu_crc, last_name="Secretname")
    sentence = sentence_of(person, "COMMUNITY_ORDER", status="TERMINATED", **fields)
    Termination.objects.create(
        sentence=sentence, terminated_on=on, reason=reason, recorded_by=officer()
    )
    return sentence


@pytest.fixture
def completions():
    """Orders ended in March 2016: two of CRC11's (one completed), one of CRC20's, one of
    the NPS in Wales."""
    march = datetime.date(2016, 3, 1)
    return {
        "completed": terminated(march, "COMPLETED"),
        "revoked": terminated(march + datetime.timedelta(days=9), "BREACH_RESENTENCED"),
        "london": terminated(march, "COMPLETED", provider="CRC20"),
        "wales": terminated(march, "COMPLETED", provider="NPS", ldu_crc="CRC11"),
    }


def case_items(client, url) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert "Secretname" not in response.content.decode()
    return response.json()["results"]


def test_the_cases_behind_a_figure_by_crn_and_reference(noms, crc11, completions):
    url = cases_url("CRC11", "ORDERS_COMPLETED")
    items = case_items(noms, url)
    completed, revoked = completions["completed"], completions["revoked"]
    assert {(i["crn"], i["reference"], i["met"]) for i in items} == {
        (completed.person.crn, f"{completed.person.crn}/{completed.number}", True),
        (revoked.person.crn, f"{revoked.person.crn}/{revoked.number}", False),
    }
    assert all(set(item) == {"crn", "reference", "met", "detail"} for item in items)
    assert all(item["detail"] for item in items)
    assert case_items(crc11, url) == items
    assert case_items(token_client("CRC11"), url) == items
    (london,) = case_items(noms, cases_url("CRC20", "ORDERS_COMPLETED"))
    assert london["crn"] == completions["london"].person.crn


def test_a_breakdown_the_measure_does_not_have_lists_no_cases(noms, completions):
    """A service level has no breakdown: asking for a part of it is an empty list, as for a
    part with no cases, not a server error."""
    url = cases_url("CRC11", "ORDERS_COMPLETED")
    assert len(case_items(noms, url)) == 2
    assert case_items(noms, url + "?breakdown=COMMUNITY_ORDER") == []


def test_an_nps_division_head_lists_their_divisions_cases(wales, completions):
    (item,) = case_items(wales, cases_url("NPS-WAL", "ORDERS_COMPLETED"))
    assert item["crn"] == completions["wales"].person.crn


def test_another_organisations_cases_are_a_404_like_a_missing_ones(crc11, wales, completions):
    for client, theirs in (
        (crc11, ("CRC20", "NPS", "NPS-WAL", "LDU1101")),
        (wales, ("NPS-LON", "NPS", "CRC11", "LDU1101")),
        (client_of("CRC_OFFENDER_MANAGER", "CRC11"), ("CRC11", "CRC20")),
        (token_client("CRC11"), ("CRC20",)),
    ):
        missing = client.get(cases_url("NOPE", "ORDERS_COMPLETED"))
        assert missing.status_code == 404
        for code in theirs:
            response = client.get(cases_url(code, "ORDERS_COMPLETED"))
            assert response.status_code == 404, code
            assert response.json() == missing.json()


@pytest.mark.parametrize(
    ("measure", "month"),
    [
        ("NOPE", MARCH),
        ("ORDERS_COMPLETED", "2016-13"),
        ("ORDERS_COMPLETED", "March"),
        ("ORDERS_COMPLETED", "2016-03-01"),
        ("ORDERS_COMPLETED", "0000-01"),
        ("TEST_MONEY", MARCH),
    ],
)
def test_an_unknown_measure_or_month_or_money_is_a_404(noms, extra_measures, measure, month):
    assert noms.get(cases_url("CRC11", measure, month)).status_code == 404


@pytest.fixture
def listed_measure(monkeypatch):
    """A measure decided in Python: its rows are a list of dicts, with a breakdown."""
    people = [person_of("CRC11") for _ in range(5)] + [person_of("CRC20")]

    def cases(first, after):
        return [
            {
                "case_person": person.pk,
                "case_reference": f"REF{index}",
                "case_met": index % 2 == 0,
                "case_detail": f"Decided {first:%Y-%m}",
                "case_breakdown": "LICENCE" if index < 2 else "COMMUNITY_ORDER",
                "for_provider": person.responsible_provider_id,
                "for_division": person.ldu.division_id,
                "for_ldu": person.ldu_id,
            }
            for index, person in enumerate(people)
        ]

    monkeypatch.setitem(
        MEASURES,
        "TEST_LISTED",
        Measure(
            "TEST_LISTED",
            "Listed",
            "Volumes",
            Kind.SHARE,
            "Met",
            "All",
            cases=cases,
            breakdown="Sentence type",
        ),
    )
    return people


def test_cases_decided_in_python_are_listed_and_paginated(noms, listed_measure):
    url = cases_url("CRC11", "TEST_LISTED")
    everything = case_items(noms, url)
    assert [i["reference"] for i in everything] == [f"REF{i}" for i in range(5)]
    assert [i["crn"] for i in everything] == [p.crn for p in listed_measure[:5]]
    assert everything[0] == {
        "crn": listed_measure[0].crn,
        "reference": "REF0",
        "met": True,
        "detail": "Decided 2016-03",
    }
    pages, next_url = [], url + "?page_size=2"
    while next_url:
        body = noms.get(next_url).json()
        assert body["count"] == 5
        pages.append([i["reference"] for i in body["results"]])
        next_url = body["next"]
    assert pages == [["REF0", "REF1"], ["REF2", "REF3"], ["REF4"]]
    licence = case_items(noms, url + "?breakdown=LICENCE")
    assert [i["reference"] for i in licence] == ["REF0", "REF1"]


@pytest.fixture
def queried_measure(monkeypatch):
    """A measure whose rows are a queryset: every person, met when their CRN ends in an even
    digit."""

    def cases(first, after):
        return Person.objects.annotate(
            case_person=F("pk"),
            case_reference=Concat(F("crn"), Value("/1")),
            case_met=Value(True),
            case_detail=Value("Detail"),
            case_breakdown=Value(""),
            for_provider=F("responsible_provider_id"),
            for_division=F("ldu__division_id"),
            for_ldu=F("ldu_id"),
        ).values(
            "case_person",
            "case_reference",
            "case_met",
            "case_detail",
            "case_breakdown",
            "for_provider",
            "for_division",
            "for_ldu",
        )

    monkeypatch.setitem(
        MEASURES,
        "TEST_QUERIED",
        Measure("TEST_QUERIED", "Queried", "Volumes", Kind.COUNT, "All", "", cases=cases),
    )


def test_case_lists_take_the_same_queries_whatever_their_size(noms, queried_measure):
    url = cases_url("CRC11", "TEST_QUERIED") + "?page_size=500"
    person_of("CRC11")
    count = queries(noms, url)
    people = [person_of("CRC11") for _ in range(15)] + [person_of("CRC20")]
    with CaptureQueriesContext(connection) as captured:
        items = case_items(noms, url)
    assert len(captured) == count
    assert len(items) == 16
    assert {i["crn"] for i in items} >= {
        p.crn for p in people if p.responsible_provider.code == "CRC11"
    }
    assert all(i["reference"] == i["crn"] + "/1" for i in items)
