"""Browser tests: Playwright drives Debian's Chromium against Django's live server, and
axe-core checks every page a journey visits.

pytest-playwright's own plugin is disabled (``-p no:playwright`` in pyproject.toml): its
``browser`` and ``page`` fixtures launch the browsers Playwright downloads, which this
machine does not have, and it would parametrize every test using a fixture named ``page``.
The fixtures here launch the system Chromium instead.
"""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in the main thread, which makes Django's ORM
# refuse the test's own (synchronous) database calls unless this is set.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BLOCKING_IMPACTS = ("moderate", "serious", "critical")
# The GOV.UK Design System places the back link before <main>, outside any landmark, which
# axe-core's "region" rule reports; that one placement is accepted, nothing else.
ACCEPTED = {("region", ".govuk-back-link")}
TIMEOUT_MS = 15_000


def _chromium_executable() -> str | None:
    wanted = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    found = wanted if os.path.isfile(wanted) else shutil.which(wanted)
    return found if found and os.access(found, os.X_OK) else None


@pytest.fixture(scope="session")
def chromium_browser():
    """One headless Chromium per test process (each xdist worker launches its own)."""
    executable = _chromium_executable()
    if executable is None:
        wanted = os.environ.get("CHROMIUM", "/usr/bin/chromium")
        if os.environ.get("REQUIRE_BROWSER_TESTS"):
            pytest.fail(
                f"Chromium not found at {wanted} and REQUIRE_BROWSER_TESTS is set: "
                "install it (apt-get install chromium) or point CHROMIUM at it",
                pytrace=False,
            )
        pytest.skip(f"Chromium not found at {wanted} (apt-get install chromium, or set CHROMIUM)")

    from playwright.sync_api import Error, sync_playwright

    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_ARGS
            )
        except Error as error:
            pytest.fail(f"Chromium at {executable} did not launch: {error}", pytrace=False)
        yield browser
        browser.close()


def _load_reference_data(*, only_if_missing: bool = False) -> None:
    """The national structure (idempotent, ~0.3 s) and the role groups (~20 ms)."""
    from probation.models import Organisation
    from probation.reference import load_national_structure
    from probation.roles import sync_roles

    if not (only_if_missing and Organisation.objects.exists()):
        load_national_structure(Organisation)
    sync_roles()


_DB_BLOCKER = pytest.StashKey()


@pytest.fixture(autouse=True)
def reference_data(request, transactional_db, django_db_blocker):
    """The live server needs a transactional database, and the flush after each
    transactional test deletes the organisations and role groups that migrations created.
    They are (re)created here before each browser test, and again after its flush by
    ``pytest_runtest_teardown`` below, so that tests which run later in the same process
    (or xdist worker) still find them."""
    _load_reference_data()
    request.node.stash[_DB_BLOCKER] = django_db_blocker


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a browser test's fixtures are torn down (the database flushed), put the
    reference data back unless the session is ending. ``probation.apps`` also reloads it
    from ``post_migrate`` (which the flush emits); this does not rely on that."""
    result = yield
    blocker = item.stash.get(_DB_BLOCKER, None)
    if blocker is not None and nextitem is not None:
        with blocker.unblock():
            _load_reference_data(only_if_missing=True)
    return result


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Each test sets a password and signs in: PBKDF2's deliberate slowness would cost
    most of a second per test (the live server runs in this process, so it sees this)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def page(chromium_browser, live_server):
    """A page in a fresh browser context (no cookies shared between tests) on the live
    server; relative URLs resolve against it."""
    context = chromium_browser.new_context(base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def _describe(violation: dict) -> str:
    targets = "; ".join(
        " ".join(str(part) for part in node["target"]) for node in violation["nodes"]
    )
    return f"- {violation['id']} [{violation['impact']}] {violation['help']}\n    at: {targets}"


@pytest.fixture
def assert_accessible(axe):
    """``assert_accessible(page)`` runs axe-core on the page as it is now and fails on
    any moderate, serious or critical violation, listing each one with the elements it found."""

    def check(page):
        results = axe.run(page)
        blocking = [
            v
            for v in results.response["violations"]
            if v.get("impact") in BLOCKING_IMPACTS
            and not all(
                (v["id"], " ".join(map(str, node["target"]))) in ACCEPTED for node in v["nodes"]
            )
        ]
        if blocking:
            report = "\n".join(_describe(v) for v in blocking)
            print(f"axe-core violations on {page.url}:\n{report}")
            pytest.fail(
                f"axe-core found {len(blocking)} blocking violation(s) on {page.url}:\n{report}",
                pytrace=False,
            )
        return results

    return check


PASSWORD = "correct-horse-battery-staple-1"


@pytest.fixture
def sign_in(assert_accessible):
    """``sign_in(page, user)`` gives the user a password, checks the sign-in page with
    axe, signs in through the form and waits for the page it leads to."""

    def go(page, user, password=PASSWORD):
        user.set_password(password)
        user.save()
        page.goto("/sign-in/")
        assert_accessible(page)
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/sign-in/" not in url)

    return go
