"""Delivery through a real SMTP server and a real HTTP webhook on loopback."""

import datetime
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import RequestFactory
from icalendar import Calendar

from cooperation.choices import ReminderKind, ReminderState
from cooperation.context_processors import navigation
from cooperation.meetings import changes, outbox
from cooperation.meetings.dispatch import reminders_dispatch_due
from cooperation.models import Notification, Profile, Reminder

from .helpers import local

pytestmark = pytest.mark.django_db
NOW = local(2026, 11, 26, 10, 0)
TOMORROW = local(2026, 11, 27, 14, 30)


@pytest.fixture
def meeting(people, half_yearly, time_machine, settings):
    settings.CHENGYI_STALE_DAYS = settings.CHENGYI_ESCALATION_DAYS = 10_000
    time_machine.move_to(NOW, tick=False)
    return changes.meeting_create(
        mechanism=half_yearly,
        starts_at=TOMORROW,
        host_city="chengdu",
        location="成都市政府第一会议室",
        agenda="1. 2026年合作项目推进情况\n2. 2027年工作计划",
        user=people["cd_sup"],
    )


def by_recipient(messages):
    return {str(m["To"]).split("@")[0]: m for m in messages}


def test_email_has_text_html_and_calendar_parts_in_the_recipients_language(meeting, people, smtp):
    Profile.objects.filter(user=people["yb_sup"]).update(language="en")
    assert reminders_dispatch_due().sent == 3
    mails = by_recipient(smtp.wait_for(3) and smtp.messages)
    assert set(mails) == {"cd_sup", "yb_sup", "viewer"}

    chinese = mails["cd_sup"]
    assert chinese["Subject"].strip() == "会商提醒：2026年11月27日 市分管领导半年会商（临时会商）"
    text = chinese.get_body(("plain",)).get_content()
    html = chinese.get_body(("html",)).get_content()
    assert "明天" in text and "2026年11月27日（星期五）14:30" in text
    assert "成都市政府第一会议室" in text and "2027年工作计划" in text
    assert '<html lang="zh-hans">' in html and "打开会商页面" in html
    assert f"/meetings/{meeting.pk}/" in html
    # The Message-ID's domain is the site's host (CHENGYI_SITE_URL).
    host = urlsplit(settings.CHENGYI_SITE_URL).hostname
    assert chinese["Message-ID"] == f"<meeting.{meeting.pk}.d3.u{people['cd_sup'].pk}@{host}>"

    english = mails["yb_sup"]
    assert english["Subject"].strip().startswith("Reminder: Half-yearly consultation")
    english_text = english.get_body(("plain",)).get_content()
    assert "takes place tomorrow" in english_text and "Friday" in english_text

    for message in (chinese, english):
        (attachment,) = list(message.iter_attachments())
        assert attachment.get_content_type() == "application/ics"  # and a text/calendar part
        event = Calendar.from_ical(attachment.get_content()).walk("VEVENT")[0]
        assert event.decoded("dtstart") == TOMORROW
        assert event.decoded("dtend") == TOMORROW + datetime.timedelta(minutes=150)
        assert str(event["uid"]).startswith(f"meeting-{meeting.pk}@")
        assert str(event["location"]) == "成都市政府第一会议室"
    (english_ics,) = list(english.iter_attachments())
    summary = Calendar.from_ical(english_ics.get_content()).walk("VEVENT")[0]["summary"]
    assert str(summary).startswith("Half-yearly")

    # The same message waits in each person's notification list, unread.
    request = RequestFactory().get("/")
    request.user = people["viewer"]
    assert navigation(request)["unread_notifications"] == 1
    note = Notification.objects.get(user=people["viewer"])
    assert note.url == f"/meetings/{meeting.pk}/" and note.read_at is None


def test_mail_server_down_is_retried_with_backoff_and_then_marked_failed(
    meeting, smtp_down, settings, time_machine, client, superuser
):
    settings.CHENGYI_REMINDER_MAX_ATTEMPTS = 3
    assert reminders_dispatch_due().retried == 3
    rows = Reminder.objects.filter(meeting=meeting, due_at__lte=NOW)  # the caught-up ones
    assert {(r.state, r.attempts) for r in rows} == {(ReminderState.PENDING, 1)}
    assert all("ConnectionRefusedError" in r.last_error for r in rows)
    assert {r.next_attempt_at for r in rows} == {NOW + datetime.timedelta(seconds=60)}

    time_machine.move_to(NOW + datetime.timedelta(seconds=59), tick=False)
    assert reminders_dispatch_due().retried == 0  # not yet: backing off
    time_machine.move_to(NOW + datetime.timedelta(seconds=60), tick=False)
    assert reminders_dispatch_due().retried == 3
    assert {r.next_attempt_at for r in rows.all()} == {NOW + datetime.timedelta(seconds=180)}
    time_machine.move_to(NOW + datetime.timedelta(seconds=180), tick=False)
    assert reminders_dispatch_due().failed == 3
    assert {(r.state, r.attempts) for r in rows.all()} == {(ReminderState.FAILED, 3)}
    time_machine.move_to(NOW + datetime.timedelta(hours=1), tick=False)
    assert reminders_dispatch_due().failed == 0  # given up: no fourth attempt

    # Nothing silently lost: the in-app copy is there (once), the error is in the admin.
    assert Notification.objects.filter(reminder__meeting=meeting).count() == 3
    client.force_login(superuser)
    page = client.get("/admin/cooperation/reminder/?state__exact=failed")
    assert page.status_code == 200
    assert page.content.decode().count("ConnectionRefusedError") >= 3
    history = rows.first().history.order_by("history_date")
    assert [h.history_change_reason for h in history] == [
        "Meeting reminder planned",
        "Failed, will retry",
        "Failed, will retry",
        "Failed, gave up",
    ]


def test_a_broken_reminder_is_recorded_as_failed_and_the_rest_of_the_batch_goes_out(
    meeting, people, smtp, settings, caplog, time_machine
):
    # A rescheduled notice whose context lost its old start time, due before the others.
    broken = Reminder.objects.create(
        key="broken-notice",
        kind=ReminderKind.MEETING_RESCHEDULED,
        meeting=meeting,
        recipient=people["viewer"],
        due_at=NOW - datetime.timedelta(hours=1),
        context={"revision": meeting.revision},
    )
    settings.CHENGYI_REMINDER_MAX_ATTEMPTS = 2
    result = reminders_dispatch_due()
    assert (result.sent, result.retried) == (3, 1)
    assert len(smtp.wait_for(3)) == 3
    broken.refresh_from_db()
    assert broken.state == ReminderState.PENDING and broken.attempts == 1
    assert broken.last_error == "KeyError: 'old_start'"
    assert broken.next_attempt_at == NOW + datetime.timedelta(seconds=60)
    assert any(r.getMessage().startswith("reminder could not be") for r in caplog.records)

    # Retried after the backoff, then given up on: never stuck in "sending".
    time_machine.move_to(NOW + datetime.timedelta(minutes=1), tick=False)
    assert reminders_dispatch_due().failed == 1
    broken.refresh_from_db()
    assert (broken.state, broken.attempts) == (ReminderState.FAILED, 2)
    assert len(smtp.messages) == 3


def test_a_failed_reminder_sent_again_from_the_admin_is_delivered_once(
    meeting, smtp_down, settings, mailserver, superuser, time_machine
):
    settings.CHENGYI_REMINDER_MAX_ATTEMPTS = 1
    assert reminders_dispatch_due().failed == 3
    settings.EMAIL_PORT = mailserver.port  # the mail server is back
    assert outbox.reminders_retry(Reminder.objects.all(), user=superuser) == 3
    time_machine.move_to(NOW + datetime.timedelta(minutes=5), tick=False)
    assert reminders_dispatch_due().sent == 3
    assert reminders_dispatch_due().sent == 0
    assert len(mailserver.wait_for(3)) == 3
    assert sorted(set(mailserver.keys())) == sorted(mailserver.keys())


def test_mail_server_back_before_the_last_attempt_delivers_once(
    meeting, smtp_down, settings, mailserver, time_machine
):
    reminders_dispatch_due()
    settings.EMAIL_PORT = mailserver.port
    time_machine.move_to(NOW + datetime.timedelta(minutes=1), tick=False)
    assert reminders_dispatch_due().sent == 3
    due = Reminder.objects.filter(due_at__lte=NOW)
    assert {(r.state, r.attempts, r.last_error) for r in due} == {(ReminderState.SENT, 2, "")}
    assert len(mailserver.wait_for(3)) == 3


def test_webhook_gets_one_json_post_per_reminder(people, half_yearly, webhook, smtp, time_machine):
    time_machine.move_to(NOW, tick=False)
    meeting = changes.meeting_create(
        mechanism=half_yearly, starts_at=TOMORROW, host_city="yibin", user=people["yb_sup"]
    )
    assert reminders_dispatch_due().sent == 4  # three people and the chat robot
    (post,) = webhook.posts
    assert post["msgtype"] == "text"
    assert "市分管领导半年会商" in post["text"]["content"]
    assert post["chengyi"]["key"] == f"meeting:{meeting.pk}:d3:webhook"
    assert webhook.headers[0]["Idempotency-Key"] == post["chengyi"]["key"]
    assert reminders_dispatch_due().sent == 0


@pytest.mark.parametrize(
    ("status", "answer", "error"),
    [(500, {}, "HTTP Error 500"), (200, {"errcode": 93000, "errmsg": "invalid"}, "refused")],
)
def test_webhook_refusal_is_retried(
    people, half_yearly, webhook, smtp, time_machine, status, answer, error
):
    webhook.status, webhook.answer = status, answer
    time_machine.move_to(NOW, tick=False)
    changes.meeting_create(
        mechanism=half_yearly, starts_at=TOMORROW, host_city="yibin", user=people["yb_sup"]
    )
    reminders_dispatch_due()
    row = Reminder.objects.get(channel="webhook", due_at__lte=NOW)
    assert (row.state, row.attempts) == (ReminderState.PENDING, 1)
    assert error in row.last_error
    webhook.status, webhook.answer = 200, {"errcode": 0}
    time_machine.move_to(NOW + datetime.timedelta(minutes=1), tick=False)
    reminders_dispatch_due()
    row.refresh_from_db()
    assert row.state == ReminderState.SENT and len(webhook.posts) == 1


def test_without_a_webhook_url_no_webhook_rows_are_planned(meeting):
    assert not Reminder.objects.filter(channel="webhook").exists()
