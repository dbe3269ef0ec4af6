"""Shared fixtures of the browser tests: Debian's Chromium, a signed-in page, console checks.

Every browser test gets ``console_errors`` automatically: a test fails if any page it
visited logged a console error or an uncaught exception (that is how a CSP violation shows).
A test that provokes an error on purpose (a 403 page) removes that one entry itself.

Use ``login(page, live_server, "cd_coordinator")`` to sign in through the real form; the
``demo_users`` fixture creates the demo accounts (password ``PASSWORD``).
"""

import pytest
from playwright.sync_api import Page, expect

from cooperation.choices import Role
from tests.conftest import PASSWORD

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEMO_USERS = {
    # username: (name, organisation code, role)
    "cd_coordinator": ("张明", "cdig", Role.COORDINATOR),
    "yb_coordinator": ("李静", "yibin-lingang-etdz", Role.COORDINATOR),
    "supervisor": ("王督办", "chengdu-gov", Role.SUPERVISOR),
    "leader": ("陈领导", "yibin-gov", Role.VIEWER),
}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # The users' browsers ask for Chinese; the interface must then be Chinese.
    return {
        **browser_context_args,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
        "viewport": {"width": 1280, "height": 900},
    }


@pytest.fixture(autouse=True)
def console_errors(page: Page):
    """Console errors and uncaught exceptions of every page the test visits."""
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    page.set_default_timeout(10_000)
    yield errors
    assert errors == [], f"console errors: {errors}"


@pytest.fixture
def demo_users(agreement, make_user):
    users = {}
    for username, (name, org, role) in DEMO_USERS.items():
        users[username] = make_user(username, org=org, role=role, first_name=name)
    return users


def _login(page: Page, live_server, username: str, password: str = PASSWORD, next_path: str = "/"):
    """Sign in through the sign-in form, the way a user does; returns the page."""
    page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.locator("main").get_by_role("button").click()
    assert "/accounts/login/" not in page.url, f"{username} could not sign in"
    return page


def switch_language(page: Page, code: str):
    """Choose a language in the switcher and wait until the page is served in it.

    The switch posts a form and reloads; a test that moves on before the reload has
    landed races it (a ``goto`` cancels the post and the old language stays)."""
    button = page.get_by_test_id(f"language-{code}")
    if not button.is_visible():  # folded away at phone width: open the menu, wait until open
        page.locator(".navbar-toggler").click()
        expect(page.locator("#main-nav.show:not(.collapsing)")).to_be_visible()
    with page.expect_navigation():  # a click while the menu was still opening posted nothing
        button.click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans" if code == "zh-hans" else code)


@pytest.fixture
def login():
    """``login(page, live_server, username, password=PASSWORD, next_path="/")``."""
    return _login
