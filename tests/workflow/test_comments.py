"""Comments: @mentions notify once, bodies escaped and bounded, edits kept in history."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cooperation.models import Comment, Notification
from cooperation.models.workflow import COMMENT_MAX_LENGTH
from cooperation.workflow.comments import comment_add, comment_edit

from .conftest import report


def test_a_mention_notifies_once_and_an_edit_only_new_people(loop):
    comment = comment_add(item=loop.item, user=loop.users["owner"], body="@yb_lead 请确认用地数据")
    assert list(comment.mentions.all()) == [loop.users["yb_lead"]]
    assert (
        Notification.objects.filter(user=loop.users["yb_lead"], title__contains="提及").count() == 1
    )
    comment_edit(comment=comment, user=loop.users["owner"], body="@yb_lead @boss 请确认用地数据")
    assert (
        Notification.objects.filter(user=loop.users["yb_lead"], title__contains="提及").count() == 1
    )
    assert (
        Notification.objects.filter(user=loop.users["supervisor"], title__contains="提及").count()
        == 1
    )
    # Unknown names and e-mail addresses mention nobody.
    other = comment_add(item=loop.item, user=loop.users["owner"], body="@nobody 见 a@b.cn")
    assert not other.mentions.exists()


def test_edits_are_history_and_only_the_author_edits(loop):
    comment = comment_add(item=loop.item, user=loop.users["owner"], body="初稿")
    with pytest.raises(PermissionDenied):
        comment_edit(comment=comment, user=loop.users["supervisor"], body="改")
    comment_edit(comment=comment, user=loop.users["owner"], body="定稿")
    comment.refresh_from_db()
    assert comment.body == "定稿" and comment.edited_at is not None
    assert [h.body for h in comment.history.order_by("history_date")] == ["初稿", "定稿"]


def test_bodies_are_bounded_and_escaped(loop, loop_client):
    with pytest.raises(ValidationError):
        comment_add(item=loop.item, user=loop.users["owner"], body="长" * (COMMENT_MAX_LENGTH + 1))
    with pytest.raises(ValidationError):
        comment_add(item=loop.item, user=loop.users["owner"], body="   ")
    with pytest.raises(PermissionDenied):
        comment_add(item=loop.item, user=loop.users["viewer"], body="读者")
    client = loop_client("owner")
    client.post(
        reverse("cooperation:comment_create", args=[loop.item.pk]),
        {"body": '<img src=x onerror=alert("xss")>'},
    )
    html = client.get(loop.item.get_absolute_url()).content.decode()
    assert '<img src=x onerror=alert("xss")>' not in html
    assert "&lt;img src=x" in html
    response = client.post(
        reverse("cooperation:comment_create", args=[loop.item.pk]), {"body": "长" * 2001}
    )
    assert response.status_code == 302 and Comment.objects.count() == 1


def test_a_comment_on_a_report_shows_under_it(loop, loop_client):
    update = report(loop)
    comment_add(
        item=loop.item, user=loop.users["yb_lead"], body="审核意见：数据齐全", status_update=update
    )
    html = loop_client("viewer").get(loop.item.get_absolute_url()).content.decode()
    section = html.split(f'id="update-{update.pk}"')[1]
    assert "审核意见：数据齐全" in section.split("</li>")[0]
