"""Through the Gate in the browser: prison staff record a reception and part 1 of the
screening; the resettlement worker of the host: lead provider completes part 2 and the plan
and shares it; the allocated CRC finds it in its "plans received" (Chromium, axe-core on
every page)."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.probation.factories import org, person_of, sentence_of, staff
from tests.resettlement.factories import prison, prison_officer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_reception_is_screened_planned_shared_and_received(page, sign_in, assert_accessible):
    today = timezone.localdate()
    cardiff = prison("CFI", lead="CRC11")
    person = person_of("CRC20", first_name="Dylan", last_name="Price")
    sentence = sentence_of(
        person,
        "CUSTODIAL",
        term_months=18,
        sentence_date=today - datetime.timedelta(days=1),
        conditional_release_date=today + datetime.timedelta(days=270),
    )

    # Prison staff record the reception from their prison's queue.
    sign_in(page, prison_officer(cardiff))
    page.goto(f"/resettlement/prisons/{cardiff.code}/")
    assert_accessible(page)
    page.get_by_role("link", name="Record a reception").click()
    page.get_by_role("button", name="Record the reception").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the CRN")
    assert_accessible(page)
    page.get_by_label("CRN").fill(person.crn)
    born = page.get_by_role("group", name="Date of birth")
    born.get_by_label("Day").fill(str(person.date_of_birth.day))
    born.get_by_label("Month").fill(str(person.date_of_birth.month))
    born.get_by_label("Year").fill(str(person.date_of_birth.year))
    page.get_by_label("Sentenced", exact=True).check()
    received = page.get_by_role("group", name="Reception date")
    received.get_by_label("Day").fill(str(today.day))
    received.get_by_label("Month").fill(str(today.month))
    received.get_by_label("Year").fill(str(today.year))
    page.get_by_label("Sentence number (sentenced or recalled)").fill(str(sentence.number))
    page.get_by_role("button", name="Record the reception").click()
    expect(page.get_by_test_id("plan-writer")).to_have_text(org("CRC11").name)
    expect(page.get_by_test_id("plan-state")).to_contain_text("Waiting for part 1")
    expect(page.get_by_test_id("share-with")).to_contain_text(person.responsible_provider.name)
    assert_accessible(page)

    # Part 1 at induction.
    page.get_by_role("link", name="Record part 1").click()
    assert_accessible(page)
    page.get_by_label("Immediate needs").fill("Tenancy at risk while in custody")
    page.get_by_label("Needs help with accommodation").check()
    page.get_by_label("Needs help with finance, benefits or debt").check()
    page.get_by_label("Part 1 is complete").check()
    page.get_by_role("button", name="Save part 1").click()
    expect(page.get_by_test_id("plan-state")).to_contain_text("Part 2 and the plan")
    expect(page.get_by_test_id("part1")).to_contain_text("Completed")
    assert_accessible(page)

    # The host: lead provider's resettlement worker finds the person in the queue.
    page.context.clear_cookies()
    sign_in(page, staff("PRISON_RESETTLEMENT_WORKER", "CRC11"))
    page.goto(f"/resettlement/prisons/{cardiff.code}/")
    expect(page.get_by_test_id("queue-planning")).to_contain_text("Dylan Price")
    assert_accessible(page)
    page.get_by_test_id("queue-planning").get_by_role("link", name="Dylan Price").click()
    page.get_by_role("link", name="Record part 2").click()
    assert_accessible(page)
    page.get_by_label("Part 2 is complete").check()
    page.get_by_role("button", name="Save part 2").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter the assessment before completing part 2"
    )
    assert_accessible(page)
    page.get_by_label("Assessment").fill("Needs a tenancy on release and debt advice.")
    page.get_by_role("button", name="Save part 2").click()
    expect(page.get_by_test_id("part2")).to_contain_text("Completed")

    # The plan: its needs, then completion and sharing.
    page.get_by_role("link", name="Work on the plan").click()
    assert_accessible(page)
    page.get_by_label("Accommodation: actions").fill("Refer to the local authority housing team")
    page.get_by_label("Finance and debt: actions").fill("Debt advice appointment booked")
    page.get_by_role("button", name="Save the needs").click()
    expect(page.get_by_text("Needs saved")).to_be_visible()
    page.get_by_role("button", name="Complete the plan").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a summary of the plan")
    assert_accessible(page)
    page.get_by_label("Summary of the plan").fill("Housing and debt advice before release.")
    page.get_by_role("button", name="Complete the plan").click()
    expect(page.get_by_test_id("plan-state")).to_contain_text("Complete, to be shared")
    assert_accessible(page)
    page.get_by_role("button", name="Share the plan").click()
    expect(page.get_by_test_id("plan-state")).to_contain_text("Shared")
    expect(page.get_by_test_id("plan-shared")).to_contain_text(person.responsible_provider.name)
    assert_accessible(page)

    # The allocated CRC finds it in its plans received.
    page.context.clear_cookies()
    sign_in(page, staff("CRC_OFFENDER_MANAGER", "CRC20"))
    page.goto("/resettlement/plans-received/")
    expect(page.get_by_test_id("plans-received")).to_contain_text("Dylan Price")
    expect(page.get_by_test_id("plans-received")).to_contain_text(cardiff.name)
    assert_accessible(page)
    page.get_by_role("link", name="Dylan Price").click()
    expect(page.get_by_test_id("needs")).to_contain_text("Refer to the local authority")
    assert_accessible(page)
