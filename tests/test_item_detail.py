"""Item detail and history tab: what a reader sees, in both languages, in constant queries."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cooperation.choices import Health, Status
from cooperation.models import CooperationItem, Membership, Milestone, StatusUpdate
from cooperation.services import StatusReport, milestone_save, status_report_submit


def detail(client, item, **params):
    return client.get(reverse("cooperation:item_detail", args=[item.pk]), params)


def history(client, item):
    return client.get(reverse("cooperation:item_history", args=[item.pk]))


@pytest.fixture
def reported(workspace):
    """KP-1 after two reports by the owner coordinator, one marking the milestone done."""
    item, owner = workspace["item"], workspace["users"]["owner"]
    status_report_submit(
        item=item,
        user=owner,
        report=StatusReport(
            status="in_progress", health="on_track", progress=20, narrative="完成选址论证"
        ),
    )
    status_report_submit(
        item=item,
        user=owner,
        report=StatusReport(
            status="in_progress",
            health="at_risk",
            progress=45,
            narrative="土地报批进度<慢于预期>",
            risks="用地指标紧张",
            next_steps="提请会商协调",
            milestones_done=(workspace["milestone"].pk,),
        ),
    )
    return workspace


def test_detail_shows_leads_co_owners_people_and_milestones(client_as, workspace):
    item = workspace["item"]
    person = User.objects.create(username="liaison", first_name="刘联络")
    Membership.objects.create(
        user=person, organization=item.chengdu_lead, role="coordinator", phone="028-1234"
    )
    item.responsible_people.add(person)
    Milestone.objects.create(
        item=item, title_zh="园区开工", due_date=datetime.date(2021, 3, 1), sort_order=2
    )
    content = detail(client_as("viewer"), item).content.decode()
    for text in [
        "成都产业投资集团有限公司",
        "宜宾临港经济技术开发区",
        "四川成宜产业园投资建设有限公司",
        "刘联络",
        "028-1234",
        "完成园区选址",
        "2021年3月1日",
        "已逾期",
    ]:
        assert text in content, text


def test_sub_items_with_rolled_up_progress(client_as, workspace):
    item = workspace["item"]
    CooperationItem.objects.filter(code="KP-1.1").update(progress=100, weight=3)
    response = detail(client_as("viewer"), item)
    children = response.context["children"]
    assert [child.code for child in children] == ["KP-1.1", "KP-1.2", "KP-1.3", "KP-1.4"]
    assert response.context["item"].rolled_up_progress == 50  # 100×3 / (3+1+1+1)
    content = response.content.decode()
    assert "由 4 个子事项汇总" in content
    assert 'class="progress-bar pct-50"' in content


def test_timeline_newest_first_with_author_and_escaped_text(client_as, reported):
    response = detail(client_as("other"), reported["item"])
    updates = response.context["updates"]
    assert [u.progress for u in updates] == [45, 20]
    content = response.content.decode()
    assert "张明" in content and "成都产业集团" in content
    assert "土地报批进度&lt;慢于预期&gt;" in content
    assert "用地指标紧张" in content and "提请会商协调" in content
    assert f'id="update-{updates[0].pk}"' in content


def test_history_tab_shows_who_changed_what_from_and_to(client_as, reported):
    response = history(client_as("viewer"), reported["item"])
    assert response.status_code == 200
    entries = response.context["entries"]
    latest = entries[0]
    assert latest.user == reported["users"]["owner"]
    changes = {change.label: (change.old, change.new) for change in latest.changes}
    assert changes["健康度"] == ("正常", "有风险")
    assert changes["进度（%）"] == ("20", "45")
    milestone_done = next(e for e in entries if e.subject == "里程碑“完成园区选址”" and e.changes)
    assert milestone_done.changes[0].old == ""
    assert milestone_done.reason == "在进展报送中标记为已完成"
    content = response.content.decode()
    assert "张明" in content and "进展报送" in content
    assert "从合作协议数据导入" in content  # the first row, from the fixture
    assert "新建" in content and "创建时间" not in content


def test_first_report_does_not_show_co_owners_as_changed(client_as, reported):
    entries = history(client_as("viewer"), reported["item"]).context["entries"]
    labels = {change.label for entry in entries for change in entry.changes}
    assert "共同责任单位" not in labels


def test_co_owner_changes_are_shown(client_as, workspace):
    from cooperation.models import Organization

    item = workspace["item"]
    item._history_user = workspace["users"]["supervisor"]
    item.co_owners.add(Organization.objects.get(code="cy-logistics-park-co"))
    entries = history(client_as("viewer"), item).context["entries"]
    change = next(c for e in entries for c in e.changes if c.label == "共同责任单位")
    assert change.old == "成宜产业园公司"
    assert change.new == "成宜产业园公司、成宜物流园公司"


def test_deleted_milestone_stays_in_the_history(client_as, workspace):
    client = client_as("owner")
    item, milestone = workspace["item"], workspace["milestone"]
    client.post(reverse("cooperation:milestone_delete", args=[item.pk, milestone.pk]))
    entries = history(client, item).context["entries"]
    assert entries[0].kind == "deleted" and entries[0].user == workspace["users"]["owner"]
    assert entries[0].subject == "里程碑“完成园区选址”"


def test_english_shows_english_names_labels_and_dates(client_as, reported):
    client = client_as("viewer")
    client.cookies.load({"django_language": "en"})
    item = reported["item"]
    Milestone.objects.create(item=item, title_zh="园区开工", due_date=datetime.date(2021, 3, 1))
    content = detail(client, item).content.decode()
    assert "Jointly build and share an equipment manufacturing industrial park" in content
    assert "Chengdu Industry Investment Group" in content
    assert "March 1, 2021" in content
    assert "Status reports" in content and "Responsibilities" in content
    entries = history(client, item).context["entries"]
    assert entries[0].subject == "Milestone “园区开工”" and entries[0].kind == "created"
    report = entries[1]
    changes = {c.label: (c.old, c.new) for c in report.changes}
    assert changes["Health"] == ("On track", "At risk")
    assert report.reason == "Status report"


def test_detail_queries_do_not_grow_with_reports_milestones_and_sub_items(client_as, workspace):
    client = client_as("owner")
    item, owner = workspace["item"], workspace["users"]["owner"]

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert detail(client, item).status_code == 200
        return len(captured)

    before = count()
    for n in range(15):
        StatusUpdate.objects.create(
            item=item, author=owner, status=Status.IN_PROGRESS, health=Health.ON_TRACK, progress=n
        )
        Milestone.objects.create(item=item, title_zh=f"里程碑{n}")
    for n in range(10):
        CooperationItem.objects.create(
            agreement=item.agreement,
            category=item.category,
            code=f"KP-1.{n + 10}",
            title_zh="子事项",
            parent=item,
            chengdu_lead=item.chengdu_lead,
        )
    assert count() == before
    print(f"item detail: {before} queries")


def test_history_queries_do_not_grow_with_changes(client_as, workspace):
    client = client_as("viewer")
    item, owner = workspace["item"], workspace["users"]["owner"]

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert history(client, item).status_code == 200
        return len(captured)

    before = count()
    for n in range(12):
        status_report_submit(
            item=item,
            user=owner,
            report=StatusReport(status="in_progress", health="on_track", progress=n + 1),
        )
        milestone_save(milestone=Milestone(item=item), user=owner, fields={"title_zh": f"m{n}"})
    assert count() == before


def test_last_report_date_shown_in_active_language(client_as, reported):
    client = client_as("viewer")
    today = timezone.localdate()
    assert (
        f"{today.year}年{today.month}月{today.day}日"
        in detail(client, reported["item"]).content.decode()
    )
