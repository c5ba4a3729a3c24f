"""Each role signs in and sees its home page; a case is found and opened; a form shows its
errors; staff sign out; unvetted staff are told why records are closed. Every page a
journey visits passes axe-core with no serious or critical violation."""

import re

import pytest
from playwright.sync_api import expect

from probation.roles import ROLES
from tests.probation.factories import person_of, staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The organisation each kind of role is tested in (role.organisation_kinds[0]).
ORGANISATION_FOR_KIND = {
    "CRC": "CRC11",
    "NPS_DIVISION": "NPS-WAL",
    "NOMS": "NOMS",
    "NOMS_UNIT": "PPCS",
}


def _focused(page, expression: str):
    return page.evaluate(f"document.activeElement && document.activeElement.{expression}")


def test_sign_in_page_is_styled_and_its_assets_load(page, assert_accessible):
    """GOV.UK Frontend's stylesheet, fonts and script come from the live server's static
    files and run: nothing 4xx/5xx, no script error, the body marked as supported."""
    responses, errors = [], []
    page.on("response", lambda response: responses.append(response))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    with page.expect_response(re.compile(r"/govuk/application\.css$")) as css:
        page.goto("/sign-in/")
    page.wait_for_load_state("networkidle")

    assert css.value.status == 200
    failed = [(r.status, r.url) for r in responses if r.status >= 400]
    assert not failed, f"requests failed: {failed}"
    expect(page.locator("body")).to_have_class(re.compile(r"\bgovuk-frontend-supported\b"))
    heading = page.get_by_role("heading", name="Sign in", level=1)
    font = heading.evaluate("element => getComputedStyle(element).fontFamily")
    assert "GDS Transport" in font, f"GOV.UK stylesheet not applied (font {font!r})"
    assert not errors, f"script or console errors: {errors}"
    expect(page).to_have_title(re.compile(r"^Sign in"))
    assert_accessible(page)


@pytest.mark.parametrize("role", ROLES, ids=lambda role: role.code)
def test_each_role_signs_in_and_sees_its_home_page(page, sign_in, assert_accessible, role):
    kind = role.organisation_kinds[0]
    if kind == "PRISON":
        from tests.resettlement.factories import prison

        organisation = prison("CFI").organisation.code
    else:
        organisation = ORGANISATION_FOR_KIND[kind]
    user = staff(role.code, organisation)

    sign_in(page, user)

    expect(page.get_by_role("heading", name=role.name, exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="What you can do next")).to_be_visible()
    signed_in_as = page.get_by_test_id("signed-in-as")
    expect(signed_in_as).to_contain_text("Signed in as")
    expect(signed_in_as).to_contain_text(user.organisation.name)
    expect(page.locator("body")).to_have_class(re.compile(r"\bgovuk-frontend-supported\b"))
    assert_accessible(page)


def test_keyboard_reaches_the_skip_link_first_and_signs_in_with_enter(page, sign_in):
    user = staff("CRC_OFFENDER_MANAGER", "CRC11")
    user.set_password("keyboard-only-password-1")
    user.save()
    page.goto("/sign-in/")

    page.keyboard.press("Tab")
    assert _focused(page, "textContent.trim()") == "Skip to main content"
    page.keyboard.press("Enter")
    assert _focused(page, "id") == "main-content"

    page.keyboard.press("Tab")
    assert _focused(page, "id") == "id_username"
    page.keyboard.type(user.username)
    page.keyboard.press("Tab")
    assert _focused(page, "id") == "id_password"
    page.keyboard.type("keyboard-only-password-1")
    page.keyboard.press("Enter")

    page.wait_for_url(lambda url: "/sign-in/" not in url)
    expect(page.get_by_role("heading", name="CRC offender manager", exact=True)).to_be_visible()


def test_offender_manager_finds_and_opens_a_case(page, sign_in, assert_accessible):
    person = person_of("CRC11", first_name="Bronwen", last_name="Pryce")
    sign_in(page, staff("CRC_OFFENDER_MANAGER", "CRC11"))

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Find a person").click()
    expect(page.get_by_role("heading", name="Find a person on probation")).to_be_visible()
    page.get_by_label("CRN, PNC number or name").fill("Bronwen Pryce")
    page.get_by_role("button", name="Search").click()

    results = page.get_by_role("table", name="People you can see")
    expect(results.get_by_role("row").filter(has_text=person.crn)).to_have_count(1)
    assert_accessible(page)

    results.get_by_role("link", name="Pryce, Bronwen").click()
    expect(page.get_by_role("heading", name="Bronwen Pryce", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text(person.crn)
    assert_accessible(page)


def test_empty_form_shows_an_error_summary_whose_links_move_focus(page, sign_in, assert_accessible):
    sign_in(page, staff("NPS_COURT_OFFICER", "NPS-WAL"))
    page.goto("/people/new/")
    page.get_by_role("button", name="Record person").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: "))
    # GOV.UK Frontend moves focus to the summary when the page loads.
    expect(summary).to_be_focused()
    assert_accessible(page)

    first = summary.get_by_role("link").first
    target = first.get_attribute("href")
    assert target.startswith("#")
    first.click()
    expect(page.locator(target)).to_be_focused()


def test_sign_out_returns_to_the_sign_in_page(page, sign_in):
    sign_in(page, staff("CRC_MANAGER", "CRC11"))

    page.get_by_role("button", name="Sign out").click()

    page.wait_for_url("**/sign-in/")
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    expect(page.get_by_test_id("signed-in-as")).to_have_count(0)
    page.goto("/people/")
    expect(page).to_have_url(re.compile(r"/sign-in/"))


def test_unvetted_staff_are_told_why_records_are_closed(page, sign_in, assert_accessible):
    sign_in(page, staff("CRC_OFFENDER_MANAGER", "CRC11", vetted=False))

    warning = page.locator(".govuk-warning-text")
    expect(warning).to_contain_text("You cannot open offender records")
    assert_accessible(page)

    page.goto("/people/")
    expect(page.get_by_role("heading", name="You cannot open offender records")).to_be_visible()
    assert_accessible(page)
