"""What the world outside hears of supervision slips: signed webhooks (slip.issued,
slip.escalated, slip.closed) with the slip as the API shows it, and one message per slip and
group robot (the addressed organisations' groups; a red slip also the leaders' groups),
queued past the robots' 20 a minute, never lost, never twice."""

import datetime

import pytest
from rest_framework.test import APIClient

from cooperation.api.tokens import api_token_create
from cooperation.choices import Channel, City, ReminderKind, ReminderState, Status
from cooperation.meetings.dispatch import reminders_dispatch_due
from cooperation.models import (
    CooperationItem,
    Organization,
    Reminder,
    WebhookSubscription,
)
from cooperation.models.supervision import SlipClosure, SupervisionSlip
from cooperation.supervision.feedback import slip_feedback_review, slip_feedback_submit
from cooperation.supervision.slips import slips_run_daily
from cooperation.webhooks.outbox import webhooks_dispatch_due
from tests.api.receiver import Receiver
from tests.meetings.helpers import local
from tests.robots.groups import group_robots, group_servers

from .conftest import open_item

pytestmark = pytest.mark.django_db
SLIP_EVENTS = ["slip.issued", "slip.escalated", "slip.closed"]


@pytest.fixture
def receiver():
    server = Receiver(secret="slip-hook-secret").start()
    WebhookSubscription.objects.create(
        name="督查平台", url=server.url, secret=server.secret, event_types=SLIP_EVENTS
    )
    yield server
    server.stop()


def api_slip(user, pk) -> dict:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=user, name='t')[1]}")
    shown = client.get(f"/api/v1/slips/{pk}/").json()
    return {k: v for k, v in shown.items() if k not in ("feedback", "can_answer", "can_review")}


def delivered(receiver, since=0) -> list[tuple[str, dict]]:
    webhooks_dispatch_due()
    webhooks_dispatch_due()  # a second run sends nothing again
    for delivery in receiver.received[since:]:
        assert receiver.verified(delivery)
    return [(d.json["type"], d.json) for d in receiver.received[since:]]


def test_issued_and_closed_slips_are_delivered_once_as_the_api_shows_them(
    people, quiet, receiver, time_machine
):
    time_machine.move_to(local(2026, 12, 4, 8, 0), tick=False)
    open_item("SP-7", target_date=datetime.date(2026, 12, 8))
    slips_run_daily(now=local(2026, 12, 4, 8, 0))
    slip = SupervisionSlip.objects.get()
    ((kind, body),) = delivered(receiver)
    assert kind == "slip.issued" and body["resource"] == {"type": "slip", "id": slip.pk}
    assert body["data"] == api_slip(people["viewer"], slip.pk)
    assert body["data"]["number"] == "成宜督〔2026〕1号" and body["data"]["colour"] == "blue"

    org = slip.addressed_to.order_by("pk").first()
    coordinator = people["cd_coord"] if org.city == City.CHENGDU else people["yb_coord"]
    slip_feedback_submit(slip=slip, user=coordinator, organization_id=org.pk, text="已推进")
    assert delivered(receiver, 1) == []  # feedback is no event
    slip_feedback_review(slip=slip, user=people["cd_sup"], accept=True)
    ((kind, body),) = delivered(receiver, 1)
    assert kind == "slip.closed" and body["data"]["closure"] == SlipClosure.FEEDBACK_ACCEPTED
    assert body["data"] == api_slip(people["viewer"], slip.pk)
    assert len(receiver.received) == 2


def test_an_escalation_closes_the_slip_and_issues_the_next_colour(
    people, quiet, receiver, time_machine
):
    time_machine.move_to(local(2026, 12, 4, 8, 0), tick=False)
    open_item("SP-7", target_date=datetime.date(2026, 12, 8))
    slips_run_daily(now=local(2026, 12, 4, 8, 0))
    first = SupervisionSlip.objects.get()
    delivered(receiver)
    # No feedback by the due date (9 December): the blue slip escalates on the 10th (the
    # item is overdue by then too: a red slip of its own cause).
    time_machine.move_to(local(2026, 12, 10, 8, 0), tick=False)
    slips_run_daily(now=local(2026, 12, 10, 8, 0))
    events = delivered(receiver, 1)
    kinds = sorted(kind for kind, _body in events)
    assert kinds == ["slip.closed", "slip.escalated", "slip.issued"]
    by_kind = dict(events)
    assert by_kind["slip.closed"]["data"]["id"] == first.pk
    assert by_kind["slip.closed"]["data"]["closure"] == SlipClosure.ESCALATED
    escalated = by_kind["slip.escalated"]["data"]
    assert escalated["escalated_from"] == first.pk and escalated["colour"] == "yellow"
    assert by_kind["slip.issued"]["data"]["cause"] == "overdue"
    assert escalated == api_slip(people["viewer"], escalated["id"])


# --- group robots ---------------------------------------------------------------------


@pytest.fixture
def servers():
    with group_servers() as started:
        yield started


@pytest.fixture
def robots(agreement, servers):
    return group_robots(servers, leaders_city=City.CHENGDU)


def test_each_slip_reaches_the_addressed_groups_once_and_red_the_leaders(
    people, quiet, robots, servers, time_machine
):
    time_machine.move_to(local(2026, 12, 4, 8, 0), tick=False)
    open_item("SP-7", target_date=datetime.date(2026, 12, 8))  # blue
    open_item("KP-1", target_date=datetime.date(2026, 11, 30))  # red
    slips_run_daily(now=local(2026, 12, 4, 8, 0))
    slips_run_daily(now=local(2026, 12, 4, 8, 0))  # a second run issues nothing
    time_machine.move_to(local(2026, 12, 4, 8, 1), tick=False)
    reminders_dispatch_due()
    reminders_dispatch_due()
    blue = SupervisionSlip.objects.get(colour="blue")
    red = SupervisionSlip.objects.get(colour="red")
    for name in ("cdig", "yibin_lead"):
        texts = servers[name].texts()
        assert len(texts) == 2, name
        assert sum(blue.number in t for t in texts) == sum(red.number in t for t in texts) == 1
        assert servers[name].refused == []  # DingTalk checked the signature
    (leaders,) = servers["leaders"].texts()
    assert red.number in leaders and "红色督办单" in leaders and "/slips/" in leaders
    assert servers["health"].accepted == []
    rows = Reminder.objects.filter(robot__isnull=False, kind=ReminderKind.SUPERVISION_SLIP)
    assert sorted(rows.values_list("key", flat=True)) == sorted(
        [f"slip:{blue.pk}:robot{robots[n].pk}" for n in ("cdig", "yibin_lead")]
        + [f"slip:{red.pk}:robot{robots[n].pk}" for n in ("cdig", "yibin_lead", "leaders")]
    )
    assert set(rows.values_list("state", flat=True)) == {ReminderState.SENT}
    assert {r.channel for r in rows.filter(robot=robots["cdig"])} == {Channel.WECOM}


def test_a_refusing_robot_is_retried_and_shown(people, quiet, robots, servers, time_machine):
    time_machine.move_to(local(2026, 12, 4, 8, 0), tick=False)
    open_item("SP-7", target_date=datetime.date(2026, 12, 8))
    servers["cdig"].mode = "errcode"
    slips_run_daily(now=local(2026, 12, 4, 8, 0))
    reminders_dispatch_due()
    row = Reminder.objects.get(robot=robots["cdig"])
    assert row.state == ReminderState.PENDING and "errcode 93000" in row.last_error
    servers["cdig"].mode = "ok"
    time_machine.move_to(row.next_attempt_at + datetime.timedelta(seconds=1), tick=False)
    reminders_dispatch_due()
    row.refresh_from_db()
    assert row.state == ReminderState.SENT and len(servers["cdig"].accepted) == 1
    assert len(servers["yibin_lead"].accepted) == 1


def test_twenty_five_slips_to_one_group_wait_their_turn_and_none_is_lost(
    people, quiet, robots, servers, time_machine
):
    now = local(2026, 12, 4, 8, 0)
    time_machine.move_to(now, tick=False)
    cdig = Organization.objects.get(code="cdig")
    agreement = CooperationItem.objects.get(code="KP-1").agreement
    CooperationItem.objects.bulk_create(
        CooperationItem(agreement=agreement, category="other", code=f"RED-{n}",
                        title_zh=f"逾期事项 {n}", chengdu_lead=cdig, status=Status.IN_PROGRESS,
                        target_date=datetime.date(2026, 11, 1), sort_order=900 + n)
        for n in range(25)
    )  # fmt: skip
    slips_run_daily(now=now)
    assert SupervisionSlip.objects.filter(colour="red").count() == 25
    reminders_dispatch_due()
    assert len(servers["cdig"].accepted) == 20 and servers["cdig"].refused == []
    assert len(servers["leaders"].accepted) == 20
    waiting = Reminder.objects.filter(robot=robots["cdig"], state=ReminderState.PENDING)
    assert waiting.count() == 5 and all(row.attempts == 0 for row in waiting)
    time_machine.move_to(now + datetime.timedelta(seconds=61), tick=False)
    reminders_dispatch_due()
    reminders_dispatch_due()
    for name in ("cdig", "leaders"):
        texts = servers[name].texts()
        assert len(texts) == len(set(texts)) == 25, name
        assert servers[name].refused == []
