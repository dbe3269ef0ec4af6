"""The coordinators' workspace in a real browser (Chromium), in Chinese and in English."""

import re

import pytest
from playwright.sync_api import expect

from cooperation.models import CooperationItem, StatusUpdate
from tests.browser.conftest import switch_language

pytestmark = pytest.mark.django_db(transaction=True)


def test_chengdu_coordinator_filters_reports_and_sees_it_in_timeline_and_history(
    page, live_server, login, demo_users, new_context
):
    page.goto(f"{live_server.url}/items/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/items/"))
    login(page, live_server, "cd_coordinator", next_path="/items/")
    expect(page.get_by_role("heading", name="合作事项", exact=True)).to_be_visible()

    page.get_by_label("本单位事项").check()
    page.get_by_role("button", name="应用筛选").click()
    expect(page).to_have_url(re.compile(r"mine=1"))
    expect(page.get_by_test_id("result-count")).to_have_text("共 6 项")
    expect(page.get_by_test_id("filter-chip")).to_have_text(re.compile("本单位事项"))

    row = page.locator('tr[data-item="KP-1"]')
    row.get_by_role("link", name=re.compile("报送")).click()
    expect(page.get_by_role("heading", name="报送进展")).to_be_visible()
    page.get_by_label("进度（%）").fill("30")
    page.locator("label[for=id_health_1]").click()  # 有风险
    page.get_by_label("进展情况").fill("园区控规已报批，征地进度略慢")
    page.get_by_label("风险与困难").fill("用地指标紧张")
    page.get_by_test_id("submit-report").click()

    expect(page).to_have_url(re.compile(r"/items/\d+/#update-\d+"))
    expect(page.get_by_role("status")).to_have_text(re.compile("您对 KP-1 的进展报送已保存"))
    timeline = page.get_by_test_id("timeline")
    expect(timeline.locator("li").first).to_contain_text("园区控规已报批，征地进度略慢")
    expect(timeline.locator("li").first).to_contain_text("张明")
    expect(timeline.locator("li").first).to_contain_text("有风险")

    page.get_by_test_id("history-tab").click()
    latest = page.get_by_test_id("history").locator("li").first
    expect(latest).to_contain_text("张明")
    expect(latest).to_contain_text("进展报送")
    # Fixture items start "not assessed" (未评估); the report assessed KP-1 as at risk.
    expect(latest.locator("tr", has_text="健康度")).to_contain_text("未评估")
    expect(latest.locator("tr", has_text="健康度")).to_contain_text("有风险")
    expect(latest.locator("tr", has_text="进度")).to_contain_text("30")

    # The Yibin coordinator of the same item sees the change and its author.
    other = new_context().new_page()
    login(other, live_server, "yb_coordinator")
    other.goto(f"{live_server.url}/items/{CooperationItem.objects.get(code='KP-1').pk}/history/")
    expect(other.get_by_test_id("history").locator("li").first).to_contain_text("张明")
    assert StatusUpdate.objects.get().author.username == "cd_coordinator"


def test_a_bad_submit_shows_the_errors_and_keeps_the_input(page, live_server, login, demo_users):
    item = CooperationItem.objects.get(code="KP-1")
    login(page, live_server, "cd_coordinator", next_path=f"/items/{item.pk}/update/")
    page.get_by_label("进度（%）").fill("150")
    page.locator("label[for=id_health_2]").click()  # 滞后, needs a narrative
    page.get_by_label("风险与困难").fill("设备采购延期")
    page.get_by_label("下一步工作").fill("召开专题会")
    page.get_by_test_id("submit-report").click()

    expect(page.get_by_test_id("form-error")).to_be_visible()
    expect(page.locator("#id_progress_error")).to_have_text("进度不能超过 100。")
    expect(page.get_by_label("进度（%）")).to_have_value("150")
    expect(page.get_by_label("进度（%）")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("进度（%）")).to_be_focused()  # the first field to correct
    expect(page.get_by_label("风险与困难")).to_have_value("设备采购延期")
    expect(page.get_by_label("下一步工作")).to_have_value("召开专题会")
    expect(page.locator("#id_health_2")).to_be_checked()

    # Fixing the progress alone is not enough: off track needs an explanation.
    page.get_by_label("进度（%）").fill("40")
    page.get_by_test_id("submit-report").click()
    expect(page.locator("#id_narrative_error")).to_contain_text("请填写进展情况说明")
    expect(page.get_by_label("风险与困难")).to_have_value("设备采购延期")
    assert StatusUpdate.objects.count() == 0
    assert CooperationItem.objects.get(pk=item.pk).progress == 0


def test_yibin_coordinator_cannot_reach_an_item_only_chengdu_owns(
    page, live_server, login, demo_users, console_errors
):
    CooperationItem.objects.filter(code="SP-7").update(yibin_lead=None)  # Chengdu lead only
    item = CooperationItem.objects.get(code="SP-7")
    login(page, live_server, "yb_coordinator", next_path="/items/?q=SP-7")
    row = page.locator('tr[data-item="SP-7"]')
    expect(row).to_be_visible()
    expect(row.get_by_role("link", name=re.compile("报送"))).to_have_count(0)
    row.get_by_role("link", name=re.compile("共建成宜装备制造业产业园")).click()
    expect(page.get_by_test_id("item-title")).to_be_visible()
    expect(page.get_by_test_id("report-button")).to_have_count(0)

    response = page.goto(f"{live_server.url}/items/{item.pk}/update/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="无权访问")).to_be_visible()
    assert [e for e in console_errors if "403" not in e] == []
    console_errors.clear()  # the 403 itself is logged by Chromium, as expected
    assert StatusUpdate.objects.count() == 0


def test_english_switch_shows_english_labels_and_names(page, live_server, login, demo_users):
    item = CooperationItem.objects.get(code="KP-1")
    login(page, live_server, "cd_coordinator", next_path=f"/items/{item.pk}/")
    expect(page.get_by_role("link", name="合作事项", exact=True).first).to_be_visible()
    switch_language(page, "en")
    expect(page.get_by_test_id("item-title")).to_have_text(
        "Jointly build and share an equipment manufacturing industrial park"
    )
    expect(page.get_by_role("heading", name="Responsibilities")).to_be_visible()
    expect(page.get_by_text("Chengdu Industry Investment Group Co., Ltd.")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_test_id("report-button").click()
    expect(page.get_by_label("Progress (%)")).to_be_visible()
    expect(page.get_by_role("button", name="Submit report")).to_be_visible()
    page.goto(f"{live_server.url}/items/")
    expect(page.get_by_role("button", name="Apply filters")).to_be_visible()
    expect(page.get_by_test_id("result-count")).to_have_text("49 items")


def assert_fits_the_screen(page):
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


def test_phone_width_shows_filters_behind_a_button(page, live_server, login, demo_users):
    page.set_viewport_size({"width": 390, "height": 844})
    item = CooperationItem.objects.get(code="KP-1")
    login(page, live_server, "leader", next_path="/items/")
    for language in ["en", "zh-hans"]:
        switch_language(page, language)
        for path in ["/items/", f"/items/{item.pk}/", f"/items/{item.pk}/history/"]:
            page.goto(f"{live_server.url}{path}")
            assert_fits_the_screen(page)
    page.goto(f"{live_server.url}/items/")
    filters = page.get_by_test_id("item-filters")
    expect(filters).to_be_hidden()
    page.get_by_role("button", name=re.compile("筛选条件")).click()
    expect(filters).to_be_visible()
    page.get_by_label("已逾期").check()
    page.get_by_role("button", name="应用筛选").click()
    expect(page.get_by_test_id("no-items")).to_be_visible()
    expect(page).to_have_url(re.compile(r"overdue=1"))
