"""The status report form: validation next to the fields, all-or-nothing, no lost update."""

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cooperation.choices import Status
from cooperation.models import CooperationItem, Milestone, StatusUpdate
from cooperation.services import StatusReport, status_report_submit


def update_url(item):
    return reverse("cooperation:item_update", args=[item.pk])


def report(item, **fields):
    data = {
        "status": item.status,
        "health": "on_track",
        "progress": "35",
        "narrative": "完成园区控制性详细规划编制",
        "risks": "",
        "next_steps": "启动一期基础设施招标",
        "version": str(item.version),
    }
    data.update(fields)
    return data


def checked(content: str, name: str) -> list[str]:
    """The values of the checked radio buttons or checkboxes named ``name``."""
    tags = re.findall(r"<input [^>]*>", content)
    return [
        re.search(r'value="([^"]*)"', tag).group(1)
        for tag in tags
        if f'name="{name}"' in tag and re.search(r"\schecked[\s>]", tag)
    ]


def fresh(item):
    return CooperationItem.objects.get(pk=item.pk)


@pytest.fixture
def owner(client_as):
    return client_as("owner")


def assert_nothing_saved(item, before_updates=0):
    again = fresh(item)
    assert (again.status, again.progress, again.version) == (
        item.status,
        item.progress,
        item.version,
    )
    assert StatusUpdate.objects.count() == before_updates


def test_form_offers_only_statuses_of_the_transition_table(owner, workspace):
    item = CooperationItem.objects.get(code="KP-1.1")  # not started
    form = owner.get(update_url(item)).context["form"]
    offered = [value for value, _label in form.fields["status"].choices]
    assert offered == ["not_started", "in_progress", "suspended", "cancelled"]
    kp1 = owner.get(update_url(workspace["item"])).context["form"]  # in progress
    assert "not_started" not in [value for value, _ in kp1.fields["status"].choices]


def test_a_report_writes_one_update_changes_the_item_and_records_history(owner, workspace):
    item, milestone = workspace["item"], workspace["milestone"]
    data = report(item, progress="35", milestones_done=[milestone.pk])
    response = owner.post(update_url(item), data)
    update = StatusUpdate.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{item.get_absolute_url()}#update-{update.pk}"
    assert (update.author, update.organization.code, update.progress) == (
        workspace["users"]["owner"],
        "cdig",
        35,
    )
    again = fresh(item)
    assert again.progress == 35 and again.version == item.version + 1
    latest = again.history.latest()
    assert latest.history_user == workspace["users"]["owner"]
    assert latest.history_change_reason == "Status report"
    milestone.refresh_from_db()
    assert milestone.done_date == timezone.localdate()
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert shown == ["您对 KP-1 的进展报送已保存。"]


def test_illegal_status_is_refused_next_to_the_field(owner, workspace):
    item = CooperationItem.objects.get(code="KP-1.1")  # not started: cannot jump to completed
    response = owner.post(update_url(item), report(item, status="completed", progress="100"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "不能变更为该状态" in errors["status"][0]
    assert_nothing_saved(item)
    content = response.content.decode()
    assert 'id="id_status_error"' in content
    assert 'aria-invalid="true"' in content


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("12.5", "0 到 100 之间的整数"),
        ("abc", "0 到 100 之间的整数"),
        ("101", "不能超过 100"),
        ("-1", "不能低于 0"),
        ("", "请填写进度"),
    ],
)
def test_progress_is_a_whole_number_from_0_to_100(owner, workspace, value, message):
    item = workspace["item"]
    response = owner.post(update_url(item), report(item, progress=value))
    assert message in response.context["form"].errors["progress"][0]
    assert_nothing_saved(item)


def test_completed_needs_100_and_no_open_milestone(owner, workspace):
    item, milestone = workspace["item"], workspace["milestone"]
    response = owner.post(update_url(item), report(item, status="completed", progress="90"))
    errors = response.context["form"].errors
    assert "进度必须为 100" in errors["progress"][0]
    assert "完成园区选址" in errors["status"][0]
    assert_nothing_saved(item)
    # Ticking the last milestone in the same report, with an evidence file, asks for
    # completion; the other city confirms it (tests/workflow/test_completion.py).
    data = report(item, status="completed", progress="100", milestones_done=[milestone.pk])
    data["evidence"] = SimpleUploadedFile("验收.pdf", b"%PDF-1.4\n%%EOF\n")
    assert owner.post(update_url(item), data).status_code == 302
    assert fresh(item).status == Status.IN_PROGRESS
    assert item.completion_requests.get().requested_status == Status.COMPLETED


@pytest.mark.parametrize("health", ["at_risk", "off_track"])
def test_narrative_required_when_at_risk_or_off_track(owner, workspace, health):
    item = workspace["item"]
    response = owner.post(update_url(item), report(item, health=health, narrative="   "))
    assert "请填写进展情况说明" in response.context["form"].errors["narrative"][0]
    assert_nothing_saved(item)


def test_lengths_are_bounded(owner, workspace):
    item = workspace["item"]
    response = owner.post(update_url(item), report(item, narrative="进" * 4001))
    assert response.context["form"].errors["narrative"]
    assert_nothing_saved(item)


def test_a_rejected_submit_shows_every_entered_value_again(owner, workspace):
    item, milestone = workspace["item"], workspace["milestone"]
    data = report(
        item,
        status="completed",
        health="at_risk",
        progress="77",
        narrative="",
        risks="征地进度<慢>",
        next_steps="协调国土部门",
        milestones_done=[milestone.pk],
    )
    response = owner.post(update_url(item), data)
    content = response.content.decode()
    assert 'value="77"' in content
    assert "征地进度&lt;慢&gt;" in content
    assert "协调国土部门" in content
    assert 'value="completed" selected' in content
    assert checked(content, "health") == ["at_risk"]
    assert checked(content, "milestones_done") == [str(milestone.pk)]
    assert_nothing_saved(item)


def test_a_milestone_of_another_item_cannot_be_ticked(owner, workspace):
    item = workspace["item"]
    foreign = Milestone.objects.create(item=CooperationItem.objects.get(code="SP-7"), title_zh="x")
    response = owner.post(update_url(item), report(item, milestones_done=[foreign.pk]))
    assert response.context["form"].errors["milestones_done"]
    foreign.refresh_from_db()
    assert foreign.done_date is None
    assert_nothing_saved(item)


def test_csrf_token_is_required(workspace):
    client = Client(enforce_csrf_checks=True)
    client.force_login(workspace["users"]["owner"])
    item = workspace["item"]
    assert client.post(update_url(item), report(item)).status_code == 403
    assert_nothing_saved(item)


def test_a_stale_form_is_refused_naming_who_changed_what_and_when(owner, workspace):
    item = workspace["item"]
    form_version = item.version
    status_report_submit(
        item=item,
        user=workspace["users"]["supervisor"],
        report=StatusReport(status="in_progress", health="at_risk", progress=20, narrative="滞后"),
        expected_version=form_version,
    )
    mine = report(item, progress="50", narrative="我的报送", version=str(form_version))
    response = owner.post(update_url(item), mine)
    assert response.status_code == 200
    error = response.context["form"].non_field_errors()[0]
    assert "boss" in error and "健康度" in error and "进度" in error
    assert timezone.localtime(fresh(item).updated_at).strftime("%Y") in error
    content = response.content.decode()
    assert "我的报送" in content and 'value="50"' in content
    assert StatusUpdate.objects.count() == 1
    assert fresh(item).progress == 20
    # The form now carries the current version: submitting again (after checking) saves.
    current = str(fresh(item).version)
    assert f'name="version" value="{current}"' in content
    again = owner.post(update_url(item), {**mine, "version": current})
    assert again.status_code == 302
    assert fresh(item).progress == 50


def test_stale_message_without_field_changes_names_the_report(owner, workspace):
    item = workspace["item"]
    CooperationItem.objects.filter(pk=item.pk).update(start_date=datetime.date(2020, 6, 1))
    item.refresh_from_db()
    opened = item.version
    same = StatusReport(status=item.status, health=item.health, progress=item.progress)
    status_report_submit(item=item, user=workspace["users"]["supervisor"], report=same)
    response = owner.post(update_url(item), report(item, version=str(opened)))
    error = response.context["form"].non_field_errors()[0]
    assert "boss" in error and "报送" in error


def test_english_errors_in_english(owner, workspace):
    owner.cookies.load({"django_language": "en"})
    item = workspace["item"]
    response = owner.post(update_url(item), report(item, health="off_track", narrative=""))
    assert response.context["form"].errors["narrative"] == [
        "Explain the situation when the item is at risk or off track."
    ]


def test_first_report_starts_an_item_and_sets_its_start_date(owner, workspace):
    item = CooperationItem.objects.get(code="KP-1.2")
    assert item.start_date is None
    owner.post(update_url(item), report(item, status="in_progress", progress="5"))
    assert fresh(item).start_date == timezone.localdate()


def test_supervisor_may_report_on_any_item(client_as):
    item = CooperationItem.objects.get(code="KP-3")  # no lead at all
    response = client_as("supervisor").post(update_url(item), report(item, status="in_progress"))
    assert response.status_code == 302
    assert StatusUpdate.objects.get().organization.code == "chengdu-gov"


def test_milestones_can_be_added_edited_and_deleted_with_history(owner, workspace):
    item = workspace["item"]
    add = reverse("cooperation:milestone_create", args=[item.pk])
    response = owner.post(
        add, {"title_zh": "一期开工", "title_en": "Phase 1 starts", "due_date": "2027-03-31"}
    )
    assert response.status_code == 302
    milestone = Milestone.objects.get(title_zh="一期开工")
    assert milestone.due_date == datetime.date(2027, 3, 31)
    edit = reverse("cooperation:milestone_update", args=[item.pk, milestone.pk])
    today = timezone.localdate().isoformat()
    owner.post(edit, {"title_zh": "一期开工", "due_date": "2027-03-31", "done_date": today})
    milestone.refresh_from_db()
    assert milestone.done_date == timezone.localdate() and milestone.title_en == ""
    assert milestone.history.latest().history_user == workspace["users"]["owner"]
    delete = reverse("cooperation:milestone_delete", args=[item.pk, milestone.pk])
    assert (
        owner.get(delete).status_code == 200 and Milestone.objects.filter(pk=milestone.pk).exists()
    )
    owner.post(delete)
    assert not Milestone.objects.filter(pk=milestone.pk).exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"title_zh": ""}, "title_zh", "这个字段是必填项。"),
        ({"due_date": "1999-01-01"}, "due_date", "2020-01-01"),
        ({"due_date": "2027-02-30"}, "due_date", "日期"),
        ({"done_date": "2099-01-01"}, "done_date", "2050-12-31"),
        ({"title_zh": "长" * 301}, "title_zh", "300"),
    ],
)
def test_milestone_dates_and_lengths_are_checked(owner, workspace, fields, field, message):
    item = workspace["item"]
    data = {"title_zh": "新里程碑", **fields}
    response = owner.post(reverse("cooperation:milestone_create", args=[item.pk]), data)
    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert Milestone.objects.filter(item=item).count() == 1


def test_a_milestone_cannot_be_done_in_the_future(owner, workspace):
    item, milestone = workspace["item"], workspace["milestone"]
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    edit = reverse("cooperation:milestone_update", args=[item.pk, milestone.pk])
    response = owner.post(edit, {"title_zh": "完成园区选址", "done_date": tomorrow})
    assert "不能晚于今天" in response.context["form"].errors["done_date"][0]
    milestone.refresh_from_db()
    assert milestone.done_date is None


def test_completed_item_cannot_get_an_open_milestone(owner, workspace):
    item = CooperationItem.objects.get(code="SP-7")
    CooperationItem.objects.filter(pk=item.pk).update(status=Status.COMPLETED, progress=100)
    add = reverse("cooperation:milestone_create", args=[item.pk])
    response = owner.post(add, {"title_zh": "补充事项"})
    assert response.context["form"].errors["done_date"]
    assert not item.milestones.exists()


@pytest.mark.parametrize("version", ["", "abc", "0"])
def test_a_tampered_version_is_refused_with_a_visible_message(owner, workspace, version):
    item = workspace["item"]
    response = owner.post(update_url(item), report(item, version=version))
    assert "表单不完整" in response.content.decode()
    assert_nothing_saved(item)


def test_a_cancelled_item_takes_no_more_reports(owner, workspace):
    item = workspace["item"]
    cancel = StatusReport(status=Status.CANCELLED, health="on_track", progress=item.progress)
    status_report_submit(item=item, user=workspace["users"]["supervisor"], report=cancel)
    item = fresh(item)
    response = owner.post(update_url(item), report(item))
    assert response.status_code == 200
    assert "该事项已取消，不再接受进展报送。" in response.content.decode()
    assert_nothing_saved(item, before_updates=1)  # only the cancelling report
