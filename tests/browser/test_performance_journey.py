"""Contract management in the browser (issue 9): a NOMS contract manager opens the national
overview, sees a CRC flagged on a funnel plot for three months running, opens the funnel plot
of that measure, sees the CRC flagged there, and drills down to the cases behind its figure
(Chromium, axe-core on every page, the charts drawn before the check). Screenshots of the
overview and the funnel plot are saved as the tests' artefacts, in ``test-results/`` (or
``BROWSER_ARTEFACTS``).

The flagged CRC's figure for the month is made from real cases – first appointments late or
never held, as the service level measures them – and stored as the facts job would store
it; the other CRCs' figures, and the two months before, are hand-made facts."""

import datetime
import os
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contracts import service_levels
from tests.contracts.factories import contract_of, service_level_of
from tests.performance.factories import fact_of
from tests.probation.factories import contact_of, org, person_of, sentence_of, staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

D = datetime.date
MONTH = "2016-03"
ARTEFACTS = Path(
    os.environ.get("BROWSER_ARTEFACTS", Path(__file__).resolve().parents[2] / "test-results")
)


def screenshot(page, name: str) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)


def first_appointments_of_crc11() -> tuple[int, int]:
    """Eight community orders of CRC11 starting in March 2016 (due within five business
    days): two seen on time, four seen late, two never seen. Returns the measure's
    (numerator, denominator) as the payment run counts it."""
    officer = staff("CRC_OFFENDER_MANAGER", "CRC11", username="journey-officer")

    def order(start: datetime.date, seen: datetime.date | None):
        person = person_of("CRC11")
        sentence_of(
            person,
            "COMMUNITY_ORDER",
            sentence_date=start,
            offence_date=start - datetime.timedelta(days=30),
        )
        if seen is not None:
            at = timezone.make_aware(datetime.datetime.combine(seen, datetime.time(10)))
            contact_of(person, officer, starts_at=at, outcome="ATTENDED_COMPLIED")

    order(D(2016, 3, 1), D(2016, 3, 8))  # due Tuesday 8 March: on time
    order(D(2016, 3, 2), D(2016, 3, 3))  # on time
    order(D(2016, 3, 1), D(2016, 3, 15))  # late
    order(D(2016, 3, 3), D(2016, 3, 21))  # late
    order(D(2016, 3, 7), D(2016, 3, 29))  # late (Easter in between)
    order(D(2016, 3, 9), D(2016, 4, 5))  # late
    order(D(2016, 3, 10), None)  # never seen
    order(D(2016, 3, 14), None)  # never seen
    rows = service_levels.MEASURES["FIRST_APPOINTMENT"].cases(D(2016, 3, 1), org("CRC11"))
    rows = list(rows.values("case_met")) if hasattr(rows, "values") else rows
    return sum(1 for row in rows if row["case_met"]), len(rows)


def figures() -> tuple[int, int]:
    """CRC11 far below the others on first appointments in January, February and March
    (March's figure from its cases); a contract target of 90 %."""
    numerator, denominator = first_appointments_of_crc11()
    assert (numerator, denominator) == (2, 8)
    service_level_of(contract_of("CRC11", year=2), "FIRST_APPOINTMENT", target="0.90")
    for month in ("2016-01", "2016-02", MONTH):
        for number in range(12, 20):
            fact_of(f"CRC{number}", "FIRST_APPOINTMENT", month, 88 + number % 5, 100)
        if month == MONTH:
            fact_of("CRC11", "FIRST_APPOINTMENT", month, numerator, denominator)
        else:
            fact_of("CRC11", "FIRST_APPOINTMENT", month, 3, 10)
    return numerator, denominator


def test_a_crc_flagged_on_the_funnel_plot_down_to_its_cases(page, sign_in, assert_accessible):
    numerator, denominator = figures()
    crc11 = org("CRC11")

    sign_in(page, staff("NOMS_CONTRACT_MANAGER", "NOMS"))
    page.goto("/performance/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("March 2016")
    assert_accessible(page)

    # The CRC is highlighted: in the list above the table and on its row.
    flagged = page.get_by_test_id("persistent").locator('[data-organisation="CRC11"]')
    expect(flagged).to_contain_text(crc11.name)
    expect(flagged).to_contain_text("below the 99.8% limit")
    row = page.locator('[data-testid="overview-row"][data-organisation="CRC11"]')
    expect(row.get_by_test_id("flagged-tag")).to_contain_text("Flagged 3 months")
    expect(row.locator('td[data-measure="FIRST_APPOINTMENT"]')).to_contain_text("25.0%")
    expect(row.locator('td[data-measure="FIRST_APPOINTMENT"]')).to_contain_text("Not met")
    screenshot(page, "performance-overview")

    # Sorting by the measure, lowest first, puts the CRC first (no JavaScript needed).
    header = page.locator('th[data-column="FIRST_APPOINTMENT"]')
    header.get_by_role("link").click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    first = page.get_by_test_id("overview-row").first
    expect(first).to_have_attribute("data-organisation", "CRC11")
    assert_accessible(page)

    # The funnel plot of that measure: the CRC below the 99.8 % limit.
    flagged = page.get_by_test_id("persistent").locator('[data-organisation="CRC11"]')
    flagged.get_by_role("link", name=re.compile("Funnel plot")).click()
    expect(page.get_by_test_id("plot-title")).to_contain_text("CRCs, March 2016")
    expect(page.locator("figure.app-chart")).to_have_class(re.compile("app-chart--drawn"))
    unit = page.locator('[data-testid="funnel-row"][data-organisation="CRC11"]')
    expect(unit).to_have_attribute("data-flag", "LOW_ALERT")
    expect(unit.get_by_test_id("flag")).to_have_text("Low: below the 99.8% limit")
    expect(page.get_by_test_id("funnel-row").first).to_have_attribute("data-organisation", "CRC11")
    expect(page.get_by_test_id("chart-canvas")).to_have_attribute(
        "aria-label", re.compile(f"below the 99.8% limit: {re.escape(crc11.name)}")
    )
    assert_accessible(page)
    screenshot(page, "performance-funnel-plot")

    # A target must be a percentage; 20 % instead of the pooled rate puts the CRC within
    # the limits.
    target = page.get_by_label("Target rate, in per cent (optional)")
    target.fill("150")
    page.get_by_role("button", name="Draw the funnel plot").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "The target rate must be between 0 and 100"
    )
    assert_accessible(page)
    target.fill("20")
    page.get_by_role("button", name="Draw the funnel plot").click()
    expect(page.get_by_test_id("centre")).to_contain_text("target of 20%")
    expect(unit).to_have_attribute("data-flag", "WITHIN")
    assert_accessible(page)
    target.fill("")
    page.get_by_role("button", name="Draw the funnel plot").click()
    expect(unit).to_have_attribute("data-flag", "LOW_ALERT")

    # Down to the cases behind the CRC's figure: the eight orders, six not met.
    unit.get_by_role("link", name=re.compile("25.0%")).click()
    expect(page.get_by_test_id("measure-name")).to_be_visible()
    expect(page.get_by_test_id("cases-count")).to_contain_text(f"{denominator} cases")
    expect(page.get_by_test_id("cases-count")).to_contain_text(f"{numerator} met")
    expect(page.get_by_test_id("case-row")).to_have_count(denominator)
    expect(page.get_by_test_id("differs")).to_have_count(0)
    assert_accessible(page)
