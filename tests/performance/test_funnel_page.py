"""The funnel page (/performance/compare/; issue 9 part 3, TOM 7.4): NOMS only; a comparable
measure's figures for the month across CRCs, NPS divisions or LDUs (a denominator above 0),
their limits around the pooled rate or a target and their flags at the boundaries (a rate on
a limit is within it), flagged units first, the chart's data and text alternative; bad
choices in the error summary; a constant number of queries; and the same limits and flags
as ``POST /api/v1/calculations/funnel`` for the same figures."""

import dataclasses
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from performance import funnel, measures
from probation.models import Organisation
from tests.performance.factories import fact_of
from tests.probation.factories import staff

pytestmark = pytest.mark.django_db

URL = "/performance/compare/"
MARCH = "2016-03"


@pytest.fixture
def noms(client):
    client.force_login(staff("NOMS_CONTRACT_MANAGER", "NOMS"))
    return client


def plotted(response) -> dict[str, funnel.Point]:
    return {row.organisation.code: row.point for row in response.context["plot"].rows}


def draw(client, measure="FIRST_APPOINTMENT", level="provider", month=MARCH, **more):
    return client.get(URL, {"measure": measure, "level": level, "month": month, **more})


def errors(response) -> str:
    html = response.content.decode()
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', html, re.S)
    assert summary, "no error summary"
    return summary.group(0)


# --- Who sees it ------------------------------------------------------------------------------


def test_noms_sees_the_funnel_page(noms):
    fact_of("CRC11", "FIRST_APPOINTMENT", MARCH, 5, 10)
    assert draw(noms).status_code == 200


@pytest.mark.parametrize(
    "role, organisation",
    [("CRC_MANAGER", "CRC11"), ("NPS_SENIOR_MANAGER", "NPS-WAL")],
    ids=["crc-manager", "division-head"],
)
def test_others_get_404_even_with_a_valid_query(client, role, organisation):
    fact_of("CRC11", "FIRST_APPOINTMENT", MARCH, 5, 10)
    client.force_login(staff(role, organisation))
    assert draw(client).status_code == 404


# --- The units and their flags ----------------------------------------------------------------


# Around a target of 50 % with n = 100 the limits are 50 ± 9.79982 (95 %) and ± 15.45116
# (99.8 %) per cent: 40.2/59.8 and 34.5/65.5.
TARGET_BOUNDARIES = [
    (66, "HIGH_ALERT"),
    (65, "HIGH_WARNING"),
    (60, "HIGH_WARNING"),
    (59, "WITHIN"),
    (50, "WITHIN"),
    (41, "WITHIN"),
    (40, "LOW_WARNING"),
    (35, "LOW_WARNING"),
    (34, "LOW_ALERT"),
]


def test_flags_at_the_limits_around_a_target(noms):
    for number, (numerator, _) in enumerate(TARGET_BOUNDARIES, start=11):
        fact_of(f"CRC{number}", "FIRST_APPOINTMENT", MARCH, numerator, 100)
    response = draw(noms, target="50")
    points = plotted(response)
    for number, (numerator, flag) in enumerate(TARGET_BOUNDARIES, start=11):
        point = points[f"CRC{number}"]
        assert (numerator, point.flag) == (numerator, flag)
        assert point.lower_95 == pytest.approx(0.5 - 1.959964 * 0.05)
        assert point.upper_998 == pytest.approx(0.5 + 3.090232 * 0.05)
    assert response.context["plot"].result.pooled_rate == 0.5
    assert "around the target of <strong>50%</strong>" in response.content.decode()


@pytest.mark.parametrize(
    "target, numerator, flag",
    [("100", 10, "WITHIN"), ("100", 9, "LOW_ALERT"), ("0", 0, "WITHIN"), ("0", 1, "HIGH_ALERT")],
    ids=["on-the-limit-of-100", "below-100", "on-the-limit-of-0", "above-0"],
)
def test_a_rate_exactly_on_a_limit_is_within(noms, target, numerator, flag):
    """A target of 0 or 100 % puts every limit on it: a rate there is on the limit."""
    fact_of("CRC11", "FIRST_APPOINTMENT", MARCH, numerator, 10)
    assert plotted(draw(noms, target=target))["CRC11"].flag == flag


def test_units_are_the_months_figures_at_the_level_with_cases(noms):
    fact_of("CRC11", "FIRST_APPOINTMENT", MARCH, 95, 100)
    for number in range(12, 17):
        fact_of(f"CRC{number}", "FIRST_APPOINTMENT", MARCH, 50, 100)
    fact_of("CRC17", "FIRST_APPOINTMENT", MARCH, 0, 0)  # nothing measured: not a unit
    fact_of("CRC18", "FIRST_APPOINTMENT", "2016-02", 5, 10)  # another month
    fact_of("CRC18", "ORDERS_COMPLETED", MARCH, 5, 10)  # another measure
    fact_of("NPS", "FIRST_APPOINTMENT", MARCH, 5, 10)  # the NPS is no CRC
    fact_of("NPS-WAL", "FIRST_APPOINTMENT", MARCH, 5, 10)  # a division
    fact_of("CRC19", "FIRST_APPOINTMENT", MARCH, 5, 10, breakdown="COMMUNITY_ORDER")
    response = draw(noms)
    plot = response.context["plot"]
    assert set(plotted(response)) == {f"CRC{n}" for n in range(11, 17)}
    assert plot.result.pooled_rate == pytest.approx(345 / 600)
    assert plotted(response)["CRC11"].flag == "HIGH_ALERT"
    assert "pooled rate of <strong>57.5%</strong> (345 of 600 across 6 CRCs)" in (
        response.content.decode()
    )


def test_divisions_and_ldus(noms):
    divisions = list(Organisation.objects.divisions().values_list("code", flat=True))
    for code in divisions:
        fact_of(code, "FIRST_APPOINTMENT", MARCH, 7, 10)
    fact_of("LDU1101", "FIRST_APPOINTMENT", MARCH, 3, 10)
    fact_of("CRC11", "FIRST_APPOINTMENT", MARCH, 3, 10)
    assert set(plotted(draw(noms, level="division"))) == set(divisions)
    assert set(plotted(draw(noms, level="ldu"))) == {"LDU1101"}


def test_flagged_units_first_with_red_and_orange_tags(noms):
    for number, (numerator, _) in enumerate(TARGET_BOUNDARIES, start=11):
        fact_of(f"CRC{number}", "FIRST_APPOINTMENT", MARCH, numerator, 100)
    response = draw(noms, target="50")
    flags = [row.point.flag for row in response.context["plot"].rows]
    assert flags == [
        "HIGH_ALERT",
        "LOW_ALERT",
        "HIGH_WARNING",
        "HIGH_WARNING",
        "LOW_WARNING",
        "LOW_WARNING",
        "WITHIN",
        "WITHIN",
        "WITHIN",
    ]
    html = response.content.decode()
    table = re.findall(
        r'data-testid="funnel-row" data-organisation="(\w+)" data-flag="(\w+)"', html
    )
    assert [flag for _, flag in table] == flags
    alert = re.search(r'data-organisation="CRC11".*?</tr>', html, re.S).group(0)
    assert "govuk-tag--red" in alert and "High: above the 99.8% limit" in alert
    warning = re.search(r'data-organisation="CRC13".*?</tr>', html, re.S).group(0)
    assert "govuk-tag--orange" in warning
    assert "60.0%" in warning and "59.8%" in warning  # the rate and the upper 95 % limit


def test_each_unit_links_to_its_page_and_its_cases(noms):
    fact_of("CRC11", "FIRST_APPOINTMENT", MARCH, 5, 10)
    html = draw(noms).content.decode()
    assert f'href="{reverse("performance:organisation", args=["CRC11"])}"' in html
    cases = reverse("performance:cases", args=["CRC11", "FIRST_APPOINTMENT", MARCH])
    assert f'href="{cases}"' in html


def test_the_chart_data_and_its_text_alternative(noms):
    fact_of("CRC11", "FIRST_APPOINTMENT", MARCH, 95, 100)
    for number in range(12, 17):
        fact_of(f"CRC{number}", "FIRST_APPOINTMENT", MARCH, 50, 100)
    html = draw(noms).content.decode()
    chart = r'<figure class="app-chart[^"]*" id="[\w-]+" data-chart-data="([\w-]+)".*?</figure>'
    figure = re.search(chart, html, re.S)
    assert figure and '<canvas role="img" aria-label="' in figure.group(0)
    assert "above the 99.8% limit: " in figure.group(0)
    data = json.loads(
        re.search(
            rf'<script id="{figure.group(1)}" type="application/json">(.*?)</script>', html
        ).group(1)
    )
    assert data["type"] == "funnel" and data["percent"] is True
    assert data["pooled"] == pytest.approx(57.5)
    points = {p["code"]: p for p in data["points"]}
    assert points["CRC11"]["x"] == 100 and points["CRC11"]["y"] == pytest.approx(95)
    assert points["CRC11"]["flag"] == "HIGH_ALERT"
    assert points["CRC11"]["label"] == Organisation.objects.get(code="CRC11").name
    curves = data["curves"]
    assert curves["n"][0] == 1 and curves["n"][-1] == 100
    assert {len(curves[k]) for k in curves} == {len(curves["n"])}


def test_rates_above_one_are_left_out_and_said_so(noms):
    """A figure per 100 cases may count more than its cases: no funnel can take it."""
    fact_of("CRC11", "FIRST_APPOINTMENT", MARCH, 12, 10)
    fact_of("CRC12", "FIRST_APPOINTMENT", MARCH, 5, 10)
    response = draw(noms)
    assert set(plotted(response)) == {"CRC12"}
    assert 'data-testid="left-out"' in response.content.decode()


def test_a_rate_per_100_cases_reads_so(noms):
    fact_of("CRC11", "BREACH_REFERRALS", MARCH, 12, 400)
    fact_of("CRC12", "BREACH_REFERRALS", MARCH, 6, 400)
    html = draw(noms, measure="BREACH_REFERRALS").content.decode()
    assert "pooled rate of <strong>2.25 per 100</strong>" in html
    assert "3.0 per 100" in html and "1.5 per 100" in html


def test_an_empty_month_is_the_latest(noms):
    fact_of("CRC11", "FIRST_APPOINTMENT", "2016-02", 5, 10)
    fact_of("CRC11", "FIRST_APPOINTMENT", MARCH, 7, 10)
    response = draw(noms, month="")
    assert f"{response.context['plot'].month:%Y-%m}" == MARCH
    assert 'value="2016-03"' in response.content.decode()


def test_the_first_visit_draws_the_first_measure_across_crcs_for_the_latest_month(noms):
    first = measures.comparable()[0].code
    fact_of("CRC11", first, "2016-02", 5, 10)
    fact_of("CRC11", first, MARCH, 7, 10)
    response = noms.get(URL)
    plot = response.context["plot"]
    assert (plot.measure.code, plot.level, f"{plot.month:%Y-%m}") == (first, "provider", MARCH)
    assert plotted(response)["CRC11"].numerator == 7


# --- Bad choices ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, message",
    [
        ({"measure": "NOTHING"}, "Select a valid choice"),
        ({"measure": ""}, "Select the measure"),
        ({"level": "region"}, "Select a valid choice"),
        ({"month": "2016-13"}, "Enter the month as a year and month, for example 2016-03"),
        ({"target": "101"}, "The target rate must be between 0 and 100"),
        ({"target": "-1"}, "The target rate must be between 0 and 100"),
        ({"target": "lots"}, "Enter the target rate as a number, for example 75"),
        ({"target": "12.345"}, "Enter the target rate with at most 2 decimal places"),
    ],
    ids=[
        "unknown-measure",
        "no-measure",
        "unknown-level",
        "bad-month",
        "target-above-100",
        "negative-target",
        "target-not-a-number",
        "target-too-precise",
    ],
)
def test_bad_choices_are_in_the_error_summary(noms, query, message):
    fact_of("CRC11", "FIRST_APPOINTMENT", MARCH, 5, 10)
    response = draw(noms, **query)
    assert response.status_code == 200
    assert message in errors(response)
    assert response.context["plot"] is None


def test_a_measure_not_measured_at_the_level(noms, monkeypatch):
    registry = dict(measures.MEASURES)
    registry["FIRST_APPOINTMENT"] = dataclasses.replace(
        registry["FIRST_APPOINTMENT"], levels=("provider", "division")
    )
    monkeypatch.setattr(measures, "MEASURES", registry)
    response = draw(noms, level="ldu")
    assert "is not measured for LDUs" in errors(response)


def test_only_comparable_measures_are_offered(noms, monkeypatch):
    registry = dict(measures.MEASURES)
    registry["SCREENING"] = dataclasses.replace(registry["SCREENING"], comparable=False)
    monkeypatch.setattr(measures, "MEASURES", registry)
    assert "Select a valid choice" in errors(draw(noms, measure="SCREENING"))


# --- Queries ----------------------------------------------------------------------------------


def queries(client, **query) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert draw(client, **query).status_code == 200
    return len(captured)


def test_a_constant_number_of_queries_whatever_the_units(noms):
    fact_of("LDU1101", "FIRST_APPOINTMENT", MARCH, 5, 10)
    few = queries(noms, level="ldu")
    for number, ldu in enumerate(Organisation.objects.ldus().exclude(code="LDU1101")):
        fact_of(ldu.code, "FIRST_APPOINTMENT", MARCH, number % 10, 10)
    assert Organisation.objects.ldus().count() > 100
    assert queries(noms, level="ldu") == few


# --- The page and the endpoint agree ----------------------------------------------------------


@pytest.mark.parametrize("target", [None, "62.5"], ids=["pooled", "target"])
def test_the_funnel_endpoint_and_the_dashboard_give_the_same_limits_and_flags(noms, target):
    figures = [(95, 100), (50, 100), (48, 100), (30, 60), (9, 10), (0, 25), (120, 180)]
    for number, (numerator, denominator) in enumerate(figures, start=11):
        fact_of(f"CRC{number}", "FIRST_APPOINTMENT", MARCH, numerator, denominator)
    page = draw(noms, **({"target": target} if target else {}))
    shown = plotted(page)
    api = APIClient()
    api.force_login(staff("NOMS_CONTRACT_MANAGER", "NOMS"))
    body = {
        "units": [
            {"code": f"CRC{number}", "numerator": numerator, "denominator": denominator}
            for number, (numerator, denominator) in enumerate(figures, start=11)
        ]
    }
    if target:
        body["target_rate"] = float(target) / 100
    response = api.post("/api/v1/calculations/funnel", body, format="json")
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["pooled_rate"] == page.context["plot"].result.pooled_rate
    assert {u["code"] for u in answer["units"]} == set(shown)
    for unit in answer["units"]:
        point = shown[unit["code"]]
        for name in ("rate", "lower_95", "upper_95", "lower_998", "upper_998"):
            assert unit[name] == getattr(point, name), (unit["code"], name)
        assert unit["flag"] == point.flag
    # ... and the rendered table says the same flags.
    html = page.content.decode()
    rendered = dict(re.findall(r'data-organisation="(\w+)" data-flag="(\w+)"', html))
    assert rendered == {u["code"]: u["flag"] for u in answer["units"]}
    assert {u["flag"] for u in answer["units"]} - {"WITHIN"}, "some unit should be flagged"
