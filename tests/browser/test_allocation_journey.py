"""An NPS allocation officer opens the queue, allocates a case to the CRC with a clinical
judgement, and a CRC manager sees it arrive in their team's notifications and opens the
decision (Chromium, axe-core on every page)."""

import datetime

from playwright.sync_api import expect

from probation.models import OffenderManagerAssignment
from tests.probation.factories import org, person_of, requirement_of, sentence_of, staff, team_of


def test_officer_allocates_a_case_and_the_crc_sees_it(page, sign_in, assert_accessible):
    person = person_of("NPS", ldu_crc="CRC11", first_name="Dylan", last_name="Rees")
    OffenderManagerAssignment.objects.create(
        person=person,
        provider=org("NPS"),
        team=team_of(org("NPS-WAL")),
        started_at=datetime.datetime.now(datetime.UTC),
    )
    sentence = sentence_of(person, sentence_date=datetime.date.today())
    requirement_of(sentence, "UNPAID_WORK")
    crc_team = team_of(org("CRC11"))

    sign_in(page, staff("NPS_ALLOCATION_OFFICER", "NPS-WAL"))
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Allocation").click()
    expect(page.get_by_role("heading", name="Cases awaiting allocation")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=f"Allocate {person.crn}/{sentence.number}").click()
    expect(page.get_by_test_id("recommendation")).to_contain_text("HOME_CPA_CRC")
    assert_accessible(page)

    page.get_by_label("Risk of serious harm").select_option("MEDIUM")
    page.get_by_label("RSR score (%) (optional)").fill("7.2")
    page.get_by_role("group", name="Date the RSR score was calculated").get_by_label("Day").fill(
        "2"
    )
    page.get_by_role("group", name="Date the RSR score was calculated").get_by_label("Month").fill(
        "11"
    )
    page.get_by_role("group", name="Date the RSR score was calculated").get_by_label("Year").fill(
        "2026"
    )
    page.get_by_label("RSR calculated from").select_option("OASYS")
    page.get_by_role("button", name="Check the recommendation").click()
    expect(page.get_by_test_id("recommendation")).to_contain_text("Clinical judgement required")

    page.get_by_label("The CRC").check()
    page.get_by_label("Team", exact=True).select_option(str(crc_team.pk))
    page.get_by_role("button", name="Confirm allocation").click()
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    assert_accessible(page)
    page.get_by_label("Clinical judgement").fill("Stable address and work; risk is managed.")
    page.get_by_role("button", name="Confirm allocation").click()
    expect(page.get_by_test_id("allocation-decision")).to_contain_text(crc_team.name)
    assert_accessible(page)

    page.context.clear_cookies()
    sign_in(page, staff("CRC_MANAGER", "CRC11"))
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Notifications").click()
    arrival = page.get_by_role("link", name=f"Dylan Rees ({person.crn}/{sentence.number})")
    expect(arrival).to_contain_text(f"allocated to {crc_team.name}")
    assert_accessible(page)
    arrival.click()
    expect(page.get_by_test_id("allocation-decision")).to_contain_text("Stable address")
    expect(page.get_by_test_id("rsr")).to_contain_text("7.20% – OASys assessment, 2 November 2026")
    assert_accessible(page)
