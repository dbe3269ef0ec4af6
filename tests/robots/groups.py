"""The working groups of the agreement's lead pair (cdig in Chengdu on WeCom, the Yibin lead
on signed DingTalk), a city's leaders' group, and a group of an organisation a test's
notices do not concern, each with its local robot server."""

import contextlib

from cooperation.models import ChatRobot, Organization

from .conftest import SECRET
from .servers import RobotServer


@contextlib.contextmanager
def group_servers():
    started = {
        "cdig": RobotServer(platform="wecom").start(),
        "yibin_lead": RobotServer(platform="dingtalk", secret=SECRET).start(),
        "leaders": RobotServer(platform="dingtalk").start(),
        "health": RobotServer(platform="wecom").start(),
    }
    try:
        yield started
    finally:
        for server in started.values():
            with contextlib.suppress(OSError):
                server.stop()


def group_robots(servers, *, leaders_city: str) -> dict[str, ChatRobot]:
    def robot(name, code, server, **extra):
        org = Organization.objects.get(code=code) if code else None
        return ChatRobot.objects.create(
            name=name, platform=server.platform, webhook_url=server.url, organization=org,
            **extra,
        )  # fmt: skip

    return {
        "cdig": robot("成都产投集团工作群", "cdig", servers["cdig"]),
        "yibin_lead": robot(
            "临港经开区工作群", "yibin-lingang-etdz", servers["yibin_lead"], secret=SECRET
        ),
        "leaders": robot("市领导群", None, servers["leaders"], leaders_city=leaders_city),
        "health": robot("宜宾卫健委工作群", "yibin-health", servers["health"]),
    }
