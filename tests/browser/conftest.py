"""Browser-test fixtures (Debian's Chromium, sign-in, console errors).

TEMPORARY on the reports branch: the items branch brings the shared version of this file
with the same fixture names (login, demo_users, console_errors); at the merge, it wins.
"""

import pytest
from playwright.sync_api import Page

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
    "cd_coordinator": ("张明", "cdig", Role.COORDINATOR),
    "supervisor": ("王督办", "chengdu-gov", Role.SUPERVISOR),
    "leader": ("陈领导", "yibin-gov", Role.VIEWER),
}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session", autouse=True)
def _plain_http_live_server():
    """The live server's SecurityMiddleware reads SECURE_SSL_REDIRECT when it starts."""
    from django.conf import settings

    previous = settings.SECURE_SSL_REDIRECT
    settings.SECURE_SSL_REDIRECT = False
    yield
    settings.SECURE_SSL_REDIRECT = previous


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
    return {
        **browser_context_args,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
        "viewport": {"width": 1280, "height": 900},
    }


@pytest.fixture(autouse=True)
def console_errors(page: Page):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    page.set_default_timeout(10_000)
    yield errors
    assert errors == [], f"console errors: {errors}"


@pytest.fixture
def demo_users(agreement, make_user):
    return {
        username: make_user(username, org=org, role=role, first_name=name)
        for username, (name, org, role) in DEMO_USERS.items()
    }


def _login(page: Page, live_server, username: str, password: str = PASSWORD, next_path: str = "/"):
    page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.locator("main").get_by_role("button").click()
    assert "/accounts/login/" not in page.url, f"{username} could not sign in"
    return page


@pytest.fixture
def login():
    return _login
