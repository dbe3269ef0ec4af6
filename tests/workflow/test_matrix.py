"""Every URL of the loop × anonymous, viewer, each city's lead coordinator, another
coordinator, supervisor. A refused request changes nothing and is logged."""

import logging

import pytest
from django.urls import reverse

from cooperation.models import (
    Acknowledgement,
    Comment,
    CompletionRequest,
    CooperationItem,
    Notification,
    NotificationPreference,
    StatusUpdate,
)

from .conftest import LOOP_ROLES, completion_requested

# name: roles that may (GET pages: everyone signed in unless listed)
READ = ["todo_list", "notification_preferences", "completion_detail", "evidence_download"]
WRITE = {
    "acknowledgement_acknowledge": {"owner"},
    "statusupdate_review": {"yb_lead", "supervisor"},
    "completion_confirm": {"yb_lead", "supervisor"},
    "completion_refuse": {"yb_lead", "supervisor"},
    "completion_withdraw": {"owner"},
    # City leaders may give instructions (批示) in comments; coordinators comment on their
    # organisations' items; viewers only read.
    "comment_create": {"leader", "owner", "yb_lead", "supervisor"},
    "comment_update": {"owner"},
    "notification_preferences": {"viewer", "leader", "owner", "yb_lead", "other", "supervisor"},
}


@pytest.fixture
def objects(loop):
    request = completion_requested(loop)
    update = StatusUpdate.objects.filter(item=loop.item).order_by("reported_at").first()
    comment = Comment.objects.create(item=loop.item, author=loop.users["owner"], body="看一下")
    return {
        "ack": Acknowledgement.objects.get(item=loop.item, city="chengdu"),
        "request": request,
        "update": update,
        "evidence": request.evidence.get(),
        "comment": comment,
    }


def url(name, loop, objects):
    args = {
        "todo_list": [],
        "notification_preferences": [],
        "acknowledgement_acknowledge": [objects["ack"].pk],
        "statusupdate_review": [objects["update"].pk],
        "completion_detail": [objects["request"].pk],
        "completion_confirm": [objects["request"].pk],
        "completion_refuse": [objects["request"].pk],
        "completion_withdraw": [objects["request"].pk],
        "evidence_download": [objects["evidence"].pk],
        "comment_create": [loop.item.pk],
        "comment_update": [objects["comment"].pk],
    }[name]
    return reverse(f"cooperation:{name}", args=args)


def post_data(name, loop, objects):
    item = CooperationItem.objects.get(pk=loop.item.pk)
    return {
        "acknowledgement_acknowledge": {},
        "statusupdate_review": {"decision": "return", "reason": "数据不全"},
        "completion_confirm": {"version": item.version},
        "completion_refuse": {"version": item.version, "reason": "尚未验收"},
        "completion_withdraw": {},
        "comment_create": {"body": "请补充材料"},
        "comment_update": {"body": "看一下（已改）"},
        "notification_preferences": {
            "by_email": "on",
            "digest_time": "07:45",
            "immediate_kinds": ["meeting"],
        },
    }[name]


def snapshot(loop):
    item = CooperationItem.objects.get(pk=loop.item.pk)
    return (
        item.status,
        item.version,
        item.history.count(),
        list(Acknowledgement.objects.values_list("pk", "acknowledged_at")),
        list(StatusUpdate.objects.values_list("pk", "review_state", "return_reason")),
        list(CompletionRequest.objects.values_list("pk", "state")),
        list(Comment.objects.values_list("pk", "body")),
        list(NotificationPreference.objects.values_list("user", "digest_time")),
        Notification.objects.count(),
    )


@pytest.mark.parametrize("role", LOOP_ROLES)
@pytest.mark.parametrize("name", [*READ, "comment_update"])
def test_get_matrix(loop_client, loop, objects, role, name):
    response = loop_client(role).get(url(name, loop, objects))
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif name in READ or role in WRITE[name]:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", LOOP_ROLES)
@pytest.mark.parametrize("name", sorted(WRITE))
def test_post_matrix(loop_client, loop, objects, role, name, caplog):
    before = snapshot(loop)
    data = post_data(name, loop, objects)
    with caplog.at_level(logging.WARNING, logger="cooperation.security"):
        response = loop_client(role).post(url(name, loop, objects), data)
    if role in WRITE[name]:
        assert response.status_code == 302, response.content.decode()[:2000]
        assert snapshot(loop) != before
        return
    assert snapshot(loop) == before, "a refused request changed data"
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == 403
        denial = [r for r in caplog.records if getattr(r, "event", "") == "permission_denied"]
        assert denial and denial[0].user == loop.users[role].username


@pytest.mark.parametrize("role", ["owner", "supervisor"])
def test_actions_refuse_get(loop_client, loop, objects, role):
    client = loop_client(role)
    for name in set(WRITE) - {"notification_preferences", "comment_update"}:
        assert client.get(url(name, loop, objects)).status_code == 405, name
