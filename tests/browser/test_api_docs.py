"""The API's Swagger UI (local files, strict CSP) and the token page, in Chromium."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_user_makes_a_token_and_reads_the_api_docs_without_console_errors(
    page, live_server, login, demo_users
):
    login(page, live_server, "cd_coordinator", next_path="/profile/api-tokens/")
    page.fill("#id_name", "省级看板")
    page.get_by_test_id("create-token").click()
    token = page.get_by_test_id("token-value").inner_text()
    assert token.startswith("cyt_")
    page.reload()
    expect(page.get_by_test_id("tokens")).to_contain_text("省级看板")
    assert token not in page.content()  # shown once

    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Chengyi Tracker API")
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/items/").first).to_be_visible()
    assert all(url.startswith(live_server.url) for url in requests), "no CDN"
    # Try an operation from the page with the browser session (CSRF-safe GET).
    page.locator(".opblock-summary-path", has_text="/api/v1/organisations/").first.click()
    page.get_by_role("button", name="Try it out").first.click()
    page.get_by_role("button", name="Execute").first.click()
    live = page.locator(".live-responses-table tbody .response-col_status").first
    expect(live).to_contain_text("200")
