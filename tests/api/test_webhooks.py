"""Signed outgoing webhooks, against a real HTTP server on loopback: signatures, retries
with backoff, ordering per resource, an outage, "send again" in the admin."""

import datetime
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from cooperation.choices import Health, ReminderKind, ReminderState, Role, Status
from cooperation.meetings import changes, outbox
from cooperation.models import (
    ConsultationMechanism,
    Reminder,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from cooperation.models.webhooks import DeliveryState
from cooperation.services import StatusReport, item_update, status_report_submit
from cooperation.webhooks.events import EVENT_TYPES
from cooperation.webhooks.outbox import webhooks_dispatch_due
from cooperation.webhooks.signing import signature

from .receiver import Receiver


@pytest.fixture
def receiver():
    server = Receiver(secret="s3cret-shared-with-the-receiver").start()
    yield server
    server.stop()


@pytest.fixture
def subscribe(receiver):
    def make(*types):
        return WebhookSubscription.objects.create(
            name="省级看板", url=receiver.url, secret=receiver.secret, event_types=list(types)
        )

    return make


@pytest.fixture
def short_backoff(settings):
    settings.CHENGYI_WEBHOOK_RETRY_SECONDS = 10
    settings.CHENGYI_WEBHOOK_RETRY_MAX_SECONDS = 40
    settings.CHENGYI_WEBHOOK_MAX_ATTEMPTS = 30


def report(progress=20, **extra):
    return StatusReport(
        status=Status.IN_PROGRESS, health=Health.ON_TRACK, progress=progress, **extra
    )


def test_a_report_made_through_the_api_is_delivered_signed_as_the_api_shows_it(
    api_as, workspace, receiver, subscribe
):
    subscribe("item.changed", "report.submitted")
    item = workspace["item"]
    response = api_as("owner").post(
        "/api/v1/status-reports/",
        {"item": item.pk, "status": "in_progress", "health": "on_track", "progress": 35,
         "version": item.version},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201
    assert receiver.received == []  # never sent from the request
    assert WebhookDelivery.objects.filter(state=DeliveryState.PENDING).count() == 2

    assert webhooks_dispatch_due()["sent"] == 2
    first, second = receiver.received
    assert [first.json["type"], second.json["type"]] == ["item.changed", "report.submitted"]
    for delivery in (first, second):
        assert receiver.verified(delivery)
        assert delivery.headers["X-Chengyi-Delivery"] == delivery.json["id"]
        assert delivery.headers["X-Chengyi-Event"] == delivery.json["type"]
    # The resource exactly as the API shows it.
    report_json = api_as("viewer").get(f"/api/v1/status-reports/{response.json()['id']}/")
    assert second.json["data"] == report_json.json()
    assert second.json["resource"] == {"type": "status_report", "id": response.json()["id"]}
    item_json = api_as("viewer").get(f"/api/v1/items/{item.pk}/").json()
    assert first.json["data"] == {k: item_json[k] for k in first.json["data"]}
    assert first.json["data"]["progress"] == 35
    assert set(item_json) - set(first.json["data"]) == {
        "can_change", "description_zh", "description_en", "source_meeting", "source_note"
    }  # fmt: skip
    # A tampered body, another secret or an old timestamp does not verify.
    stamp = int(first.headers["X-Chengyi-Timestamp"])
    forged = first.body.replace(b"35", b"95")
    assert (
        signature(secret=receiver.secret, timestamp=stamp, body=forged)
        != (first.headers["X-Chengyi-Signature"])
    )
    assert (
        signature(secret="other", timestamp=stamp, body=first.body)
        != (first.headers["X-Chengyi-Signature"])
    )
    from cooperation.webhooks.signing import verify

    assert not verify(
        secret=receiver.secret,
        timestamp=str(stamp),
        body=first.body,
        header=first.headers["X-Chengyi-Signature"],
        now=time.time() + 301,
    )
    # Sent once: another run sends nothing.
    assert webhooks_dispatch_due()["sent"] == 0
    assert len(receiver.received) == 2


def test_nothing_is_written_without_a_subscription(workspace, receiver, subscribe):
    subscribe("meeting.held")
    status_report_submit(item=workspace["item"], user=workspace["users"]["owner"], report=report())
    assert WebhookEvent.objects.count() == 0 and WebhookDelivery.objects.count() == 0


def test_failed_attempts_are_retried_with_backoff(
    workspace, receiver, subscribe, short_backoff, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    subscribe("item.changed")
    receiver.answers = [500, 503]
    item_update(item=workspace["item"], user=workspace["users"]["supervisor"], reason="test",
                fields={"progress": 50})  # fmt: skip
    delivery = WebhookDelivery.objects.get()

    assert webhooks_dispatch_due()["retrying"] == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("pending", 1, 500)
    assert delivery.next_attempt_at == timezone.now() + datetime.timedelta(seconds=10)
    assert webhooks_dispatch_due()["retrying"] == 0  # not due yet: nothing sent
    assert len(receiver.received) == 1

    time_machine.shift(10)
    webhooks_dispatch_due()
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_status) == (2, 503)
    assert delivery.next_attempt_at == timezone.now() + datetime.timedelta(seconds=20)

    time_machine.shift(20)
    assert webhooks_dispatch_due()["sent"] == 1
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED and delivery.attempts == 3
    bodies = {r.body for r in receiver.received}
    assert len(receiver.received) == 3 and len(bodies) == 1  # the same event each time
    assert all(receiver.verified(r) for r in receiver.received)


def test_deliveries_about_one_resource_keep_their_order(
    workspace, receiver, subscribe, short_backoff, time_machine
):
    from cooperation.models import CooperationItem

    time_machine.move_to(timezone.now(), tick=False)
    subscribe("item.changed")
    boss = workspace["users"]["supervisor"]
    first, other = workspace["item"], CooperationItem.objects.get(code="KP-2")
    receiver.answers = [500]  # the first item's first change fails once
    for progress in (10, 20, 30):
        item_update(item=first, user=boss, reason="test", fields={"progress": progress})
    item_update(item=other, user=boss, reason="test", fields={"progress": 5})

    webhooks_dispatch_due()
    # The first item's later changes wait for its first; the other item goes ahead.
    accepted = [(r.json["resource"]["id"], r.json["data"]["progress"]) for r in receiver.accepted()]
    assert accepted == [(other.pk, 5)]
    time_machine.shift(10)
    webhooks_dispatch_due()
    accepted = [(r.json["resource"]["id"], r.json["data"]["progress"]) for r in receiver.accepted()]
    assert accepted == [(other.pk, 5), (first.pk, 10), (first.pk, 20), (first.pk, 30)]


def test_a_receiver_down_for_two_minutes_gets_every_delivery_once_when_back(
    workspace, receiver, subscribe, short_backoff, time_machine
):
    """Time is moved on with time-machine (the outbox reads the clock for due times and
    backoff); the receiver's port really refuses connections while it is down."""
    from cooperation.models import CooperationItem

    time_machine.move_to(timezone.now(), tick=False)
    start = timezone.now()
    subscribe("item.changed", "report.submitted")
    owner = workspace["users"]["owner"]
    receiver.stop()
    items = [workspace["item"], CooperationItem.objects.get(code="KP-2")]
    status_report_submit(item=items[0], user=owner, report=report(20))
    item_update(item=items[1], user=workspace["users"]["supervisor"], reason="t",
                fields={"progress": 7})  # fmt: skip
    while timezone.now() < start + datetime.timedelta(minutes=2):
        webhooks_dispatch_due()  # as beat would, every 15 s
        time_machine.shift(15)
        if timezone.now() < start + datetime.timedelta(minutes=1):
            status_report_submit(
                item=items[0], user=owner, report=report(20 + timezone.now().second % 7)
            )
    assert receiver.received == []
    retried = WebhookDelivery.objects.filter(state=DeliveryState.PENDING, attempts__gt=2)
    assert retried.exists()
    assert "Connection refused" in retried.first().last_error

    receiver.start()  # back, on the same address
    for _ in range(12):
        webhooks_dispatch_due()
        time_machine.shift(15)
    events = list(WebhookEvent.objects.order_by("pk"))
    ids = [r.json["id"] for r in receiver.accepted()]
    assert sorted(ids) == sorted(str(e.event_id) for e in events)  # every delivery, once each
    assert len(ids) == len(set(ids)) == len(events) >= 8
    assert not WebhookDelivery.objects.exclude(state=DeliveryState.DELIVERED).exists()
    for resource in {(e.resource_type, e.resource_id) for e in events}:
        sent = [r.json["id"] for r in receiver.accepted()
                if (r.json["resource"]["type"], r.json["resource"]["id"]) == resource]  # fmt: skip
        made = [str(e.event_id) for e in events if (e.resource_type, e.resource_id) == resource]
        assert sent == made, resource  # in order per resource


def test_a_delivery_that_keeps_failing_shows_in_the_admin_and_is_sent_again(
    client, workspace, receiver, subscribe, settings, time_machine
):
    settings.CHENGYI_WEBHOOK_MAX_ATTEMPTS = 2
    settings.CHENGYI_WEBHOOK_RETRY_SECONDS = 10
    time_machine.move_to(timezone.now(), tick=False)
    subscribe("item.changed")
    receiver.answers = [500, 500]
    item_update(item=workspace["item"], user=workspace["users"]["supervisor"], reason="t",
                fields={"progress": 60})  # fmt: skip
    webhooks_dispatch_due()
    time_machine.shift(10)
    assert webhooks_dispatch_due()["failed"] == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.FAILED and "HTTP 500" in delivery.last_error

    supervisor = workspace["users"]["supervisor"]
    supervisor.is_staff = True
    supervisor.save()
    client.force_login(supervisor)
    changelist = reverse("admin:cooperation_webhookdelivery_changelist")
    page = client.get(changelist, {"state": "failed"})
    assert page.status_code == 200
    assert "HTTP 500" in page.content.decode() and "失败" in page.content.decode()
    response = client.post(
        changelist, {"action": "send_again", "_selected_action": [delivery.pk]}, follow=True
    )
    assert "1 条失败的推送将重新发送。" in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PENDING and delivery.attempts == 0
    assert webhooks_dispatch_due()["sent"] == 1
    assert [r.answered for r in receiver.received] == [500, 500, 200]


def test_only_supervisors_manage_subscriptions_in_the_admin(client, workspace, make_user):
    from cooperation.models import Organization

    for role, allowed in ((Role.SUPERVISOR, 200), (Role.COORDINATOR, 403)):
        user = make_user(f"staff_{role}", org=Organization.objects.get(code="cdig"), role=role,
                         is_staff=True)  # fmt: skip
        client.force_login(user)
        add = client.get(reverse("admin:cooperation_webhooksubscription_add"))
        assert add.status_code == allowed, role
        if allowed == 200:
            for name in EVENT_TYPES:
                assert f'value="{name}"' in add.content.decode()


def test_meeting_and_reminder_events(workspace, receiver, subscribe, settings):
    subscribe(*EVENT_TYPES)
    boss = workspace["users"]["supervisor"]
    mechanism = ConsultationMechanism.objects.order_by("pk").first()
    soon = timezone.now() + datetime.timedelta(days=30)
    meeting = changes.meeting_create(mechanism=mechanism, starts_at=soon, host_city="chengdu",
                                     user=boss)  # fmt: skip
    changes.meeting_reschedule(meeting=meeting, starts_at=soon + datetime.timedelta(days=1),
                               user=boss)  # fmt: skip
    changes.meeting_cancel(meeting=meeting, user=boss, reason="台风")
    in_a_minute = timezone.now() + datetime.timedelta(minutes=1)
    past = changes.meeting_create(
        mechanism=mechanism, starts_at=in_a_minute, host_city="yibin", user=boss
    )
    past.starts_at = timezone.now() - datetime.timedelta(hours=1)
    past.save(update_fields=["starts_at"])
    changes.meeting_minutes_record(meeting=past, user=boss, minutes="纪要", decisions="")
    changes.meeting_minutes_record(meeting=past, user=boss, minutes="纪要（修订）", decisions="")
    reminder = Reminder.objects.create(
        key="webhook-test", kind=ReminderKind.values[0], meeting=past, recipient=boss,
        due_at=timezone.now(), state=ReminderState.SENDING, attempts=9, claimed_by="gone",
        claimed_at=timezone.now() - datetime.timedelta(hours=1),
    )  # fmt: skip
    settings.CHENGYI_REMINDER_MAX_ATTEMPTS = 9
    outbox.leases_expire()
    webhooks_dispatch_due()
    received: dict[tuple, list] = {}  # in order per resource
    for r in receiver.accepted():
        resource = (r.json["resource"]["type"], r.json["resource"]["id"])
        received.setdefault(resource, []).append((r.json["type"], r.json["data"]))
    types = {resource: [t for t, _data in events] for resource, events in received.items()}
    assert types == {
        ("meeting", meeting.pk): ["meeting.planned", "meeting.rescheduled", "meeting.cancelled"],
        # Held once: recording the minutes again is no new event.
        ("meeting", past.pk): ["meeting.planned", "meeting.held"],
        ("reminder", reminder.pk): ["reminder.failed"],
    }
    cancelled = received[("meeting", meeting.pk)][2][1]
    assert cancelled["state"] == "cancelled" and cancelled["cancellation_reason"] == "台风"
    assert received[("reminder", reminder.pk)][0][1]["state"] == "failed"
