"""催办: one digest a day per person, only with something to do, through the outbox and a
real SMTP server; preferences decide what comes at once."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cooperation.choices import NoticeKind, ReminderKind, ReminderState
from cooperation.meetings.dispatch import reminders_dispatch_due
from cooperation.models import (
    Acknowledgement,
    Notification,
    NotificationPreference,
    Profile,
    Reminder,
)
from cooperation.workflow.assignments import acknowledgement_acknowledge
from cooperation.workflow.comments import comment_add
from cooperation.workflow.digest import digests_plan, todo_for
from cooperation.workflow.preferences import preference_update
from cooperation.workflow.reviews import report_review
from tests.meetings.servers import MailRecorder

from .conftest import report


@pytest.fixture
def smtp(settings):
    server = MailRecorder().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()


def today_at(hour, minute=0, days=0):
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def recipients(server):
    return sorted(str(m["To"]).split("@")[0] for m in server.messages)


def test_one_digest_a_day_only_for_people_with_something_to_do(loop, smtp, time_machine):
    report(loop)  # a report waiting for yb_lead's and the supervisor's review
    assert digests_plan(now=today_at(8, 0)) == 0  # before the digest time (08:30)
    time_machine.move_to(today_at(9, 0))
    created = digests_plan()
    digests = Reminder.objects.filter(kind=ReminderKind.DIGEST)
    assert {r.recipient.username for r in digests} == {"cd_owner", "yb_lead", "boss"}
    assert created == 3  # not the viewer, not the coordinator with nothing to do
    assert digests_plan(now=today_at(17, 0)) == 0  # at most one a day
    assert reminders_dispatch_due().sent == 3
    smtp.wait_for(3)
    assert recipients(smtp) == ["boss", "cd_owner", "yb_lead"]
    mail = next(m for m in smtp.messages if str(m["To"]).startswith("yb_lead"))
    text = mail.get_body(("plain",)).get_content()
    assert "待办汇总" in mail["Subject"] and "KP-1" in text
    assert "签收" in text and "待审核" in text


def test_the_digest_is_in_the_readers_language_and_skipped_when_nothing_is_left(
    loop, smtp, time_machine
):
    Profile.objects.filter(user=loop.users["yb_lead"]).update(language="en")
    update = report(loop)
    time_machine.move_to(today_at(9, 0))
    digests_plan()
    # Before the send, yb_lead does everything: acknowledges and reviews.
    acknowledgement_acknowledge(
        acknowledgement=Acknowledgement.objects.get(item=loop.item, city="yibin"),
        user=loop.users["yb_lead"],
    )
    report_review(update=update, user=loop.users["yb_lead"], accept=True)
    reminders_dispatch_due()
    row = Reminder.objects.get(kind=ReminderKind.DIGEST, recipient=loop.users["yb_lead"])
    assert row.state == ReminderState.CANCELLED
    assert "yb_lead" not in recipients(smtp)
    # The next day, something new: the digest comes, in English.
    report(loop, progress=45)
    time_machine.move_to(today_at(9, 0, days=1))
    digests_plan()
    reminders_dispatch_due()
    smtp.wait_for(1)
    english = [m for m in smtp.messages if str(m["To"]).startswith("yb_lead")]
    assert english and english[0]["Subject"].startswith("Your to-do list")


def test_defaults_keep_loop_notices_in_app_and_chosen_kinds_come_at_once(loop, smtp):
    update = report(loop)
    report_review(update=update, user=loop.users["yb_lead"], accept=False, reason="缺数据")
    # Default: a returned report is in the notification list, not an e-mail of its own.
    assert Notification.objects.filter(user=loop.users["owner"], title__contains="退回").exists()
    assert not Reminder.objects.filter(kind=ReminderKind.LOOP_NOTICE).exists()
    # Mentions at once, by e-mail, for yb_lead who asked for it.
    preference_update(
        user=loop.users["yb_lead"],
        by_email=True,
        in_app=True,
        by_chat=False,
        digest_time=datetime.time(7, 0),
        immediate_kinds=[NoticeKind.MEETING, NoticeKind.MENTION],
    )
    comment_add(item=loop.item, user=loop.users["owner"], body="@yb_lead 请看一下补充材料")
    assert reminders_dispatch_due().sent == 1
    smtp.wait_for(1)
    (mail,) = smtp.messages
    assert str(mail["To"]).startswith("yb_lead") and "提及" in mail["Subject"]
    # Its in-app copy came with it (one, not two).
    assert (
        Notification.objects.filter(user=loop.users["yb_lead"], title__contains="提及").count() == 1
    )


def test_preferences_page_saves_and_validates(loop, loop_client):
    client = loop_client("other")
    url = reverse("cooperation:notification_preferences")
    page = client.get(url).content.decode()
    assert "每日催办时间" in page
    response = client.post(url, {"by_email": "on", "digest_time": "25:00"})
    assert response.status_code == 200  # a bad time: the form again, nothing saved
    assert not NotificationPreference.objects.filter(user=loop.users["other"]).exists()
    response = client.post(
        url, {"in_app": "on", "digest_time": "07:15", "immediate_kinds": ["slip_red", "mention"]}
    )
    assert response.status_code == 302
    saved = loop.users["other"].__class__.objects.get(pk=loop.users["other"].pk)
    preference = saved.notification_preference
    assert (preference.by_email, preference.digest_time) == (False, datetime.time(7, 15))
    assert preference.immediate_kinds == ["mention", "slip_red"]
    assert preference.history.first().history_user == loop.users["other"]


def test_by_default_stale_items_come_in_the_digest_not_one_mail_each(loop, time_machine):
    from cooperation.meetings.reminders import stale_nudges_plan

    time_machine.move_to(today_at(9, 0, days=120))  # every fixture item is stale by then
    assert stale_nudges_plan(now=timezone.now()) == 0
    assert not Reminder.objects.filter(kind=ReminderKind.STALE_ITEM).exists()
    assert digests_plan() >= 1
    owner = loop.users["owner"]
    assert Reminder.objects.filter(kind=ReminderKind.DIGEST, recipient=owner).count() == 1
    due = {item.code for item in todo_for(owner).reports_due}
    assert "KP-1" in due and len(due) > 1  # cdig's items, listed in one digest
