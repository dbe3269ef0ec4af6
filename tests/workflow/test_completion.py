"""办结 / 销号: a request confirmed by the other side (or a supervisor), with evidence."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cooperation.choices import CompletionState, Status
from cooperation.models import CooperationItem, Notification
from cooperation.services import StaleFormError
from cooperation.workflow.completion import completion_confirm, completion_refuse

from .conftest import completion_requested, pdf, report


def test_completing_is_a_request_the_item_stays_in_progress(loop, loop_client):
    request = completion_requested(loop)
    item = CooperationItem.objects.get(pk=loop.item.pk)
    assert item.status == Status.IN_PROGRESS and item.progress == 100
    assert request.required_cities == ["yibin"]
    assert request.evidence.count() == 1
    # Figures count it as not completed.
    listed = loop_client("viewer").get(reverse("cooperation:item_list") + "?status=completed")
    assert "KP-1" not in listed.content.decode()
    page = loop_client("viewer").get(item.get_absolute_url()).content.decode()
    assert "办结待确认" in page
    # The other side is asked.
    assert Notification.objects.filter(user=loop.users["yb_lead"], title__contains="KP-1").exists()


def test_completion_without_evidence_is_refused_and_the_form_kept(loop, loop_client):
    report(loop, progress=80)
    loop.item.refresh_from_db()
    client = loop_client("owner")
    response = client.post(
        reverse("cooperation:item_update", args=[loop.item.pk]),
        {
            "status": "completed",
            "health": "on_track",
            "progress": "100",
            "narrative": "全部建成投运",
            "milestones_done": [loop.milestone.pk],
            "version": loop.item.version,
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "至少需要一份佐证材料" in html and "全部建成投运" in html
    assert not loop.item.completion_requests.exists()


def test_the_other_city_confirms_and_the_item_is_closed(loop):
    request = completion_requested(loop)
    with pytest.raises(PermissionDenied):  # the requester's own side
        completion_confirm(request=request, user=loop.users["owner"])
    with pytest.raises(PermissionDenied):
        completion_confirm(request=request, user=loop.users["other"])
    completion_confirm(request=request, user=loop.users["yb_lead"])
    request.refresh_from_db()
    item = CooperationItem.objects.get(pk=loop.item.pk)
    assert request.state == CompletionState.CONFIRMED and item.status == Status.COMPLETED
    latest = item.history.first()
    assert latest.history_user == loop.users["yb_lead"]
    assert latest.history_change_reason == "Completion confirmed"


def test_a_supervisor_settles_and_a_stale_page_is_refused(loop):
    request = completion_requested(loop)
    old_version = CooperationItem.objects.get(pk=loop.item.pk).version
    report(loop, status=Status.IN_PROGRESS, progress=100)  # the item changes meanwhile
    with pytest.raises(StaleFormError):
        completion_confirm(
            request=request, user=loop.users["supervisor"], expected_version=old_version
        )
    completion_confirm(request=request, user=loop.users["supervisor"])
    assert CooperationItem.objects.get(pk=loop.item.pk).status == Status.COMPLETED


def test_refusal_needs_a_reason_and_leaves_the_status(loop):
    request = completion_requested(loop)
    with pytest.raises(ValidationError):
        completion_refuse(request=request, user=loop.users["yb_lead"], reason=" ")
    completion_refuse(request=request, user=loop.users["yb_lead"], reason="尚未通过验收")
    request.refresh_from_db()
    assert request.state == CompletionState.REFUSED and request.refusal_reason == "尚未通过验收"
    assert CooperationItem.objects.get(pk=loop.item.pk).status == Status.IN_PROGRESS
    notice = Notification.objects.filter(user=loop.users["owner"], title__contains="KP-1").first()
    assert notice is not None and "尚未通过验收" in notice.body


def test_cancel_and_reopen_are_requests_too(loop):
    report(loop, progress=50)
    update = report(loop, status=Status.CANCELLED, progress=50)
    assert update.completion_request.requested_status == Status.CANCELLED
    assert CooperationItem.objects.get(pk=loop.item.pk).status == Status.IN_PROGRESS
    completion_confirm(request=update.completion_request, user=loop.users["supervisor"])
    assert CooperationItem.objects.get(pk=loop.item.pk).status == Status.CANCELLED


def test_reopening_a_completed_item_waits_for_confirmation(loop):
    request = completion_requested(loop)
    completion_confirm(request=request, user=loop.users["yb_lead"])
    update = report(loop, status=Status.IN_PROGRESS, progress=90, files=[pdf()])
    item = CooperationItem.objects.get(pk=loop.item.pk)
    assert item.status == Status.COMPLETED and item.progress == 100
    completion_confirm(request=update.completion_request, user=loop.users["yb_lead"])
    assert CooperationItem.objects.get(pk=loop.item.pk).status == Status.IN_PROGRESS


def test_one_pending_request_per_item(loop):
    completion_requested(loop)
    with pytest.raises(ValidationError) as error:
        report(loop, status=Status.CANCELLED, progress=100)
    assert "等待确认" in str(error.value) or "awaiting" in str(error.value)
