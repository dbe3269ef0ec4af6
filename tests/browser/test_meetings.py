"""The consultation calendar in a real browser: a supervisor sets a meeting for tomorrow,
the reminder reaches the notification list, the calendar file downloads; no console errors
(a CSP violation would be one)."""

import datetime
import re

import pytest
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect

from cooperation.meetings import planning
from cooperation.meetings.dispatch import reminders_dispatch_due
from cooperation.models import Meeting
from tests.browser.conftest import switch_language

pytestmark = pytest.mark.django_db(transaction=True)


def test_supervisor_sets_a_meeting_for_tomorrow_and_its_reminder_arrives(
    page, live_server, login, demo_users, new_context, settings
):
    settings.CHENGYI_SITE_URL = live_server.url
    planning.meetings_plan_all()
    login(page, live_server, "supervisor", next_path="/meetings/")
    expect(page.get_by_role("heading", name="会商日程", exact=True)).to_be_visible()
    expect(page.locator("tr[data-meeting]")).to_have_count(Meeting.objects.count())

    page.get_by_test_id("new-meeting").click()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    page.get_by_label("会商机制").select_option(label="市主要领导年度联席会议")
    page.get_by_label("日期").fill(tomorrow.isoformat())
    page.get_by_label("时间").fill("15:00")
    page.get_by_label("承办城市").select_option(label="宜宾")
    page.get_by_label("地点").fill("宜宾市政府第二会议室")
    page.get_by_test_id("submit").click()
    expect(page.get_by_role("status").first).to_contain_text("会商已创建")
    expect(page.get_by_test_id("meeting-title")).to_have_text("市主要领导年度联席会议（临时会商）")

    assert reminders_dispatch_due().sent == 2  # the worker's next tick: supervisor and leader
    page.reload()
    expect(page.get_by_test_id("unread-count")).to_contain_text("1")
    expect(page.get_by_test_id("reminders")).to_contain_text("已发送 2")

    with page.expect_download() as download:
        page.get_by_test_id("ics-download").click()
    with open(download.value.path(), "rb") as ics:
        event = Calendar.from_ical(ics.read()).walk("VEVENT")[0]
    assert event.decoded("dtstart").astimezone(timezone.get_current_timezone()).date() == tomorrow
    assert str(event["location"]) == "宜宾市政府第二会议室"

    # The navigation's "通知 N 未读", not the meeting page's "会议通知（Word）".
    page.get_by_role("link", name=re.compile(r"^通知")).click()
    notice = page.get_by_test_id("notifications").locator("li").first
    expect(notice).to_contain_text("会商提醒")
    notice.get_by_role("button", name="查看").click()
    expect(page).to_have_url(re.compile(r"/meetings/\d+/$"))
    expect(page.get_by_test_id("unread-count")).to_have_count(0)

    # The leader reads the same meeting, has the same reminder, and may change nothing.
    leader = new_context().new_page()
    login(leader, live_server, "leader", next_path=page.url.replace(live_server.url, ""))
    expect(leader.get_by_test_id("meeting-title")).to_be_visible()
    expect(leader.get_by_test_id("reschedule")).to_have_count(0)
    expect(leader.get_by_test_id("unread-count")).to_contain_text("1")


def test_meeting_pages_in_english(page, live_server, login, demo_users):
    planning.meetings_plan_all()
    login(page, live_server, "leader", next_path="/meetings/")
    switch_language(page, "en")
    expect(page.get_by_role("heading", name="Consultation meetings")).to_be_visible()
    page.get_by_role("link", name="No. 27").click()
    expect(page.get_by_test_id("meeting-title")).to_contain_text("Quarterly consultation")
    expect(page.get_by_role("heading", name="Participants")).to_be_visible()
