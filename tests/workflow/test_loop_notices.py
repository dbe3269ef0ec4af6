"""What the world outside hears of the loop: signed webhooks for reviews (report.accepted,
report.returned) and completion requests (completion.requested, .confirmed, .refused) with
the resource as the API shows it; group robots for reports to review and for each
organisation's daily digest, one message per notice and robot."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cooperation.api.tokens import api_token_create
from cooperation.choices import City, ReminderKind, ReminderState
from cooperation.meetings.dispatch import reminders_dispatch_due
from cooperation.models import Reminder, WebhookSubscription
from cooperation.webhooks.outbox import webhooks_dispatch_due
from cooperation.workflow.assignments import acknowledgement_acknowledge
from cooperation.workflow.completion import completion_confirm, completion_refuse
from cooperation.workflow.digest import robot_digests_plan
from cooperation.workflow.reviews import report_review
from tests.api.receiver import Receiver
from tests.meetings.helpers import local
from tests.robots.groups import group_robots, group_servers

from .conftest import completion_requested, report


@pytest.fixture
def receiver():
    server = Receiver(secret="loop-hook-secret").start()
    WebhookSubscription.objects.create(
        name="省级督查平台",
        url=server.url,
        secret=server.secret,
        event_types=["report.accepted", "report.returned", "completion.requested",
                     "completion.confirmed", "completion.refused"],
    )  # fmt: skip
    yield server
    server.stop()


def api_get(user, url) -> dict:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=user, name='t')[1]}")
    return client.get(url).json()


def delivered(receiver, since=0) -> list[dict]:
    webhooks_dispatch_due()
    webhooks_dispatch_due()  # a second run sends nothing again
    for delivery in receiver.received[since:]:
        assert receiver.verified(delivery)
        assert delivery.headers["X-Chengyi-Event"] == delivery.json["type"]
    return [d.json for d in receiver.received[since:]]


def test_review_events_carry_the_report_as_the_api_shows_it(loop, receiver):
    update = report(loop)
    report_review(update=update, user=loop.users["yb_lead"], accept=False, reason="缺少数据")
    (returned,) = delivered(receiver)
    assert returned["type"] == "report.returned"
    assert returned["resource"] == {"type": "status_report", "id": update.pk}
    shown = api_get(loop.users["viewer"], f"/api/v1/status-reports/{update.pk}/")
    assert returned["data"] == shown and shown["return_reason"] == "缺少数据"

    corrected = report(loop, progress=45)
    report_review(update=corrected, user=loop.users["supervisor"], accept=True)
    (accepted,) = delivered(receiver, 1)
    assert accepted["type"] == "report.accepted"
    assert accepted["data"]["review_state"] == "accepted"
    assert accepted["data"]["corrects"] == update.pk
    assert len(receiver.received) == 2


def test_completion_events_requested_refused_confirmed(loop, receiver):
    request = completion_requested(loop)
    (requested,) = delivered(receiver)
    assert requested["type"] == "completion.requested"
    assert requested["resource"] == {"type": "completion", "id": request.pk}
    shown = api_get(loop.users["viewer"], f"/api/v1/completions/{request.pk}/")
    assert requested["data"] == {k: v for k, v in shown.items() if k != "can_decide"}

    completion_refuse(request=request, user=loop.users["yb_lead"], reason="尚未验收")
    (refused,) = delivered(receiver, 1)
    assert refused["type"] == "completion.refused"
    assert refused["data"]["refusal_reason"] == "尚未验收"

    again = report(loop, status="completed", progress=100, files=[_pdf()]).completion_request
    completion_confirm(request=again, user=loop.users["yb_lead"])
    kinds = [event["type"] for event in delivered(receiver, 2)]
    assert kinds == ["completion.requested", "completion.confirmed"]
    confirmed = receiver.received[-1].json["data"]
    assert confirmed["state"] == "confirmed" and confirmed["confirmations"][0]["city"] == "yibin"
    assert len(receiver.received) == 4


def _pdf():
    from .conftest import pdf

    return pdf()


# --- group robots ---------------------------------------------------------------------


@pytest.fixture
def servers():
    with group_servers() as started:
        yield started


@pytest.fixture
def robots(agreement, servers):
    return group_robots(servers, leaders_city=City.YIBIN)


def test_a_report_to_review_reaches_the_other_citys_group_once(loop, robots, servers):
    update = report(loop)  # by the Chengdu lead's coordinator: Yibin reviews it
    reminders_dispatch_due()
    reminders_dispatch_due()
    (text,) = servers["yibin_lead"].texts()
    assert "待审核" in text and "KP-1" in text and f"#update-{update.pk}" in text
    assert servers["yibin_lead"].refused == []  # signed as DingTalk requires
    for name in ("cdig", "leaders", "health"):
        assert servers[name].accepted == [], name
    row = Reminder.objects.get(kind=ReminderKind.REVIEW_REQUEST)
    assert row.key == f"review:{update.pk}:robot{robots['yibin_lead'].pk}"

    # The other way round; a report reviewed before its notice goes out is not announced.
    answer = report(loop, user=loop.users["yb_lead"], progress=50)
    assert Reminder.objects.get(key=f"review:{answer.pk}:robot{robots['cdig'].pk}")
    reviewed = report(loop, user=loop.users["yb_lead"], progress=55)
    report_review(update=reviewed, user=loop.users["supervisor"], accept=True)
    reminders_dispatch_due()
    (text,) = servers["cdig"].texts()
    assert f"#update-{answer.pk}" in text
    skipped = Reminder.objects.get(key=f"review:{reviewed.pk}:robot{robots['cdig'].pk}")
    assert skipped.state == ReminderState.CANCELLED


def test_each_organisations_group_gets_its_own_digest_once_a_day(
    loop, robots, servers, time_machine
):
    day = timezone.localdate()
    time_machine.move_to(local(day.year, day.month, day.day, 8, 0), tick=False)
    assert robot_digests_plan() == 0  # before the digest time
    at = local(day.year, day.month, day.day, 8, 45)
    time_machine.move_to(at, tick=False)
    report(loop)  # a report the Yibin lead reviews
    assert robot_digests_plan() == 2  # the two leads' groups: each has something waiting
    assert robot_digests_plan() == 0  # never a second one the same day
    reminders_dispatch_due()
    reminders_dispatch_due()
    (cdig,) = servers["cdig"].texts()
    assert "成都产业投资集团" in cdig and "KP-1" in cdig and "签收" in cdig
    assert "审核" not in cdig  # its own report is not its to review
    review, yibin = servers["yibin_lead"].texts()  # the report's review request, the digest
    assert review.startswith("### 待审核报送") and "待办" in yibin
    assert "待审核" in yibin and "签收" in yibin
    assert servers["yibin_lead"].refused == []
    for name in ("leaders", "health"):  # leaders get no digest; nothing waits for health
        assert servers[name].accepted == [], name

    # The next day, once Chengdu has acknowledged, its group's digest says only what is left.
    ack = loop.item.acknowledgements.get(city="chengdu")
    acknowledgement_acknowledge(acknowledgement=ack, user=loop.users["owner"])
    time_machine.move_to(at + datetime.timedelta(days=1), tick=False)
    assert robot_digests_plan() == 1  # Yibin: acknowledgement and review still wait
    reminders_dispatch_due()
    assert len(servers["cdig"].accepted) == 1 and len(servers["yibin_lead"].accepted) == 3
