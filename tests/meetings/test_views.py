"""The pages at /meetings/, the calendar feeds and the notification list.

Every view × anonymous, a reader (viewer, coordinator) and a supervisor; a refused change
changes nothing.
"""

import datetime
import logging

import pytest
from django.urls import reverse
from django.utils import translation
from icalendar import Calendar

from cooperation.choices import Category, MeetingState, ReminderKind, ReminderState
from cooperation.history import item_history
from cooperation.meetings import changes, decisions, planning
from cooperation.meetings.dispatch import reminders_dispatch_due
from cooperation.meetings.reminders import reminders_plan_all
from cooperation.models import (
    CooperationItem,
    Meeting,
    Notification,
    Organization,
    Profile,
    Reminder,
)

from .helpers import local

pytestmark = pytest.mark.django_db
NOW = local(2026, 11, 26, 10, 0)


@pytest.fixture
def calendar_world(people, time_machine, settings):
    settings.CHENGYI_STALE_DAYS = settings.CHENGYI_ESCALATION_DAYS = 10_000
    time_machine.move_to(NOW, tick=False)
    planning.meetings_plan_all()
    return {
        "next": Meeting.objects.get(mechanism__code="lead-dept-quarterly", sequence=27),
        "later": Meeting.objects.get(mechanism__code="lead-dept-quarterly", sequence=28),
    }


@pytest.fixture
def as_user(client, people):
    def sign_in(name):
        client.logout()
        if name != "anonymous":
            client.force_login(people[name])
        return client

    return sign_in


def page_urls(meeting):
    return {
        "meeting_list": reverse("cooperation:meeting_list"),
        "meeting_detail": meeting.get_absolute_url(),
        "meeting_ics": reverse("cooperation:meeting_ics", args=[meeting.pk]),
        "notification_list": reverse("cooperation:notification_list"),
    }


def change_urls(meeting):
    return {
        name: reverse(f"cooperation:{name}", args=[meeting.pk])
        for name in (
            "meeting_edit",
            "meeting_reschedule",
            "meeting_cancel",
            "meeting_minutes",
            "meeting_decision",
        )
    } | {"meeting_create": reverse("cooperation:meeting_create")}


# --- who may see and do what ------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["meeting_list", "meeting_detail", "meeting_ics", "notification_list"]
)
def test_pages_need_sign_in_and_every_signed_in_user_reads(as_user, calendar_world, name):
    url = page_urls(calendar_world["next"])[name]
    response = as_user("anonymous").get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    for person in ("viewer", "cd_coord", "cd_sup"):
        assert as_user(person).get(url).status_code == 200


@pytest.mark.parametrize(
    "name",
    [
        "meeting_create",
        "meeting_edit",
        "meeting_reschedule",
        "meeting_cancel",
        "meeting_minutes",
        "meeting_decision",
    ],
)
def test_only_supervisors_change_meetings(as_user, calendar_world, name, caplog):
    meeting = calendar_world["next"]
    url = change_urls(meeting)[name]
    before = list(Meeting.objects.values_list("pk", "starts_at", "state", "agenda", "minutes"))
    items = CooperationItem.objects.count()
    anonymous = as_user("anonymous").get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    for person in ("viewer", "cd_coord"):
        client = as_user(person)
        with caplog.at_level(logging.WARNING, logger="cooperation.security"):
            assert client.get(url).status_code == 403
            post = {"date": "2026-12-20", "time": "10:00", "reason": "x", "agenda": "x"}
            assert client.post(url, post).status_code == 403
        assert any(r.event == "permission_denied" for r in caplog.records)
    assert (
        list(Meeting.objects.values_list("pk", "starts_at", "state", "agenda", "minutes")) == before
    )
    assert CooperationItem.objects.count() == items
    assert as_user("cd_sup").get(url).status_code == 200


def test_confirm_is_a_supervisors_post(as_user, calendar_world):
    meeting = calendar_world["next"]
    url = reverse("cooperation:meeting_confirm", args=[meeting.pk])
    assert as_user("cd_coord").post(url).status_code == 403
    assert as_user("cd_sup").get(url).status_code == 405
    response = as_user("cd_sup").post(url, follow=True)
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.CONFIRMED
    assert "会商已确认" in response.content.decode()


# --- the pages --------------------------------------------------------------------------------


def test_the_meeting_list_shows_the_year_of_all_three_mechanisms_in_constant_queries(
    as_user, calendar_world, django_assert_num_queries
):
    client = as_user("viewer")
    client.get(reverse("cooperation:meeting_list"))  # warm the session and the profile
    with django_assert_num_queries(11):  # session, user, profile, 2 × mechanisms, meetings,
        # memberships, unread count, the user's and the groups' permissions (2: the "Reports"
        # menu entry is shown only to those who may view reports), the language profile; the
        # session is not saved (its last-seen time is written at most once a minute)
        response = client.get(reverse("cooperation:meeting_list"))
    html = response.content.decode()
    for code in (
        "lead-dept-quarterly",
        "supervising-leaders-semiannual",
        "principal-leaders-annual",
    ):
        assert f'data-testid="mechanism-{code}"' in html
    assert html.count("data-meeting=") == 7
    assert "第27次" in html and "2026年12月15日" in html and "2027年5月13日" in html
    assert html.count('data-flag="holiday-data-missing"') == 6  # the 2027 meetings
    # More meetings, same number of queries.
    Meeting.objects.create(
        mechanism=calendar_world["next"].mechanism,
        starts_at=local(2026, 12, 20, 9, 30),
        planned_for=datetime.date(2026, 12, 20),
        host_city="yibin",
    )
    with django_assert_num_queries(11):
        assert (
            client.get(reverse("cooperation:meeting_list")).content.decode().count("data-meeting=")
            == 8
        )


def test_the_meeting_list_filters_by_mechanism_and_speaks_english(as_user, calendar_world):
    client = as_user("viewer")
    mechanism = calendar_world["next"].mechanism
    client.cookies["django_language"] = "en"
    html = client.get(mechanism.get_absolute_url()).content.decode()
    assert html.count("data-meeting=") == 4
    assert "Quarterly consultation" in html and "No. 27" in html and "Upcoming" in html


def test_meeting_page_shows_agenda_participants_reminders_and_the_holiday_notice(
    as_user, calendar_world, smtp, time_machine, django_assert_max_num_queries
):
    meeting, later = calendar_world["next"], calendar_world["later"]
    client = as_user("cd_sup")
    client.post(
        reverse("cooperation:meeting_edit", args=[meeting.pk]),
        {"location": "成都市政府第一会议室", "agenda": "审议2027年合作要点"},
    )
    reminders_plan_all()
    reminders_dispatch_due()
    with django_assert_max_num_queries(20):
        html = client.get(meeting.get_absolute_url()).content.decode()
    assert "成都市政府第一会议室" in html and "审议2027年合作要点" in html
    assert "宜宾临港经济技术开发区" in html  # a participating organisation
    assert 'data-testid="reminders"' in html and "进展报送" in html  # the status call, sent
    assert "已发送 2" in html
    assert 'data-testid="holiday-data-missing"' not in html
    later_html = client.get(later.get_absolute_url()).content.decode()
    assert 'data-testid="holiday-data-missing"' in later_html and "2027" in later_html


# --- supervisors' changes ---------------------------------------------------------------------


def test_supervisor_creates_a_meeting_for_tomorrow_and_the_reminder_is_in_the_notifications(
    as_user, people, calendar_world, smtp
):
    client = as_user("cd_sup")
    mechanism = calendar_world["next"].mechanism
    response = client.post(
        reverse("cooperation:meeting_create"),
        {
            "mechanism": mechanism.pk,
            "date": "2026-11-27",
            "time": "14:30",
            "host_city": "chengdu",
            "location": "成都市政府第一会议室",
            "agenda": "专题会商",
        },
    )
    meeting = Meeting.objects.get(sequence=None)
    assert response.status_code == 302 and response["Location"] == meeting.get_absolute_url()
    assert meeting.manually_scheduled and meeting.state == MeetingState.CONFIRMED
    reminders_dispatch_due()  # what the next tick does
    page = client.get(reverse("cooperation:notification_list")).content.decode()
    assert "会商提醒：2026年11月27日" in page
    assert 'data-testid="unread-count">1<' in page


def test_bad_input_is_refused_with_a_clear_message_and_nothing_changes(as_user, calendar_world):
    meeting = calendar_world["next"]
    client = as_user("cd_sup")
    past = client.post(
        reverse("cooperation:meeting_reschedule", args=[meeting.pk]),
        {"date": "2026-11-01", "time": "09:30", "location": ""},
    )
    assert past.status_code == 200 and "请选择今后的时间" in past.content.decode()
    empty = client.post(reverse("cooperation:meeting_cancel", args=[meeting.pk]), {"reason": " "})
    assert "请说明取消会商的原因" in empty.content.decode()
    early = client.post(
        reverse("cooperation:meeting_minutes", args=[meeting.pk]),
        {"minutes": "纪要", "decisions": ""},
    )
    assert "会商开始后才能录入会议纪要" in early.content.decode()
    garbage = client.post(
        reverse("cooperation:meeting_reschedule", args=[meeting.pk]), {"date": "明天", "time": "x"}
    )
    assert garbage.status_code == 200 and 'data-testid="form-error"' in garbage.content.decode()
    meeting.refresh_from_db()
    assert (meeting.starts_at, meeting.state, meeting.minutes) == (
        local(2026, 12, 15, 9, 30),
        MeetingState.PLANNED,
        "",
    )


def test_reschedule_and_cancel_through_the_pages(as_user, calendar_world):
    meeting = calendar_world["next"]
    client = as_user("cd_sup")
    moved = client.post(
        reverse("cooperation:meeting_reschedule", args=[meeting.pk]),
        {"date": "2026-12-19", "time": "10:00", "location": "宜宾"},
        follow=True,
    )
    meeting.refresh_from_db()
    assert meeting.starts_at == local(2026, 12, 19, 10, 0) and meeting.revision == 1
    text = moved.content.decode()
    assert "会商已改期" in text and "周末或法定节假日" in text  # 19 Dec 2026 is a Saturday
    client.post(
        reverse("cooperation:meeting_cancel", args=[meeting.pk]), {"reason": "与半年会商合并"}
    )
    meeting.refresh_from_db()
    assert (
        meeting.state == MeetingState.CANCELLED and meeting.cancellation_reason == "与半年会商合并"
    )
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert 'data-testid="cancelled"' in page and 'data-testid="reschedule"' not in page
    history = meeting.history.order_by("history_date")
    assert [h.history_user.username for h in history][-2:] == ["cd_sup", "cd_sup"]


def test_minutes_and_a_decision_become_a_follow_up_item(as_user, calendar_world, time_machine):
    meeting = calendar_world["next"]
    time_machine.move_to(local(2026, 12, 15, 12, 0), tick=False)
    client = as_user("cd_sup")
    client.post(
        reverse("cooperation:meeting_minutes", args=[meeting.pk]),
        {"minutes": "会议听取了各事项进展汇报。", "decisions": "一、加快成宜装备制造产业园建设。"},
    )
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.HELD
    cdig, lingang = (
        Organization.objects.get(code="cdig"),
        Organization.objects.get(code="yibin-lingang-etdz"),
    )
    response = client.post(
        reverse("cooperation:meeting_decision", args=[meeting.pk]),
        {
            "title_zh": "加快成宜装备制造产业园二期建设",
            "chengdu_lead": cdig.pk,
            "yibin_lead": lingang.pk,
            "target_date": "2027-06-30",
        },
    )
    item = CooperationItem.objects.get(source_meeting=meeting)
    assert response.status_code == 302
    assert (item.code, item.category, item.chengdu_lead, item.yibin_lead, item.target_date) == (
        "CF-2026-01",
        Category.CONSULTATION_FOLLOWUP,
        cdig,
        lingang,
        datetime.date(2027, 6, 30),
    )
    assert item.history.get().history_user.username == "cd_sup"
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "CF-2026-01" in page and "加快成宜装备制造产业园二期建设" in page
    wrong_side = client.post(
        reverse("cooperation:meeting_decision", args=[meeting.pk]),
        {
            "title_zh": "另一事项",
            "chengdu_lead": lingang.pk,
            "yibin_lead": lingang.pk,
            "target_date": "2027-06-30",
        },
    )
    assert (
        wrong_side.status_code == 200
        and CooperationItem.objects.filter(source_meeting=meeting).count() == 1
    )


# --- calendar files and feeds -----------------------------------------------------------------


def check_ics(content: bytes) -> Calendar:
    """What calendar programs insist on (RFC 5545): CRLF lines of at most 75 octets, the
    calendar's VERSION and PRODID, and UID, DTSTAMP and DTSTART on every event."""
    lines = content.split(b"\r\n")
    assert lines[0] == b"BEGIN:VCALENDAR" and lines[-2] == b"END:VCALENDAR" and lines[-1] == b""
    assert all(len(line) <= 75 for line in lines)
    assert b"\n" not in content.replace(b"\r\n", b"")
    calendar = Calendar.from_ical(content)
    assert str(calendar["version"]) == "2.0" and calendar["prodid"]
    for event in calendar.walk("VEVENT"):
        assert event["uid"] and event["dtstamp"] and event["dtstart"] and event["dtend"]
    return calendar


def test_single_meeting_ics_download(as_user, calendar_world):
    meeting = calendar_world["next"]
    response = as_user("viewer").get(reverse("cooperation:meeting_ics", args=[meeting.pk]))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    (event,) = check_ics(response.content).walk("VEVENT")
    assert event.decoded("dtstart") == local(2026, 12, 15, 9, 30)
    assert str(event["summary"]) == "两地牵头部门季度会商（第27次）"
    assert str(event["status"]) == "TENTATIVE"


def test_calendar_feed_is_public_by_secret_address_and_renewable(
    client, as_user, people, calendar_world
):
    changes.meeting_cancel(meeting=calendar_world["later"], user=people["cd_sup"], reason="调整")
    token = Profile.objects.get(user=people["cd_coord"]).calendar_token
    url = reverse("cooperation:calendar_feed", args=[token])
    client.logout()
    response = client.get(url)  # a calendar program: no session
    assert response.status_code == 200
    events = check_ics(response.content).walk("VEVENT")
    # cdig takes part in the quarterly consultation only: its four meetings.
    assert [str(e["summary"]) for e in events] == [
        f"两地牵头部门季度会商（第{n}次）" for n in (27, 28, 29, 30)
    ]
    assert [str(e["status"]) for e in events] == [
        "TENTATIVE",
        "CANCELLED",
        "TENTATIVE",
        "TENTATIVE",
    ]
    assert int(events[1]["sequence"]) == 1
    supervisor_feed = client.get(
        reverse(
            "cooperation:calendar_feed",
            args=[Profile.objects.get(user=people["cd_sup"]).calendar_token],
        )
    )
    assert len(Calendar.from_ical(supervisor_feed.content).walk("VEVENT")) == 7

    assert client.get(reverse("cooperation:calendar_feed", args=["not-a-token"])).status_code == 404
    signed_in = as_user("cd_coord")
    assert signed_in.get(reverse("cooperation:calendar_token_renew")).status_code == 405
    signed_in.post(reverse("cooperation:calendar_token_renew"))
    new_token = Profile.objects.get(user=people["cd_coord"]).calendar_token
    assert new_token != token
    client.logout()
    assert client.get(url).status_code == 404
    assert client.get(reverse("cooperation:calendar_feed", args=[new_token])).status_code == 200
    page = as_user("cd_coord").get(reverse("cooperation:meeting_list")).content.decode()
    assert new_token in page


# --- notifications ----------------------------------------------------------------------------


def test_notifications_are_private_and_marked_read_by_post(as_user, people):
    mine = Notification.objects.create(user=people["cd_coord"], title="会商提醒", url="/meetings/")
    other = Notification.objects.create(user=people["yb_coord"], title="别人的通知")
    client = as_user("cd_coord")
    page = client.get(reverse("cooperation:notification_list")).content.decode()
    assert "会商提醒" in page and "别人的通知" not in page
    assert 'data-testid="unread-count">1<' in page
    assert client.get(reverse("cooperation:notification_read", args=[mine.pk])).status_code == 405
    client.post(reverse("cooperation:notification_read", args=[other.pk]))
    other.refresh_from_db()
    assert other.read_at is None  # not theirs: untouched
    opened = client.post(reverse("cooperation:notification_read", args=[mine.pk]), {"open": "1"})
    assert opened["Location"] == "/meetings/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    page = client.get(reverse("cooperation:notification_list")).content.decode()
    assert 'data-testid="unread-count"' not in page
    Notification.objects.create(user=people["cd_coord"], title="二")
    Notification.objects.create(user=people["cd_coord"], title="三")
    client.post(reverse("cooperation:notification_read_all"))
    assert not Notification.objects.filter(user=people["cd_coord"], read_at=None).exists()
    assert Notification.objects.filter(user=people["yb_coord"], read_at=None).count() == 1


def test_a_notification_link_never_leads_off_site(as_user, people):
    note = Notification.objects.create(
        user=people["cd_coord"], title="x", url="https://evil.example/"
    )
    response = as_user("cd_coord").post(
        reverse("cooperation:notification_read", args=[note.pk]), {"open": "1"}
    )
    assert response["Location"] == reverse("cooperation:notification_list")


def test_the_admin_cannot_move_or_cancel_a_meeting_behind_the_services_back(
    client, superuser, calendar_world
):
    meeting = calendar_world["next"]
    before = (meeting.starts_at, meeting.state, meeting.sequence, meeting.revision)
    pending = {r.pk: r.due_at for r in meeting.reminders.filter(state="pending")}
    client.force_login(superuser)
    url = reverse("admin:cooperation_meeting_change", args=[meeting.pk])
    form = client.get(url).content.decode()
    assert 'name="starts_at_0"' not in form and 'name="state"' not in form
    assert 'name="location"' in form

    moved = meeting.starts_at + datetime.timedelta(days=7)
    data = {
        "mechanism": meeting.mechanism_id,
        "sequence": 99,
        "starts_at_0": moved.strftime("%Y-%m-%d"),
        "starts_at_1": "09:30:00",
        "planned_for": moved.strftime("%Y-%m-%d"),
        "state": MeetingState.CANCELLED,
        "host_city": meeting.host_city,
        "location": "宜宾市政府第二会议室",
        "reminders-TOTAL_FORMS": "0",
        "reminders-INITIAL_FORMS": "0",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.location == "宜宾市政府第二会议室"  # other fields are still edited here
    assert (meeting.starts_at, meeting.state, meeting.sequence, meeting.revision) == before
    assert {r.pk: r.due_at for r in meeting.reminders.filter(state="pending")} == pending


def test_change_reasons_are_stored_in_english_and_shown_in_the_readers_language(
    calendar_world, people, time_machine
):
    meeting, later = calendar_world["next"], calendar_world["later"]
    with translation.override("zh-hans"):  # whatever language the supervisor uses
        changes.meeting_reschedule(
            meeting=later, starts_at=local(2027, 3, 16, 9, 30), user=people["cd_sup"]
        )
        changes.meeting_cancel(meeting=later, user=people["cd_sup"], reason="合并召开")
        time_machine.move_to(local(2026, 12, 15, 12, 0), tick=False)
        meeting = changes.meeting_minutes_record(
            meeting=meeting, user=people["cd_sup"], minutes="纪要", decisions="决定"
        )
        item = decisions.meeting_decision_item_create(
            meeting=meeting,
            user=people["cd_sup"],
            title_zh="加快成宜装备制造产业园二期建设",
            chengdu_lead=Organization.objects.get(code="cdig"),
            yibin_lead=Organization.objects.get(code="yibin-lingang-etdz"),
            target_date=datetime.date(2027, 6, 30),
        )
    stored = list(
        later.history.order_by("history_id").values_list("history_change_reason", flat=True)
    )
    assert stored == [
        "Planned from the recurrence rule",
        "Meeting moved to a new time",
        "Meeting cancelled by a supervisor",
    ]
    assert meeting.history.latest().history_change_reason == "Minutes and decisions recorded"

    # Shown in the reader's language, and not as the reminder kinds' labels.
    with translation.override("zh-hans"):
        shown = [translation.gettext(reason) for reason in stored]
        assert shown[1] != ReminderKind.MEETING_RESCHEDULED.label
        assert shown[2] != ReminderKind.MEETING_CANCELLED.label
        assert all(reason != text for reason, text in zip(stored, shown, strict=True))
        assert item_history(item)[0].reason == "会商议定事项"
    with translation.override("en"):
        assert item_history(item)[0].reason == "Decided at a consultation meeting"


def test_send_errors_are_shown_to_supervisors_and_a_plain_state_to_everyone_else(
    as_user, calendar_world
):
    meeting = calendar_world["next"]
    reminders_plan_all()
    first, second = meeting.reminders.order_by("pk")[:2]
    refused = "e-mail: SMTPRecipientsRefused: {'yb_coord@example.com': (550, b'No such user')}"
    Reminder.objects.filter(pk=first.pk).update(
        state=ReminderState.FAILED, attempts=5, last_error=refused
    )
    Reminder.objects.filter(pk=second.pk).update(
        attempts=1, last_error="e-mail: ConnectionRefusedError: [Errno 111]"
    )

    for reader in ("viewer", "cd_coord"):
        html = as_user(reader).get(meeting.get_absolute_url()).content.decode()
        assert "example.com" not in html and "ConnectionRefusedError" not in html
        assert "发送失败</div>" in html and "发送失败，将自动重试" in html
    english = as_user("viewer")
    english.cookies["django_language"] = "en"
    html = english.get(meeting.get_absolute_url()).content.decode()
    assert "Sending failed; it will be tried again" in html and "SMTP" not in html

    supervisor = as_user("cd_sup").get(meeting.get_absolute_url()).content.decode()
    assert "yb_coord@example.com" in supervisor and "ConnectionRefusedError" in supervisor
