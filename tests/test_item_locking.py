"""Milestone writes and item updates decide on the item as saved, under its row lock (M6)."""

import pytest
from django.core.exceptions import ValidationError

from cooperation.choices import Health, Status
from cooperation.forms import MilestoneForm
from cooperation.models import CooperationItem, Milestone
from cooperation.services import StatusReport, item_update, milestone_save, status_report_submit

pytestmark = pytest.mark.django_db


def complete(item, user):
    done = tuple(item.milestones.values_list("pk", flat=True))
    report = StatusReport(
        status=Status.COMPLETED, health=Health.ON_TRACK, progress=100, milestones_done=done
    )
    status_report_submit(item=item, user=user, report=report)


def test_an_open_milestone_cannot_be_added_once_the_item_is_completed(workspace):
    owner = workspace["users"]["owner"]
    item = CooperationItem.objects.get(code="SP-7")
    item_update(item=item, user=owner, reason="test", fields={"status": Status.IN_PROGRESS})
    # The form is checked while the item is still in progress ...
    form = MilestoneForm({"title_zh": "补充事项"}, item=item)
    assert form.is_valid()
    # ... and saved after a coordinator completed the item.
    complete(item, owner)
    with pytest.raises(ValidationError) as refused:
        milestone_save(milestone=Milestone(item=item), user=owner, fields=form.cleaned_data)
    assert "done_date" in refused.value.message_dict
    assert not item.milestones.exists()


def test_reopening_a_done_milestone_of_a_completed_item_is_refused(workspace):
    owner, item = workspace["users"]["owner"], workspace["item"]
    item_update(item=item, user=owner, reason="test", fields={"status": Status.IN_PROGRESS})
    complete(item, owner)
    milestone = Milestone.objects.get(pk=workspace["milestone"].pk)
    assert milestone.done_date is not None
    with pytest.raises(ValidationError):
        milestone_save(milestone=milestone, user=owner, fields={"done_date": None})
    milestone.refresh_from_db()
    assert milestone.done_date is not None


def test_item_update_checks_and_counts_from_the_saved_item_not_a_stale_copy(workspace):
    owner = workspace["users"]["owner"]
    first = CooperationItem.objects.get(code="SP-7")
    second = CooperationItem.objects.get(code="SP-7")  # read before the first change
    version = first.version
    item_update(item=first, user=owner, reason="test", fields={"status": Status.CANCELLED})
    item_update(item=second, user=owner, reason="test", fields={"progress": 30})
    saved = CooperationItem.objects.get(code="SP-7")
    assert saved.version == version + 2  # both changes counted: a form opened at +1 is stale
    assert second.version == saved.version and second.status == Status.CANCELLED
    with pytest.raises(ValidationError):  # cancelled is final, whatever the copy says
        item_update(item=second, user=owner, reason="test", fields={"status": Status.IN_PROGRESS})
    stale_copy = CooperationItem.objects.get(code="SP-7")
    stale_copy.status = Status.NOT_STARTED  # a copy that thinks the item is not started
    with pytest.raises(ValidationError):
        item_update(item=stale_copy, user=owner, reason="test", fields={"status": Status.SUSPENDED})
    assert CooperationItem.objects.get(code="SP-7").status == Status.CANCELLED
