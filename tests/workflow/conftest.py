"""The loop around item KP-1 (Chengdu lead cdig, Yibin lead yibin-lingang-etdz): the
workspace's roles plus the Yibin lead's coordinator."""

from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cooperation.choices import Health, Role, Status
from cooperation.models import CompletionRequest
from cooperation.services import StatusReport
from cooperation.workflow.assignments import assignment_sync
from cooperation.workflow.reporting import loop_report_submit

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

LOOP_ROLES = ("anonymous", "viewer", "leader", "owner", "yb_lead", "other", "supervisor")


def pdf(name="验收报告.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def loop(workspace, make_user):
    users = dict(workspace["users"])
    users["yb_lead"] = make_user(
        "yb_lead", org="yibin-lingang-etdz", role=Role.COORDINATOR, first_name="李华"
    )
    users["leader"] = make_user("leader", org="yibin-gov", role=Role.LEADER, first_name="陈市长")
    item = workspace["item"]
    assignment_sync(item=item)
    return SimpleNamespace(item=item, users=users, milestone=workspace["milestone"])


@pytest.fixture
def loop_client(client, loop):
    def sign_in(role: str):
        client.logout()
        if role != "anonymous":
            client.force_login(loop.users[role])
        return client

    return sign_in


def report(loop, *, user=None, status=Status.IN_PROGRESS, progress=40, files=(), **extra):
    loop.item.refresh_from_db()
    return loop_report_submit(
        item=loop.item,
        user=user or loop.users["owner"],
        report=StatusReport(
            status=status,
            health=Health.ON_TRACK,
            progress=progress,
            narrative=extra.pop("narrative", "园区一期土地平整完成"),
            **extra,
        ),
        files=list(files),
    )


def completion_requested(loop) -> CompletionRequest:
    """KP-1 in progress, its milestone done, then a completion request with a PDF."""
    report(loop, progress=80)
    update = report(
        loop,
        status=Status.COMPLETED,
        progress=100,
        files=[pdf()],
        milestones_done=(loop.milestone.pk,),
    )
    return update.completion_request
