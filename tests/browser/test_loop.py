"""The supervision loop walked in a real browser (Chromium): in Chinese the whole loop, in
English a shorter path. Every step is what a user clicks; nothing is set behind their back
except what the 15-minute planning pass does (the beat task, run here as a call)."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cooperation.choices import CompletionState, Role, Status
from cooperation.meetings.dispatch import reminders_dispatch_due
from cooperation.meetings.workdays import add_working_days
from cooperation.models import CompletionRequest, CooperationItem, Milestone
from cooperation.models.supervision import SlipColour, SupervisionSlip
from cooperation.services import item_update
from cooperation.supervision.slips import slips_run_daily
from cooperation.workflow.planning import loop_plan_all
from tests.browser.conftest import switch_language
from tests.meetings.servers import MailRecorder
from tests.workflow.conftest import PDF

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def smtp(settings):
    server = MailRecorder().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()


def item_url(live_server, item):
    return f"{live_server.url}/items/{item.pk}/"


def submit_report(page, *, progress, narrative, status=None, pdf_path=None, milestones=False):
    page.get_by_test_id("report-button").click()
    if status:
        page.get_by_label("状态").select_option(label=status)
    page.get_by_label("进度（%）").fill(str(progress))
    # Items start "not assessed" and a report must assess them: nothing is preselected.
    page.get_by_role("radio", name="健康度: 正常").check()
    page.get_by_label("进展情况").fill(narrative)
    if milestones:
        for box in page.locator("input[name=milestones_done]").all():
            box.check()
    if pdf_path:
        page.get_by_label("佐证材料").set_input_files(str(pdf_path))
    page.get_by_test_id("submit-report").click()


def local_noon(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def test_the_whole_loop_in_chinese(
    page, live_server, login, demo_users, make_user, new_context, tmp_path, smtp, time_machine
):
    make_user("cd_leader", org="chengdu-gov", role=Role.LEADER, first_name="陈市长")
    item = CooperationItem.objects.get(code="KP-1")
    Milestone.objects.create(item=item, title_zh="完成园区选址", sort_order=1)
    target = add_working_days(timezone.localdate(), 2)
    item_update(
        item=item,
        user=demo_users["supervisor"],
        reason="Target date",
        fields={"target_date": target},
    )
    loop_plan_all()  # 交办: the planning pass asks both leads to acknowledge

    # 签收: the Chengdu lead's coordinator acknowledges.
    login(page, live_server, "cd_coordinator", next_path="/todo/")
    expect(page.get_by_test_id("to-acknowledge")).to_contain_text("KP-1")
    page.goto(item_url(live_server, item))
    expect(page.get_by_test_id("ack-chengdu")).to_contain_text("待签收")
    page.get_by_test_id("ack-chengdu").get_by_test_id("acknowledge").click()
    expect(page.get_by_test_id("ack-chengdu")).to_contain_text("已签收")
    expect(page.get_by_test_id("ack-chengdu")).to_contain_text("张明")

    # 填报: a report, which the Yibin lead returns (退回) with a reason.
    submit_report(page, progress=30, narrative="园区控规已报批")
    expect(page.get_by_role("status")).to_contain_text("进展报送已保存")
    yibin = new_context().new_page()
    login(yibin, live_server, "yb_coordinator", next_path="/todo/")
    reviews = yibin.get_by_test_id("reviews")
    expect(reviews).to_contain_text("KP-1")
    reviews.get_by_role("link").first.click()
    review = yibin.get_by_test_id("review-form").first
    review.get_by_role("textbox").fill("缺少用地指标的数据")
    review.get_by_test_id("return").click()
    expect(yibin.get_by_role("status")).to_contain_text("报送已退回填报人")
    expect(yibin.get_by_test_id("returned").first).to_contain_text("缺少用地指标的数据")

    # The author is told, corrects the report; the Yibin lead accepts the correction.
    page.goto(f"{live_server.url}/notifications/")
    expect(page.locator("main")).to_contain_text("您对 KP-1 的报送被退回")
    page.goto(item_url(live_server, item))
    submit_report(page, progress=35, narrative="园区控规已报批，用地指标 1200 亩已落实")
    yibin.goto(item_url(live_server, item))
    timeline = yibin.get_by_test_id("timeline")
    expect(timeline.locator("li").first).to_contain_text("更正被退回的报送")
    timeline.locator("li").first.get_by_test_id("accept").click()
    expect(yibin.get_by_role("status")).to_contain_text("报送已通过")
    expect(yibin.get_by_test_id("timeline").locator("li").first).to_contain_text("已通过")
    expect(yibin.get_by_test_id("timeline").locator("li").nth(1)).to_contain_text("已退回")

    # 临近提醒 → 蓝色督办单: the target date is two working days away; the daily run issues
    # a blue slip to the owning coordinators.
    run = slips_run_daily()
    blue = SupervisionSlip.objects.get(item=item, colour=SlipColour.BLUE)
    assert blue.pk in run.issued
    page.goto(f"{live_server.url}/slips/{blue.pk}/")
    expect(page.get_by_test_id("slip-number")).to_contain_text("成宜督")
    expect(page.get_by_test_id("slip")).to_contain_text("KP-1")

    # 逾期 → 红色督办单 reaches a city leader (e-mail and notification list), at once.
    time_machine.move_to(local_noon(target + datetime.timedelta(days=1)), tick=True)
    slips_run_daily()
    red = SupervisionSlip.objects.get(item=item, colour=SlipColour.RED)
    reminders_dispatch_due()
    smtp.wait_for(1)
    assert any(str(m["To"]).startswith("cd_leader") for m in smtp.messages)
    leader = new_context().new_page()
    login(leader, live_server, "cd_leader", next_path="/notifications/")
    expect(leader.locator("main")).to_contain_text(red.number)

    # 反馈: the Chengdu lead answers the red slip; a supervisor accepts the feedback.
    page = new_context().new_page()
    login(page, live_server, "cd_coordinator", next_path=f"/slips/{red.pk}/")
    page.locator("#id_text").fill("已增派施工力量，预计两周内完成竣工验收")
    page.get_by_test_id("send-feedback").click()
    expect(page.locator("main")).to_contain_text("已增派施工力量")
    supervisor = new_context().new_page()
    login(supervisor, live_server, "supervisor", next_path=f"/slips/{red.pk}/")
    with supervisor.expect_navigation():
        supervisor.get_by_test_id("accept-feedback").click()
    red.refresh_from_db()
    assert red.state == "closed"

    # 办结报告: completion with a PDF; it waits for the other city (办结待确认).
    page.goto(item_url(live_server, item))
    pdf_path = tmp_path / "竣工验收报告.pdf"
    pdf_path.write_bytes(PDF)
    submit_report(
        page,
        progress=100,
        status="已完成",
        narrative="园区一期建成投运",
        pdf_path=pdf_path,
        milestones=True,
    )
    expect(page.get_by_role("status")).to_contain_text("须经另一方确认后生效")
    expect(page.get_by_test_id("pending-completion")).to_contain_text("办结待确认")
    assert CooperationItem.objects.get(pk=item.pk).status == Status.IN_PROGRESS

    yibin = new_context().new_page()
    login(yibin, live_server, "yb_coordinator", next_path="/todo/")
    # 双方确认 → 销号: the Yibin lead opens the request, downloads the evidence, confirms.
    yibin.get_by_test_id("confirmations").get_by_role("link").first.click()
    evidence = yibin.get_by_test_id("completion-evidence").get_by_role("link")
    expect(evidence).to_have_text("竣工验收报告.pdf")
    with yibin.expect_download() as download:
        evidence.click()
    assert download.value.suggested_filename == "竣工验收报告.pdf"
    yibin.get_by_test_id("confirm").click()
    expect(yibin.get_by_role("status")).to_contain_text("已确认")
    expect(yibin.get_by_test_id("completion-state")).to_have_text("已销号（双方确认）")
    page.goto(item_url(live_server, item))
    expect(page.get_by_test_id("item-title")).to_be_visible()
    expect(page.locator(".item-heading")).to_contain_text("已完成")
    request = CompletionRequest.objects.get(item=item)
    assert request.state == CompletionState.CONFIRMED
    assert request.decided_by.username == "yb_coordinator"


def test_a_shorter_path_in_english(page, live_server, login, demo_users, new_context, tmp_path):
    item = CooperationItem.objects.get(code="KP-1")
    loop_plan_all()
    login(page, live_server, "cd_coordinator", next_path=f"/items/{item.pk}/")
    switch_language(page, "en")
    page.get_by_test_id("ack-chengdu").get_by_test_id("acknowledge").click()
    expect(page.get_by_test_id("ack-chengdu")).to_contain_text("Acknowledgement received")
    pdf_path = tmp_path / "acceptance.pdf"
    pdf_path.write_bytes(PDF)
    page.get_by_test_id("report-button").click()
    page.get_by_label("Status").select_option(label="Cancelled")
    page.get_by_label("Progress (%)").fill("10")
    page.get_by_role("radio", name="Health: On track").check()  # items start not assessed
    page.get_by_label("Progress narrative").fill("Merged into KP-2")
    page.get_by_label("Evidence files").set_input_files(str(pdf_path))
    page.get_by_test_id("submit-report").click()
    expect(page.get_by_test_id("pending-completion")).to_contain_text(
        "Awaiting confirmation of completion"
    )

    supervisor = new_context().new_page()
    login(supervisor, live_server, "supervisor", next_path="/todo/")
    switch_language(supervisor, "en")
    supervisor.get_by_test_id("confirmations").get_by_role("link").first.click()
    supervisor.get_by_label("Reason for refusing").fill("Not merged yet: KP-2 has no budget line")
    supervisor.get_by_test_id("refuse").click()
    expect(supervisor.get_by_role("status")).to_contain_text("the item keeps its status")
    expect(supervisor.get_by_test_id("refusal-reason")).to_contain_text("no budget line")
    assert CooperationItem.objects.get(pk=item.pk).status != Status.CANCELLED
