"""Both languages all the way (issue 15): times in English without "a.m..", the stale-form
message without nested brackets, the system user named per language, django-axes' admin in
Chinese, a 403 page that says what it refused, the meeting page's caught-up reminders and its
calendar button, and the admin's favicon."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Permission
from django.utils import translation

from cooperation.choices import ReminderKind, ReminderState, Role
from cooperation.models import CooperationItem, Meeting, Reminder
from cooperation.services import StaleFormError, system_user, tracked_save
from cooperation.views.items import stale_message

pytestmark = pytest.mark.django_db


def page(client, url: str, language: str, status: int = 200) -> str:
    client.cookies["django_language"] = language
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


@pytest.fixture
def coordinator(agreement, make_user):
    return make_user("cd_coord", org="cdig", role=Role.COORDINATOR)


def test_english_times_are_24_hour_beijing_time_without_a_double_full_stop(
    coordinator, client, time_machine
):
    time_machine.move_to(datetime.datetime(2026, 12, 4, 21, 27, tzinfo=datetime.UTC))
    client.force_login(coordinator)
    english = page(client, "/", "en")
    assert "Figures as at Dec. 5, 2026, 05:27." in english
    assert "a.m." not in english and "p.m." not in english
    assert "2026年12月5日" in page(client, "/", "zh-hans")


def test_the_stale_form_message_has_no_brackets_within_brackets(agreement):
    error = StaleFormError(
        changed_by="张明",
        changed_at=datetime.datetime(2026, 12, 4, 21, 27, tzinfo=datetime.UTC),
        fields=["progress", "health"],
    )
    with translation.override("en"):
        text = stale_message(error)
    assert "at Dec. 5, 2026, 05:27 after you opened the form; changed: progress (%)" in text
    assert "(progress (%)" not in text and "a.m." not in text
    with translation.override("zh-hans"):
        chinese = stale_message(error)
    assert "修改的字段：" in chinese and "（进度（%）" not in chinese


def test_the_system_user_is_named_in_the_readers_language(coordinator, client):
    item = CooperationItem.objects.get(code="KP-1")
    tracked_save(item, user=system_user(), reason="test", fields={"progress": 7})
    client.force_login(coordinator)
    url = f"/items/{item.pk}/history/"
    assert "成宜系统（自动）" in page(client, url, "zh-hans")
    english = page(client, url, "en")
    assert "Chengyi Tracker (system)" in english
    assert "System 成宜" not in english and "成宜" not in english.split("</header>")[1]


def test_django_axes_admin_section_is_in_chinese(superuser, client):
    AccessAttempt.objects.create(
        username="someone",
        ip_address="10.0.0.1",
        user_agent="walk",
        http_accept="*/*",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=3,
    )
    client.force_login(superuser)
    index = page(client, "/admin/", "zh-hans")
    assert "登录防护（django-axes）" in index and "登录尝试" in index
    attempts = page(client, "/admin/axes/accessattempt/", "zh-hans")
    assert "IP 地址" in attempts and "浏览器标识" in attempts
    assert "Sign-in protection (django-axes)" in page(client, "/admin/", "en")
    # The admin has the site's favicon too.
    assert 'rel="icon" href="/static/img/favicon.svg"' in index


def test_the_403_page_says_what_was_refused(coordinator, make_user, client):
    client.force_login(coordinator)
    reports = page(client, "/reports/", "en", status=403)
    assert "Reports, briefing packs and exports are open to leaders" in reports
    assert "does not own this item" not in reports
    assert "报表、会商材料和导出仅向" in page(client, "/reports/", "zh-hans", status=403)
    meeting = Meeting.objects.create(
        mechanism_id=1,
        starts_at=datetime.datetime(2027, 3, 1, 1, 30, tzinfo=datetime.UTC),
        planned_for=datetime.date(2027, 3, 1),
        host_city="chengdu",
    )
    briefing = page(client, f"/meetings/{meeting.pk}/briefing/", "en", status=403)
    assert "Reports, briefing packs and exports" in briefing
    other = CooperationItem.objects.get(code="SP-1")  # owned by other organisations
    item = page(client, f"/items/{other.pk}/update/", "en", status=403)
    assert "Your organisation does not own this item" in item
    assert "本事项不属于您的单位" in page(client, f"/items/{other.pk}/update/", "zh-hans", 403)
    assert "Only supervisors can change meetings." in page(client, "/meetings/new/", "en", 403)


def test_the_meeting_page_shows_when_a_caught_up_reminder_went_out(coordinator, client):
    leader = coordinator
    leader.user_permissions.add(Permission.objects.get(codename="view_reports"))
    start = datetime.datetime(2027, 3, 1, 1, 30, tzinfo=datetime.UTC)
    meeting = Meeting.objects.create(
        mechanism_id=1, starts_at=start, planned_for=start.date(), host_city="chengdu"
    )
    planned = start - datetime.timedelta(days=14)
    sent = start - datetime.timedelta(days=2, hours=3)  # set at short notice: caught up
    Reminder.objects.create(
        key="caught-up",
        kind=ReminderKind.MEETING,
        meeting=meeting,
        recipient=coordinator,
        due_at=planned,
        state=ReminderState.SENT,
        sent_at=sent,
    )
    client.force_login(coordinator)
    english = page(client, meeting.get_absolute_url(), "en")
    assert 'data-testid="sent-late">sent Feb. 27, 2027 06:30' in english
    assert "实际发送于 2027年2月27日 06:30" in page(client, meeting.get_absolute_url(), "zh-hans")
    # The calendar button is a live one: the primary outline, not the greyed secondary.
    assert 'class="btn btn-outline-primary" href="/meetings/' in english
    assert 'data-testid="ics-download"' in english
