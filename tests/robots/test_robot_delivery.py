"""Notices to WeCom and DingTalk group robots through the outbox, against local servers that
answer as the platforms' APIs do: exactly one message per notice and robot."""

import datetime

import pytest

from cooperation.choices import Channel, MeetingState, ReminderKind, ReminderState
from cooperation.meetings import changes
from cooperation.meetings.dispatch import reminders_dispatch_due
from cooperation.meetings.messages import Message
from cooperation.models import Meeting, Reminder
from cooperation.robots import compose
from cooperation.robots.send import dingtalk_sign, signed_url

from ..meetings.helpers import local
from .conftest import SECRET
from .servers import RobotServer

pytestmark = pytest.mark.django_db
NOW = local(2026, 11, 26, 10, 0)
TOMORROW = local(2026, 11, 27, 14, 30)


@pytest.fixture
def meeting(people, robots, half_yearly, time_machine, settings):
    settings.CHENGYI_STALE_DAYS = settings.CHENGYI_ESCALATION_DAYS = 10_000
    time_machine.move_to(NOW, tick=False)
    return changes.meeting_create(
        mechanism=half_yearly,
        starts_at=TOMORROW,
        host_city="chengdu",
        location="成都市政府第一会议室",
        agenda="1. 合作项目推进情况",
        user=people["cd_sup"],
    )


def robot_rows(meeting):
    return Reminder.objects.filter(meeting=meeting, robot__isnull=False)


def test_each_robot_gets_each_notice_once_in_its_own_format(
    meeting, people, robots, servers, time_machine
):
    rows = robot_rows(meeting).filter(kind=ReminderKind.MEETING)
    assert {(r.robot_id, r.channel) for r in rows} >= {
        (robots["wecom"].pk, Channel.WECOM),
        (robots["dingtalk"].pk, Channel.DINGTALK),
        (robots["leaders"].pk, Channel.DINGTALK),
    }
    reminders_dispatch_due()
    reminders_dispatch_due()  # a second run sends nothing again
    for name in ("wecom", "dingtalk", "leaders"):
        server = servers[name]
        assert len(server.accepted) == 1, name
        assert server.refused == []  # the signed one passed the server's signature check
    (wecom,) = servers["wecom"].accepted
    assert wecom["msgtype"] == "markdown" and set(wecom["markdown"]) == {"content"}
    assert "市分管领导半年会商" in wecom["markdown"]["content"]
    assert f"/meetings/{meeting.pk}/)" in wecom["markdown"]["content"]  # a markdown link
    (ding,) = servers["dingtalk"].accepted
    assert ding["markdown"]["title"].startswith("会商提醒")
    assert "成都市政府第一会议室" in ding["markdown"]["text"]

    # The one-day reminder later that day has nothing new to say (20 hours rule), per robot.
    time_machine.move_to(TOMORROW - datetime.timedelta(days=1, minutes=-1), tick=False)
    reminders_dispatch_due()
    assert [len(servers[n].accepted) for n in ("wecom", "dingtalk", "leaders")] == [1, 1, 1]

    # A cancellation goes to every robot that was told of the meeting, once.
    changes.meeting_cancel(meeting=meeting, reason="领导另有安排", user=people["cd_sup"])
    reminders_dispatch_due()
    reminders_dispatch_due()
    for name in ("wecom", "dingtalk", "leaders"):
        texts = servers[name].texts()
        assert len(texts) == 2 and "领导另有安排" in texts[1], name
    assert not robot_rows(meeting).filter(state=ReminderState.SENDING).exists()


def test_an_errcode_is_a_failure_that_is_shown_and_retried(meeting, servers, robots, time_machine):
    servers["wecom"].mode = "errcode"
    reminders_dispatch_due()
    row = robot_rows(meeting).get(
        robot=robots["wecom"], kind=ReminderKind.MEETING, state=ReminderState.PENDING, attempts=1
    )
    assert "errcode 93000" in row.last_error and row.next_attempt_at > NOW
    assert servers["wecom"].accepted == []
    servers["wecom"].mode = "ok"
    reminders_dispatch_due()  # not yet: the backoff holds it
    assert servers["wecom"].accepted == []
    time_machine.move_to(row.next_attempt_at + datetime.timedelta(seconds=1), tick=False)
    reminders_dispatch_due()
    row.refresh_from_db()
    assert row.state == ReminderState.SENT and len(servers["wecom"].accepted) == 1
    # the error stays in the row's history for the admin
    assert row.history.filter(last_error__contains="errcode 93000").exists()


def test_a_robot_that_is_down_gets_its_message_once_it_is_back(
    meeting, servers, robots, time_machine
):
    port = servers["dingtalk"].port
    servers["dingtalk"].stop()
    reminders_dispatch_due()
    row = robot_rows(meeting).get(robot=robots["dingtalk"], kind=ReminderKind.MEETING, attempts=1)
    assert row.state == ReminderState.PENDING and "dingtalk:" in row.last_error
    back = servers["dingtalk"] = RobotServer(platform="dingtalk", secret=SECRET, port=port).start()
    time_machine.move_to(row.next_attempt_at + datetime.timedelta(seconds=1), tick=False)
    reminders_dispatch_due()
    reminders_dispatch_due()
    assert len(back.accepted) == 1 and back.refused == []


def test_a_wrong_secret_is_refused_by_dingtalk_and_shown(meeting, servers, robots):
    robots["dingtalk"].secret = "SECwrong"
    robots["dingtalk"].save()
    reminders_dispatch_due()
    row = robot_rows(meeting).get(robot=robots["dingtalk"], kind=ReminderKind.MEETING, attempts=1)
    assert "errcode 310000" in row.last_error and servers["dingtalk"].accepted == []


def test_more_than_twenty_a_minute_wait_in_the_outbox_and_none_is_lost(
    quarterly, robots, servers, time_machine, settings
):
    time_machine.move_to(NOW, tick=False)
    robot = robots["wecom"]
    for number in range(1, 26):
        start = NOW + datetime.timedelta(days=number)
        meeting = Meeting.objects.create(
            mechanism=quarterly,
            sequence=100 + number,
            starts_at=start,
            planned_for=start.date(),
            host_city="chengdu",
            state=MeetingState.CONFIRMED,
        )
        Reminder.objects.create(
            key=f"meeting:{meeting.pk}:d1:robot{robot.pk}",
            kind=ReminderKind.MEETING,
            channel=Channel.WECOM,
            robot=robot,
            meeting=meeting,
            due_at=NOW,
        )
    reminders_dispatch_due()
    assert len(servers["wecom"].accepted) == 20 and servers["wecom"].refused == []
    waiting = Reminder.objects.filter(robot=robot, state=ReminderState.PENDING)
    assert waiting.count() == 5
    assert all(
        row.attempts == 0 and row.next_attempt_at == NOW + datetime.timedelta(minutes=1)
        for row in waiting
    )
    reminders_dispatch_due()  # within the minute: still waiting
    assert len(servers["wecom"].accepted) == 20
    time_machine.move_to(NOW + datetime.timedelta(seconds=61), tick=False)
    reminders_dispatch_due()
    assert len(servers["wecom"].accepted) == 25 and servers["wecom"].refused == []
    assert Reminder.objects.filter(robot=robot, state=ReminderState.SENT).count() == 25
    texts = servers["wecom"].texts()
    assert len(set(texts)) == 25  # each meeting's reminder once


def test_a_robot_that_answers_rate_limited_is_retried(quarterly, robots, servers, time_machine):
    time_machine.move_to(NOW, tick=False)
    servers["leaders"].limit = 0  # as if other senders had used the minute
    start = NOW + datetime.timedelta(days=2)
    meeting = Meeting.objects.create(
        mechanism=quarterly,
        sequence=99,
        starts_at=start,
        planned_for=start.date(),
        host_city="yibin",
    )
    row = Reminder.objects.create(
        key=f"meeting:{meeting.pk}:d2:robot{robots['leaders'].pk}",
        kind=ReminderKind.MEETING,
        channel=Channel.DINGTALK,
        robot=robots["leaders"],
        meeting=meeting,
        due_at=NOW,
    )
    reminders_dispatch_due()
    row.refresh_from_db()
    assert row.state == ReminderState.PENDING and "errcode 130101" in row.last_error
    servers["leaders"].limit = 20
    time_machine.move_to(row.next_attempt_at, tick=False)
    reminders_dispatch_due()
    row.refresh_from_db()
    assert row.state == ReminderState.SENT and len(servers["leaders"].accepted) == 1


def test_status_call_to_an_organisations_group_lists_its_own_items(
    people, robots, quarterly, servers, time_machine, settings, make_user
):
    from cooperation.models import ChatRobot, Organization

    settings.CHENGYI_STALE_DAYS = settings.CHENGYI_ESCALATION_DAYS = 10_000
    time_machine.move_to(NOW, tick=False)
    cdig = ChatRobot.objects.create(
        name="成都产业集团",
        platform=Channel.WECOM,
        webhook_url=servers["wecom"].url,
        organization=Organization.objects.get(code="cdig"),
        kinds=[ReminderKind.STATUS_CALL],
    )
    meeting = changes.meeting_create(
        mechanism=quarterly,
        starts_at=NOW + datetime.timedelta(days=10),
        host_city="yibin",
        user=people["cd_sup"],
    )
    calls = Reminder.objects.filter(meeting=meeting, robot=cdig)
    assert list(calls.values_list("kind", flat=True)) == [ReminderKind.STATUS_CALL]
    reminders_dispatch_due()
    sent = [
        m["markdown"]["content"]
        for m in servers["wecom"].accepted
        if "KP-1" in m["markdown"]["content"]
    ]
    assert len(sent) == 1
    assert "KP-1.1" in sent[0] and "SP-1 " not in sent[0]  # cdig leads KP-1, not SP-1


def test_a_long_notice_is_cut_to_the_platform_limit_keeping_the_link(settings):
    items = [
        {
            "code": f"KP-{n}",
            "title": "成宜合作项目" * 5,
            "detail": "尚未报送",
            "url": f"http://x/items/{n}/",
        }
        for n in range(300)
    ]
    message = Message(
        subject="请报送进展",
        lead="以下事项尚未报送：",
        action_url="http://x/meetings/1/",
        action_label="打开会商页面",
        items=items,
    )
    wecom = compose.markdown(message, platform=Channel.WECOM)
    ding = compose.markdown(message, platform=Channel.DINGTALK)
    assert len(wecom.encode()) <= 4096 < len(ding.encode()) <= 20000
    assert wecom.endswith("[打开会商页面](http://x/meetings/1/)")
    assert "另有 271 个事项" in wecom


def test_dingtalk_signature_is_the_documented_recipe():
    # timestamp + "\n" + secret, HMAC-SHA256 keyed with the secret, base64, URL-encoded
    import base64
    import hashlib
    import hmac
    import urllib.parse

    from cooperation.models import ChatRobot

    robot = ChatRobot(
        platform=Channel.DINGTALK,
        webhook_url="https://oapi.dingtalk.com/robot/send?access_token=t",
        secret="SECabc",
    )
    url = signed_url(robot, now=1_700_000_000.123)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert query["timestamp"] == ["1700000000123"]
    expected = base64.b64encode(
        hmac.new(b"SECabc", b"1700000000123\nSECabc", hashlib.sha256).digest()
    ).decode()
    assert query["sign"] == [expected] == [dingtalk_sign("SECabc", 1700000000123)]
    assert "%2B" in url or "%2F" in url or "%3D" in url  # URL-encoded base64
