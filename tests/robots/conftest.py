import contextlib

import pytest

from cooperation.choices import Channel, City, Role
from cooperation.models import ChatRobot, ConsultationMechanism, Organization

from .servers import RobotServer

SECRET = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"


@pytest.fixture
def people(agreement, make_user):
    return {
        "cd_sup": make_user("cd_sup", org="chengdu-gov", role=Role.SUPERVISOR),
        "yb_sup": make_user("yb_sup", org="yibin-gov", role=Role.SUPERVISOR),
    }


@pytest.fixture
def servers():
    started = {
        "wecom": RobotServer(platform="wecom").start(),
        "dingtalk": RobotServer(platform="dingtalk", secret=SECRET).start(),
        "leaders": RobotServer(platform="dingtalk").start(),
    }
    yield started
    for server in started.values():
        with contextlib.suppress(OSError):
            server.stop()


@pytest.fixture
def robots(agreement, servers):
    """Chengdu government's WeCom group, Yibin government's signed DingTalk group, and the
    Chengdu leaders' DingTalk group (no secret)."""
    return {
        "wecom": ChatRobot.objects.create(
            name="成都市政府工作群",
            platform=Channel.WECOM,
            webhook_url=servers["wecom"].url,
            organization=Organization.objects.get(code="chengdu-gov"),
        ),
        "dingtalk": ChatRobot.objects.create(
            name="宜宾市政府工作群",
            platform=Channel.DINGTALK,
            webhook_url=servers["dingtalk"].url,
            secret=SECRET,
            organization=Organization.objects.get(code="yibin-gov"),
        ),
        "leaders": ChatRobot.objects.create(
            name="成都市领导群",
            platform=Channel.DINGTALK,
            webhook_url=servers["leaders"].url,
            leaders_city=City.CHENGDU,
        ),
    }


@pytest.fixture
def half_yearly(agreement):
    return ConsultationMechanism.objects.get(code="supervising-leaders-semiannual")


@pytest.fixture
def quarterly(agreement):
    return ConsultationMechanism.objects.get(code="lead-dept-quarterly")
