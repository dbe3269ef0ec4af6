"""The dispatcher works in batches: one claim, one SMTP connection and few commits for many
reminders, with each row's outcome still its own (a real aiosmtpd server on loopback, the
real Redis broker for the fan-out).
"""

import datetime
import json
import re
import socket
import threading
import time

import pytest
import redis
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.mail import EmailMultiAlternatives
from django.utils import translation
from django.utils.html import escape

from cooperation.choices import ReminderKind, ReminderState
from cooperation.meetings import delivery
from cooperation.meetings.dispatch import reminders_dispatch_due
from cooperation.meetings.messages import compose, language_of
from cooperation.models import Meeting, Notification, Reminder
from cooperation.tasks import dispatch_due_reminders
from tracker.celery import app

from .helpers import local

pytestmark = pytest.mark.django_db
NOW = local(2026, 11, 26, 10, 0)
COUNT = 30
NAMES = [("三", "张"), ("O'Brien & <Co>", "Ltd"), ("", "")]  # the last: username as greeting


@pytest.fixture
def crowd(agreement, quarterly, time_machine, settings):
    """COUNT people, each with a meeting reminder due a minute ago, of one meeting."""
    settings.CHENGYI_STALE_DAYS = settings.CHENGYI_ESCALATION_DAYS = 10_000
    time_machine.move_to(NOW, tick=False)
    meeting = Meeting.objects.create(
        mechanism=quarterly,
        starts_at=NOW + datetime.timedelta(days=2),
        planned_for=(NOW + datetime.timedelta(days=2)).date(),
        host_city="chengdu",
        location="成都市政府第一会议室",
    )
    User = get_user_model()
    password = make_password(None)
    User.objects.bulk_create(
        User(
            username=f"crowd{i:03}",
            email=f"crowd{i:03}@example.com",
            password=password,
            first_name=NAMES[i % 3][0],
            last_name=NAMES[i % 3][1],
        )
        for i in range(COUNT)
    )
    people = list(User.objects.filter(username__startswith="crowd").order_by("username"))
    Reminder.objects.bulk_create(
        Reminder(
            key=f"meeting:{meeting.pk}:d2:u{person.pk}",
            kind=ReminderKind.MEETING,
            meeting=meeting,
            recipient=person,
            due_at=NOW - datetime.timedelta(minutes=1),
            context={"offset_days": 2},
        )
        for person in people
    )
    return people


def reasons(reminder) -> list[str]:
    history = reminder.history.order_by("history_date", "history_id")
    return list(history.values_list("history_change_reason", flat=True))


@pytest.mark.parametrize(("claim", "connections"), [(50, 1), (10, 3)])
def test_a_batch_goes_out_over_one_smtp_connection(crowd, smtp, settings, claim, connections):
    settings.CHENGYI_DISPATCH_CLAIM = claim
    result = reminders_dispatch_due()
    assert (result.sent, result.retried, result.failed) == (COUNT, 0, 0)
    keys = smtp.wait_for(COUNT)
    assert sorted(keys) == sorted(Reminder.objects.values_list("key", flat=True))
    assert smtp.connections() == connections
    # Each row: sent once, attempt 1, its history row, its in-app copy.
    rows = Reminder.objects.all()
    assert {(r.state, r.attempts, r.sent_at) for r in rows} == {(ReminderState.SENT, 1, NOW)}
    assert {tuple(reasons(r)) for r in rows} == {("Sent",)}
    assert Notification.objects.filter(reminder__in=rows).count() == COUNT
    # Each person is greeted by name (rendered once per batch, the name put in per person).
    for message in smtp.messages:
        person = next(p for p in crowd if p.email == str(message["To"]))
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        name = person.get_full_name() or person.username
        assert f"{name}，您好" in text
        assert f"{escape(name)}，您好" in html
        assert "\x00" not in text + html


def test_a_refused_recipient_fails_alone_and_the_batch_goes_on(crowd, smtp, settings, time_machine):
    settings.CHENGYI_DISPATCH_CLAIM = 50
    refused = crowd[7]
    smtp.refuse = {refused.email}
    result = reminders_dispatch_due()
    assert (result.sent, result.retried) == (COUNT - 1, 1)
    assert len(smtp.wait_for(COUNT - 1)) == COUNT - 1
    assert smtp.connections() == 2  # dropped after the refusal, a new one for the rest
    row = Reminder.objects.get(recipient=refused)
    assert (row.state, row.attempts) == (ReminderState.PENDING, 1)
    assert "SMTPRecipientsRefused" in row.last_error and "550" in row.last_error
    assert row.next_attempt_at == NOW + datetime.timedelta(seconds=60)
    assert reasons(row) == ["Failed, will retry"]
    assert Notification.objects.filter(reminder=row).exists()  # the in-app copy is there
    others = Reminder.objects.exclude(pk=row.pk)
    assert set(others.values_list("state", flat=True)) == {ReminderState.SENT}

    smtp.refuse = set()
    assert reminders_dispatch_due().sent == 0  # backing off
    time_machine.move_to(NOW + datetime.timedelta(seconds=60), tick=False)
    assert reminders_dispatch_due().sent == 1
    keys = smtp.keys()
    assert len(keys) == COUNT == len(set(keys))
    assert Notification.objects.filter(reminder=row).count() == 1


def test_a_server_that_does_not_answer_fails_the_batch_at_once(crowd, settings):
    """A server that takes the connection and never greets: the first message waits
    EMAIL_TIMEOUT, the rest of the batch fails with the same error straight away."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(50)  # connections are queued, never accepted: no greeting ever comes
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = silent.getsockname()
    settings.EMAIL_TIMEOUT = 1
    settings.CHENGYI_DISPATCH_CLAIM = 50
    try:
        began = time.monotonic()
        result = reminders_dispatch_due()
        elapsed = time.monotonic() - began
    finally:
        silent.close()
    assert result.retried == COUNT
    assert elapsed < 5, elapsed  # not COUNT × EMAIL_TIMEOUT
    errors = set(Reminder.objects.values_list("last_error", flat=True))
    assert len(errors) == 1 and "timed out" in errors.pop()
    assert set(Reminder.objects.values_list("state", "attempts")) == {(ReminderState.PENDING, 1)}


def test_nothing_is_started_past_half_the_lease(crowd, smtp, settings):
    """The server sits on the first message for longer than half the lease: the batch sends
    nothing more; the rest is released (the attempt not counted) and the next claim sends it."""
    settings.CHENGYI_REMINDER_LEASE_SECONDS = 2
    settings.CHENGYI_DISPATCH_CLAIM = 50
    smtp.hold_next()
    threading.Timer(1.5, smtp.release).start()  # then answers 451 and keeps nothing
    result = reminders_dispatch_due()
    assert (result.sent, result.retried) == (COUNT - 1, 1)
    held = Reminder.objects.order_by("due_at", "pk").first()
    assert (held.state, held.attempts) == (ReminderState.PENDING, 1)
    assert "451" in held.last_error
    rest = Reminder.objects.exclude(pk=held.pk)
    assert set(rest.values_list("state", "attempts")) == {(ReminderState.SENT, 1)}
    assert smtp.connections() == 1  # the first batch's connection kept nothing
    assert len(set(smtp.keys())) == COUNT - 1


def test_a_second_reminder_of_the_same_meeting_in_one_batch_waits_for_the_first(
    crowd, smtp, settings
):
    # A caught-up reminder and the regular one, due together, to the same person.
    person = crowd[0]
    first = Reminder.objects.get(recipient=person)
    second = Reminder.objects.create(
        key=f"{first.key}:regular",
        kind=ReminderKind.MEETING,
        meeting=first.meeting,
        recipient=person,
        due_at=first.due_at,
        context={"offset_days": 1},
    )
    result = reminders_dispatch_due()
    assert (result.sent, result.cancelled) == (COUNT, 1)
    second.refresh_from_db()
    assert second.state == ReminderState.CANCELLED
    assert "less than 20 hours ago" in second.last_error
    assert second.attempts == 1  # held back once (not counted), then claimed and dropped
    keys = smtp.wait_for(COUNT)
    assert keys.count(first.key) == 1 and second.key not in keys


def test_the_bytes_are_those_django_writes(crowd):
    """ReminderEmail writes short headers and draws boundaries itself: the message must be
    byte for byte what Django's EmailMultiAlternatives writes (but for the boundaries)."""
    batch = delivery.Renderings()
    for reminder in Reminder.objects.select_related("recipient", "meeting__mechanism")[:3]:
        with translation.override(language_of(reminder)):
            message = compose(reminder)
            rendered = delivery.render(message, recipient=reminder.recipient, batch=batch)
            alone = delivery.render(message, recipient=reminder.recipient)
        assert rendered == alone  # rendered once per batch, the same as on its own
        ours = delivery.email_message(reminder=reminder, rendered=rendered)
        django = EmailMultiAlternatives(
            subject=ours.subject,
            body=ours.body,
            from_email=ours.from_email,
            to=ours.to,
            headers={**ours.extra_headers, "Date": "Thu, 26 Nov 2026 02:00:00 -0000"},
        )
        django.alternatives, django.attachments = ours.alternatives, ours.attachments
        ours.extra_headers["Date"] = django.extra_headers["Date"]
        boundaries = re.compile(rb"=_[0-9a-f]{32}|={15}\d+==")
        a = boundaries.sub(b"B", ours.message().as_bytes(linesep="\r\n"))
        b = boundaries.sub(b"B", django.message().as_bytes(linesep="\r\n"))
        assert a == b and b'boundary="B"' in a


def queued(broker) -> list[dict]:
    """The dispatch tasks waiting in the broker, with their keyword arguments."""
    tasks = []
    for raw in broker.lrange("celery", 0, -1):
        headers = json.loads(raw)["headers"]
        if headers["task"] == "cooperation.tasks.dispatch_due_reminders":
            tasks.append(headers["kwargsrepr"])
    return tasks


def test_a_tick_fans_out_and_each_successor_queues_at_most_one(crowd, smtp, settings):
    settings.CHENGYI_DISPATCH_BATCH = 10  # a run sends 10 of the 30
    settings.CHENGYI_DISPATCH_FANOUT = 3
    app.control.purge()
    broker = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    try:
        # A tick finding a backlog: two helpers first, then its own successor.
        assert dispatch_due_reminders()["sent"] == 10
        assert queued(broker) == ["{'follow_up': True}"] * 3
        assert dispatch_due_reminders(follow_up=True)["sent"] == 10  # a successor: one
        assert len(queued(broker)) == 4
        # A tick finding no more than one run's worth: no helpers (its successor finds the
        # rest empty).
        assert dispatch_due_reminders()["sent"] == 10
        assert len(queued(broker)) == 5
        assert dispatch_due_reminders(follow_up=True)["sent"] == 0  # nothing left: none
        assert dispatch_due_reminders()["sent"] == 0  # a tick with nothing due: none
        assert len(queued(broker)) == 5
    finally:
        app.control.purge()
    assert len(set(smtp.keys())) == COUNT
