"""Journeys through a case in a real browser (Chromium): the case overview and the pages it
links to are accessible (axe-core), and an officer books an appointment with the keyboard-
usable GOV.UK form, seeing an error summary first when the form is incomplete."""

import datetime

from playwright.sync_api import expect

from tests.probation.factories import (
    contact_of,
    person_of,
    plan_of,
    requirement_of,
    sentence_of,
    staff,
)


def _case(officer):
    person = person_of("CRC11", first_name="Carys", last_name="Morgan")
    sentence = sentence_of(person)
    requirement_of(sentence, "UNPAID_WORK")
    requirement_of(sentence, "REHABILITATION_ACTIVITY")
    plan_of(person, officer)
    contact_of(person, officer)
    return person, sentence


def test_case_overview_and_its_pages_are_accessible(page, sign_in, assert_accessible):
    officer = staff("CRC_OFFENDER_MANAGER", "CRC11")
    person, sentence = _case(officer)
    sign_in(page, officer)

    page.goto(f"/people/{person.crn}/")
    expect(page.get_by_role("heading", name="Carys Morgan", level=1)).to_be_visible()
    main = page.locator("main")
    expect(main).to_contain_text("Community Order")
    expect(main).to_contain_text("Unpaid work")
    assert_accessible(page)

    for path in (
        f"/people/{person.crn}/sentences/{sentence.number}/",
        f"/people/{person.crn}/plan/",
        f"/people/{person.crn}/contacts/",
        f"/people/{person.crn}/sentences/new/",
        f"/people/{person.crn}/plan/new/",
        "/caseload/",
    ):
        page.goto(path)
        expect(page.locator("h1")).to_be_visible()
        assert_accessible(page)


def test_officer_books_an_appointment_after_an_error_summary(page, sign_in, assert_accessible):
    officer = staff("CRC_OFFENDER_MANAGER", "CRC11")
    person, _ = _case(officer)
    sign_in(page, officer)
    page.goto(f"/people/{person.crn}/contacts/new/")
    expect(page.get_by_role("heading", name="Record a contact or appointment")).to_be_visible()

    page.get_by_role("button", name="Record contact").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("There is a problem")
    assert_accessible(page)

    day = datetime.date.today() + datetime.timedelta(days=7)
    page.get_by_label("Type of contact").select_option("OFFICE_APPOINTMENT")
    page.get_by_label("Day", exact=True).fill(str(day.day))
    page.get_by_label("Month", exact=True).fill(str(day.month))
    page.get_by_label("Year", exact=True).fill(str(day.year))
    page.get_by_label("Time", exact=True).fill("10:30")
    page.get_by_role("button", name="Record contact").click()

    expect(page.locator(".govuk-notification-banner")).to_be_visible()
    assert page.locator(".govuk-error-summary").count() == 0
    assert_accessible(page)
