"""Each role signs in and sees its home page; a case is found and opened; a form shows
its errors; every page visited passes axe-core with no serious or critical violation."""

import pytest

from probation.roles import ROLES
from tests.probation.factories import person_of, staff

ORGANISATION_FOR = {"CRC": "CRC11", "NPS_DIVISION": "NPS-WAL", "NOMS": "NOMS", "NOMS_UNIT": "PPCS"}


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.code)
def test_each_role_signs_in_and_sees_its_home_page(web, sign_in, assert_accessible, role):
    user = staff(role.code, ORGANISATION_FOR[role.organisation_kinds[0]])
    sign_in(web, user)
    assert web.get_by_role("heading", name=role.name).is_visible()
    assert web.get_by_text("What you can do next").is_visible()
    assert user.organisation.name in web.get_by_test_id("signed-in-as").inner_text()
    # GOV.UK Frontend's stylesheet and script loaded and ran.
    assert "govuk-frontend-supported" in web.locator("body").get_attribute("class")
    assert_accessible(web)


def test_keyboard_skip_link_and_sign_in_by_enter(web, assert_accessible):
    user = staff("CRC_OFFENDER_MANAGER", "CRC11")
    user.set_password("keyboard-password-1")
    user.save()
    web.goto("/sign-in/")
    web.keyboard.press("Tab")
    assert web.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    web.get_by_label("Username").fill(user.username)
    web.get_by_label("Password").fill("keyboard-password-1")
    web.get_by_label("Password").press("Enter")
    web.wait_for_url(lambda url: "/sign-in/" not in url)
    assert web.get_by_role("heading", name="CRC offender manager").is_visible()


def test_find_and_open_a_case(web, sign_in, assert_accessible):
    person = person_of("CRC11", first_name="Bronwen", last_name="Pryce")
    sign_in(web, staff("CRC_OFFENDER_MANAGER", "CRC11"))
    web.get_by_role("link", name="Find a person").first.click()
    web.get_by_label("CRN, PNC number or name").fill("Pryce")
    web.get_by_role("button", name="Search").click()
    assert_accessible(web)
    web.get_by_role("link", name="Pryce, Bronwen").click()
    assert web.get_by_role("heading", name="Bronwen Pryce").is_visible()
    assert person.crn in web.locator("main").inner_text()
    assert_accessible(web)


def test_form_errors_show_an_error_summary_that_moves_focus(web, sign_in, assert_accessible):
    sign_in(web, staff("NPS_COURT_OFFICER", "NPS-WAL"))
    web.goto("/people/new/")
    web.get_by_role("button", name="Record person").click()
    summary = web.locator(".govuk-error-summary")
    assert "There is a problem" in summary.inner_text()
    assert_accessible(web)
    summary.get_by_role("link").first.click()
    assert web.evaluate("document.activeElement.id") == "id_first_name"


def test_sign_out(web, sign_in):
    sign_in(web, staff("CRC_MANAGER", "CRC11"))
    web.get_by_role("button", name="Sign out").click()
    web.wait_for_url("**/sign-in/")
    web.goto("/people/")
    assert "/sign-in/" in web.url


def test_unvetted_staff_are_told_why_records_are_closed(web, sign_in, assert_accessible):
    sign_in(web, staff("CRC_OFFENDER_MANAGER", "CRC11", vetted=False))
    assert "You cannot open offender records" in web.locator("main").inner_text()
    web.goto("/people/")
    assert web.get_by_role("heading", name="You cannot open offender records").is_visible()
    assert_accessible(web)
