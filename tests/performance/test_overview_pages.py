"""The national overview (/performance/; issue 9 part 2): NOMS only; every CRC, the NPS and
each NPS division with each service level against the contract's target (exactly at the
target is met; the NPS has none), volumes and payments; the month chosen (the latest by
default, a bad month in the error summary); sorted on the server; the units flagged on a
funnel plot for FUNNEL_PERSISTENT_MONTHS months running highlighted (two months, or a gap,
are not); a constant number of queries whatever the number of organisations and figures."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contracts import periods
from performance import measures
from performance import selectors_national as selectors
from performance.base import Kind, Measure
from probation.models import Organisation
from tests.contracts.factories import contract_of, service_level_of
from tests.performance.factories import fact_of
from tests.probation.factories import org, staff

pytestmark = pytest.mark.django_db

URL = "/performance/"
MARCH = "2016-03"


@pytest.fixture
def noms(client):
    client.force_login(staff("NOMS_CONTRACT_MANAGER", "NOMS"))
    return client


def rows(response) -> list[str]:
    """The organisation codes of the table's rows, in order."""
    return [row.organisation.code for row in response.context["rows"]]


def cell(response, organisation: str, measure: str) -> selectors.Cell:
    row = next(r for r in response.context["rows"] if r.organisation.code == organisation)
    return next(c for c in row.cells if c.measure.code == measure)


def spread(month: str, measure: str, high: str | None = None, *, crcs=range(11, 17)):
    """A month's figures of CRCs 11-16: each 50 of 100, but ``high`` 95 of 100 (far above
    the 99.8 % limit around the pooled rate)."""
    for number in crcs:
        code = f"CRC{number}"
        fact_of(code, measure, month, 95 if code == high else 50, 100)


# --- Who sees it -------------------------------------------------------------------------------


def test_noms_sees_the_national_overview(noms):
    fact_of("CRC11", "FIRST_APPOINTMENT", MARCH, 9, 10)
    response = noms.get(URL)
    assert response.status_code == 200
    assert response.context["month"] == datetime.date(2016, 3, 1)


@pytest.mark.parametrize(
    "role, organisation",
    [
        ("CRC_MANAGER", "CRC11"),
        ("NPS_SENIOR_MANAGER", "NPS-WAL"),
        ("CRC_OFFENDER_MANAGER", "CRC11"),
        ("NPS_COURT_OFFICER", "NPS-WAL"),
    ],
    ids=["crc-manager", "division-head", "offender-manager", "court-officer"],
)
@pytest.mark.parametrize("url", [URL, "/performance/compare/"], ids=["overview", "funnel"])
def test_anyone_but_noms_gets_404(client, role, organisation, url):
    fact_of("CRC11", "FIRST_APPOINTMENT", MARCH, 9, 10)
    client.force_login(staff(role, organisation))
    assert client.get(url).status_code == 404


def test_signed_out_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "sign-in" in response.url or "login" in response.url


# --- The table -----------------------------------------------------------------------------------


def test_every_crc_the_nps_and_each_division_is_a_row(noms):
    fact_of("CRC11", "FIRST_APPOINTMENT", MARCH, 9, 10)
    codes = rows(noms.get(URL))
    crcs = list(Organisation.objects.crcs().values_list("code", flat=True))
    divisions = list(Organisation.objects.divisions().values_list("code", flat=True))
    assert len(crcs) == 21
    assert codes == crcs + ["NPS"] + divisions


def test_each_service_level_against_the_contracts_target(noms):
    contract = contract_of("CRC11")  # contract year 1: February 2015 to January 2016
    service_level_of(contract, "FIRST_APPOINTMENT", target="0.90")
    service_level_of(contract, "ORDERS_COMPLETED", target="0.75")
    later = contract_of("CRC11", year=2)  # February 2016 to January 2017: covers March 2016
    service_level_of(later, "FIRST_APPOINTMENT", target="0.80")
    service_level_of(later, "ORDERS_COMPLETED", target="0.70")
    fact_of("CRC11", "FIRST_APPOINTMENT", MARCH, 8, 10)  # exactly at the target: met
    fact_of("CRC11", "ORDERS_COMPLETED", MARCH, 69, 100)  # just below: not met
    fact_of("CRC12", "FIRST_APPOINTMENT", MARCH, 1, 10)  # no contract: no target
    fact_of("NPS", "FIRST_APPOINTMENT", MARCH, 5, 10)  # the NPS has no target
    fact_of("CRC11", "SCREENING", MARCH, 0, 0)  # nothing to measure
    response = noms.get(URL, {"month": MARCH})
    first = cell(response, "CRC11", "FIRST_APPOINTMENT")
    assert (first.percent, first.target, first.met) == (80.0, first.target, True)
    assert float(first.target) == 0.8
    completed = cell(response, "CRC11", "ORDERS_COMPLETED")
    assert (completed.met, float(completed.target)) == (False, 0.7)
    assert cell(response, "CRC12", "FIRST_APPOINTMENT").met is None
    assert cell(response, "NPS", "FIRST_APPOINTMENT").target is None
    assert cell(response, "CRC11", "SCREENING").rate is None
    assert cell(response, "CRC13", "FIRST_APPOINTMENT").present is False
    html = response.content.decode()
    row = re.search(r'data-organisation="CRC11".*?</tr>', html, re.S).group(0)
    assert "80.0%" in row and "8 of 10" in row and "Target 80%" in row
    assert row.count('data-testid="met"') == 1 and row.count('data-testid="not-met"') == 1
    assert "No cases" in row
    nps = re.search(r'data-organisation="NPS".*?</tr>', html, re.S).group(0)
    assert "50.0%" in nps and "Target" not in nps and "Met" not in nps


def test_links_to_the_organisation_and_the_cases_behind_each_figure(noms):
    fact_of("CRC11", "FIRST_APPOINTMENT", MARCH, 8, 10)
    html = noms.get(URL, {"month": MARCH}).content.decode()
    assert f'href="{reverse("performance:organisation", args=["CRC11"])}"' in html
    cases = reverse("performance:cases", args=["CRC11", "FIRST_APPOINTMENT", MARCH])
    assert f'href="{cases}"' in html


def test_volumes_and_payments_when_the_registry_has_them(noms, monkeypatch):
    """Volumes are the registry's COUNT measures, payments its PAYMENTS_TO_DATE."""
    registry = dict(measures.MEASURES)
    for measure in (
        Measure("STARTS", "Starts", "Volumes", Kind.COUNT, "Sentences started", ""),
        Measure("CASELOAD", "Caseload", "Volumes", Kind.COUNT, "People supervised", ""),
        Measure(
            "PAYMENTS_TO_DATE",
            "Payments to date",
            "Contract and payment",
            Kind.MONEY,
            "Paid in the contract year",
            "The MAP",
        ),
    ):
        registry[measure.code] = measure
    monkeypatch.setattr(measures, "MEASURES", registry)
    fact_of("CRC11", "STARTS", MARCH, 1234)
    fact_of("CRC11", "CASELOAD", MARCH, 5678)
    fact_of("CRC11", "PAYMENTS_TO_DATE", MARCH, 123_456_789, 1_200_000_000)
    response = noms.get(URL, {"month": MARCH})
    groups = [g["label"] for g in response.context["groups"]]
    assert groups == ["Service levels", "Volumes", "Payments"]
    row = re.search(r'data-organisation="CRC11".*?</tr>', response.content.decode(), re.S).group(0)
    assert "1,234" in row and "5,678" in row
    assert "£1,234,568" in row and "of £12,000,000 MAP (10.3%)" in row


# --- The month ---------------------------------------------------------------------------------


def test_the_latest_month_by_default_and_the_month_chosen(noms):
    fact_of("CRC11", "FIRST_APPOINTMENT", "2016-02", 1, 10)
    fact_of("CRC11", "FIRST_APPOINTMENT", MARCH, 9, 10)
    assert cell(noms.get(URL), "CRC11", "FIRST_APPOINTMENT").numerator == 9
    chosen = noms.get(URL, {"month": "2016-02"})
    assert cell(chosen, "CRC11", "FIRST_APPOINTMENT").numerator == 1
    assert "February 2016" in chosen.content.decode()
    assert 'value="2016-03"' in noms.get(URL).content.decode()  # the month shown as chosen


def test_no_figures_yet(noms):
    response = noms.get(URL)
    assert response.status_code == 200
    assert 'data-testid="no-figures"' in response.content.decode()


@pytest.mark.parametrize(
    "month", ["2016-13", "March 2016", "2016-3", "16-03", "2016-03-01"], ids=str
)
def test_a_bad_month_is_shown_in_the_error_summary(noms, month):
    fact_of("CRC11", "FIRST_APPOINTMENT", MARCH, 9, 10)
    response = noms.get(URL, {"month": month})
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "Enter the month as a year and month, for example 2016-03" in html
    assert response.context["rows"] == []


# --- Sorting -----------------------------------------------------------------------------------


def test_sorted_by_a_figure_either_way_with_no_figure_last(noms):
    fact_of("CRC11", "FIRST_APPOINTMENT", MARCH, 5, 10)
    fact_of("CRC12", "FIRST_APPOINTMENT", MARCH, 9, 10)
    fact_of("CRC13", "FIRST_APPOINTMENT", MARCH, 1, 10)
    fact_of("CRC14", "FIRST_APPOINTMENT", MARCH, 0, 0)  # no rate: with those without a figure
    up = rows(noms.get(URL, {"month": MARCH, "sort": "FIRST_APPOINTMENT", "order": "asc"}))
    assert up[:3] == ["CRC13", "CRC11", "CRC12"] and "CRC14" in up[3:]
    down = rows(noms.get(URL, {"month": MARCH, "sort": "FIRST_APPOINTMENT", "order": "desc"}))
    assert down[:3] == ["CRC12", "CRC11", "CRC13"] and "CRC14" in down[3:]
    assert len(up) == len(down) == 21 + 1 + Organisation.objects.divisions().count()


def test_sorted_by_name(noms):
    fact_of("CRC11", "FIRST_APPOINTMENT", MARCH, 5, 10)
    names = [r.organisation.name for r in noms.get(URL, {"sort": "organisation"}).context["rows"]]
    assert names == sorted(names, key=str.lower)
    back = [
        r.organisation.name
        for r in noms.get(URL, {"sort": "organisation", "order": "desc"}).context["rows"]
    ]
    assert back == names[::-1]


def test_the_headers_link_to_the_other_order_with_aria_sort(noms):
    fact_of("CRC11", "FIRST_APPOINTMENT", MARCH, 5, 10)
    html = noms.get(URL, {"month": MARCH, "sort": "FIRST_APPOINTMENT"}).content.decode()
    header = re.search(r'<th[^>]*data-column="FIRST_APPOINTMENT".*?</th>', html, re.S).group(0)
    assert 'aria-sort="ascending"' in header
    assert "sort=FIRST_APPOINTMENT" in header and "order=desc" in header
    assert "month=2016-03" in header
    name = re.search(r'<th[^>]*data-column="organisation".*?</th>', html, re.S).group(0)
    assert 'aria-sort="none"' in name and "order=asc" in name


@pytest.mark.parametrize(
    "query",
    [{"sort": "NOTHING"}, {"sort": "FIRST_APPOINTMENT", "order": "sideways"}, {"order": "desc"}],
    ids=["unknown-column", "unknown-order", "order-alone"],
)
def test_an_unknown_sort_keeps_a_table(noms, query):
    fact_of("CRC11", "FIRST_APPOINTMENT", MARCH, 5, 10)
    response = noms.get(URL, query)
    assert response.status_code == 200
    assert len(response.context["rows"]) > 21


# --- Flagged for months running ----------------------------------------------------------------


def persistent(response) -> set[tuple[str, str]]:
    return {(p.organisation.code, p.measure.code) for p in response.context["persistent"]}


def test_a_crc_flagged_three_months_running_is_highlighted(noms):
    for month in ("2016-01", "2016-02", MARCH):
        spread(month, "FIRST_APPOINTMENT", high="CRC11")
    response = noms.get(URL, {"month": MARCH})
    assert persistent(response) == {("CRC11", "FIRST_APPOINTMENT")}
    html = response.content.decode()
    assert 'data-testid="persistent-row" data-organisation="CRC11"' in html
    row = re.search(r'data-testid="overview-row" data-organisation="CRC11".*?</tr>', html, re.S)
    assert "Flagged 3 months" in row.group(0)
    funnel = "/performance/compare/?measure=FIRST_APPOINTMENT&amp;level=provider&amp;month=2016-03"
    assert funnel in html
    # Other rows are not highlighted.
    other = re.search(r'data-testid="overview-row" data-organisation="CRC12".*?</tr>', html, re.S)
    assert "Flagged" not in other.group(0)


def test_low_flags_count_as_well(noms):
    for month in ("2016-01", "2016-02", MARCH):
        for number in range(11, 17):
            code = f"CRC{number}"
            fact_of(code, "ORDERS_COMPLETED", month, 5 if code == "CRC14" else 60, 100)
    response = noms.get(URL, {"month": MARCH})
    assert persistent(response) == {("CRC14", "ORDERS_COMPLETED")}
    assert response.context["persistent"][0].flag == "LOW_ALERT"


@pytest.mark.parametrize(
    "flagged_months",
    [("2016-02", MARCH), ("2016-01", MARCH), ("2016-01", "2016-02")],
    ids=["two-months", "gap-in-february", "not-the-month-chosen"],
)
def test_fewer_months_or_a_gap_is_not_highlighted(noms, flagged_months):
    for month in ("2016-01", "2016-02", MARCH):
        spread(month, "FIRST_APPOINTMENT", high="CRC11" if month in flagged_months else None)
    assert persistent(noms.get(URL, {"month": MARCH})) == set()


def test_a_month_without_the_figure_breaks_the_run(noms):
    spread("2016-01", "FIRST_APPOINTMENT", high="CRC11")
    spread("2016-02", "FIRST_APPOINTMENT", high="CRC11", crcs=range(12, 17))  # no CRC11
    spread(MARCH, "FIRST_APPOINTMENT", high="CRC11")
    assert persistent(noms.get(URL, {"month": MARCH})) == set()


def test_the_run_counts_back_from_the_month_chosen(noms):
    for month in ("2015-12", "2016-01", "2016-02"):
        spread(month, "FIRST_APPOINTMENT", high="CRC11")
    spread(MARCH, "FIRST_APPOINTMENT")
    assert persistent(noms.get(URL, {"month": "2016-02"})) == {("CRC11", "FIRST_APPOINTMENT")}
    assert persistent(noms.get(URL, {"month": MARCH})) == set()


def test_flagged_on_different_measures_is_no_run(noms):
    spread("2016-01", "FIRST_APPOINTMENT", high="CRC11")
    spread("2016-02", "ORDERS_COMPLETED", high="CRC11")
    spread(MARCH, "FIRST_APPOINTMENT", high="CRC11")
    assert persistent(noms.get(URL, {"month": MARCH})) == set()


def test_divisions_are_compared_with_divisions(noms):
    divisions = list(Organisation.objects.divisions().values_list("code", flat=True))
    for month in ("2016-01", "2016-02", MARCH):
        for code in divisions:
            fact_of(code, "FIRST_APPOINTMENT", month, 99 if code == divisions[0] else 50, 100)
        # The CRCs' much higher figures do not move the divisions' pooled rate.
        for number in range(11, 17):
            fact_of(f"CRC{number}", "FIRST_APPOINTMENT", month, 99, 100)
    found = noms.get(URL, {"month": MARCH}).context["persistent"]
    assert [(p.organisation.code, p.level) for p in found] == [(divisions[0], "division")]


def test_persistent_months_is_the_setting(noms, settings):
    settings.FUNNEL_PERSISTENT_MONTHS = 2
    for month in ("2016-02", MARCH):
        spread(month, "FIRST_APPOINTMENT", high="CRC11")
    response = noms.get(URL, {"month": MARCH})
    assert persistent(response) == {("CRC11", "FIRST_APPOINTMENT")}
    assert "Flagged 2 months" in response.content.decode()


# --- Queries -----------------------------------------------------------------------------------


def queries(client, query) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL, query).status_code == 200
    return len(captured)


def test_a_constant_number_of_queries_whatever_the_size(noms):
    contract = contract_of("CRC11", year=2)
    service_level_of(contract, "FIRST_APPOINTMENT")
    spread(MARCH, "FIRST_APPOINTMENT", high="CRC11", crcs=range(11, 14))
    small = queries(noms, {"month": MARCH})

    codes = [m.code for m in measures.comparable()]
    everyone = list(Organisation.objects.crcs()) + list(Organisation.objects.divisions())
    everyone.append(org("NPS"))
    for crc in Organisation.objects.crcs().exclude(code="CRC11"):
        service_level_of(contract_of(crc.code, year=2), "FIRST_APPOINTMENT")
    for back in range(3):
        month = periods.add_months(datetime.date(2016, 3, 1), -back)
        for organisation in everyone:
            for number, code in enumerate(codes):
                already = organisation.code in ("CRC11", "CRC12", "CRC13")
                if already and (code, back) == ("FIRST_APPOINTMENT", 0):
                    continue
                high = organisation.code in ("CRC12", everyone[-2].code)
                fact_of(organisation.code, code, month, 90 if high else 40 + number, 100)
    large = queries(noms, {"month": MARCH, "sort": "FIRST_APPOINTMENT", "order": "desc"})
    assert len(noms.get(URL, {"month": MARCH}).context["persistent"]) >= 2
    assert large == small
