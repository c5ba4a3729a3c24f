"""A CRC offender manager records an unacceptable absence as a contact's outcome, is
offered a warning and gives it (the letter is shown), records a second failure within 12
months, is offered only the referral and refers; the NPS enforcement officer finds the
referral in the division's queue and records court action (Chromium, axe-core on every
page)."""

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from tests.probation.factories import contact_of, person_of, requirement_of, sentence_of, staff


def test_a_failure_is_warned_then_a_second_referred_and_taken_to_court(
    page, sign_in, assert_accessible
):
    today = timezone.localdate()
    person = person_of("CRC11", first_name="Rhys", last_name="Morgan")
    sentence = sentence_of(
        person,
        sentence_date=today - datetime.timedelta(days=120),
        offence_date=today - datetime.timedelta(days=150),
    )
    requirement_of(sentence, "UNPAID_WORK")
    om = staff("CRC_OFFENDER_MANAGER", "CRC11")
    contact_of(
        person,
        om,
        sentence=sentence,
        starts_at=timezone.now() - datetime.timedelta(hours=2),
    )

    # The offender manager records the outcome of today's appointment.
    sign_in(page, om)
    page.goto(f"/people/{person.crn}/contacts/")
    page.get_by_role("link", name="Record outcome").click()
    page.get_by_label("Outcome", exact=True).select_option("UNACCEPTABLE_ABSENCE")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Contact changed")).to_be_visible()

    # The failure it opened waits in the team's notifications.
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Notifications").click()
    page.get_by_role("link", name="Failure to comply to decide: Rhys Morgan").click()
    expect(page.get_by_test_id("options")).to_contain_text("A warning is allowed.")
    assert_accessible(page)
    page.get_by_role("button", name="Save decision").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select what you will do")
    assert_accessible(page)
    page.get_by_label("Give a warning").check()
    page.get_by_role("button", name="Save decision").click()
    expect(page.get_by_test_id("failure-state")).to_contain_text("Warning given")
    assert_accessible(page)
    page.get_by_test_id("warning-letter-link").click()
    expect(page.get_by_test_id("document")).to_contain_text("Warning: failure to comply")
    expect(page.get_by_test_id("document")).to_contain_text("within the next 12 months")
    assert_accessible(page)
    page.go_back()

    # A second failure within 12 months: only the referral is offered.
    page.get_by_role("link", name="Record another failure to comply").click()
    assert_accessible(page)
    page.get_by_label("Sentence").select_option(str(sentence.number))
    date = page.get_by_role("group", name="Date of the failure")
    date.get_by_label("Day").fill(str(today.day))
    date.get_by_label("Month").fill(str(today.month))
    date.get_by_label("Year").fill(str(today.year))
    page.get_by_label("What happened").fill("Did not attend unpaid work on Saturday")
    page.get_by_role("button", name="Record the failure").click()
    expect(page.get_by_test_id("options")).to_contain_text("No warning is allowed.")
    expect(page.get_by_label("Give a warning")).to_have_count(0)
    assert_accessible(page)
    page.get_by_label("Refer the breach to an NPS enforcement officer").check()
    page.get_by_label("Your account or notes").fill("Second failure since the warning.")
    page.get_by_role("button", name="Save decision").click()
    expect(page.get_by_test_id("failure-state")).to_contain_text("Referred")
    expect(page.get_by_test_id("referrals")).to_contain_text("Waiting for the NPS")
    assert_accessible(page)

    # The NPS enforcement officer of the division takes it to court.
    page.context.clear_cookies()
    sign_in(page, staff("NPS_ENFORCEMENT_OFFICER", "NPS-WAL"))
    page.goto("/enforcement/breach-referrals/")
    expect(page.get_by_test_id("eo-queue")).to_contain_text(person.crn)
    assert_accessible(page)
    page.get_by_role("link", name=f"Decide for {person.crn}").click()
    expect(page.get_by_test_id("referral-state")).to_contain_text("Waiting for the NPS")
    assert_accessible(page)
    page.get_by_label("Take the breach to court").check()
    page.get_by_label("Your reasons or advice").fill("Two failures in a month; court action.")
    page.get_by_role("button", name="Save decision").click()
    expect(page.get_by_test_id("referral-state")).to_contain_text("Court action")
    expect(page.get_by_test_id("court-outcome-form")).to_be_visible()
    assert_accessible(page)
