"""审核 / 退回: who may review, a reason to return, the author told, the correction linked."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cooperation.choices import ReviewState
from cooperation.models import Notification, StatusUpdate
from cooperation.workflow.reviews import report_review, reports_awaiting_review, returned_twice

from .conftest import report


def test_a_report_waits_for_review_by_the_other_city_or_a_supervisor(loop):
    update = report(loop)
    assert update.review_state == ReviewState.PENDING
    assert list(reports_awaiting_review(loop.users["yb_lead"])) == [update]
    assert list(reports_awaiting_review(loop.users["supervisor"])) == [update]
    for role in ("owner", "other", "viewer"):  # the author, a stranger, a reader
        assert list(reports_awaiting_review(loop.users[role])) == []
        with pytest.raises(PermissionDenied):
            report_review(update=update, user=loop.users[role], accept=True)


def test_returning_needs_a_reason_and_tells_the_author(loop):
    update = report(loop)
    with pytest.raises(ValidationError) as error:
        report_review(update=update, user=loop.users["yb_lead"], accept=False, reason="  ")
    assert "reason" in error.value.message_dict
    report_review(update=update, user=loop.users["yb_lead"], accept=False, reason="缺少用地数据")
    update.refresh_from_db()
    assert (update.review_state, update.reviewed_by, update.return_reason) == (
        ReviewState.RETURNED,
        loop.users["yb_lead"],
        "缺少用地数据",
    )
    notice = Notification.objects.get(user=loop.users["owner"], title__contains="退回")
    assert "缺少用地数据" in notice.body
    with pytest.raises(ValidationError):  # reviewed once
        report_review(update=update, user=loop.users["supervisor"], accept=True)


def test_the_corrected_report_points_at_the_returned_one_and_both_stay(loop, loop_client):
    first = report(loop, narrative="初稿")
    report_review(update=first, user=loop.users["supervisor"], accept=False, reason="数据不全")
    second = report(loop, narrative="补充了用地数据")
    assert second.corrects == first
    assert StatusUpdate.objects.filter(item=loop.item).count() == 2
    report_review(update=second, user=loop.users["yb_lead"], accept=True)
    html = loop_client("viewer").get(loop.item.get_absolute_url()).content.decode()
    assert "已退回" in html and "数据不全" in html and "已通过" in html
    assert not returned_twice(loop.item.pk)
    third = report(loop, narrative="第三稿")
    report_review(update=third, user=loop.users["yb_lead"], accept=False, reason="仍不全")
    assert returned_twice(loop.item.pk)


def test_review_through_the_page_and_the_todo_list(loop, loop_client):
    update = report(loop)
    client = loop_client("yb_lead")
    todo = client.get(reverse("cooperation:todo_list")).content.decode()
    assert update.get_absolute_url() in todo
    # The page's title is its name only, and each list appears once.
    assert re.search(r"<title>\s*待办", todo) and "<section" not in todo.split("</title>")[0]
    assert todo.count('data-testid="slips-to-answer"') == 1
    response = client.post(
        reverse("cooperation:statusupdate_review", args=[update.pk]), {"decision": "return"}
    )
    assert response.status_code == 302
    update.refresh_from_db()
    assert update.review_state == ReviewState.PENDING  # no reason: nothing changed
    client.post(
        reverse("cooperation:statusupdate_review", args=[update.pk]),
        {"decision": "return", "reason": "<script>alert(1)</script>"},
    )
    html = client.get(loop.item.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
