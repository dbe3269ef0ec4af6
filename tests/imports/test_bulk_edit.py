"""Bulk edit on the item list: supervisors set leads, target date or category of many items."""

import datetime

import pytest

from cooperation.choices import Role
from cooperation.models import CooperationItem, Organization

pytestmark = pytest.mark.django_db


def ids(*codes):
    return [str(CooperationItem.objects.get(code=code).pk) for code in codes]


def test_supervisor_chooses_items_on_the_list_and_sets_values(sup_client, supervisor):
    page = sup_client.get("/items/").content.decode()
    assert 'data-testid="bulk-choose"' in page and page.count('data-testid="choose-item"') > 10
    chosen = sup_client.get("/items/bulk/", {"items": ids("KP-1", "KP-2", "SP-1")})
    assert chosen.status_code == 200
    assert chosen.content.decode().count('class="list-group-item"') == 3
    xingcheng = Organization.objects.get(code="cd-xingcheng")
    before = CooperationItem.history.count()
    response = sup_client.post(
        "/items/bulk/",
        {
            "items": ids("KP-1", "KP-2", "SP-1"),
            "chengdu_lead": xingcheng.pk,
            "target_date": "2027-12-31",
        },
        follow=True,
    )
    text = response.content.decode()
    assert "3 个事项中有 3 个已修改" in text
    assert "KP-1（成都牵头单位: 成都产业集团 → 成都兴城集团；目标日期:" in text
    for code in ("KP-1", "KP-2", "SP-1"):
        item = CooperationItem.objects.get(code=code)
        assert item.chengdu_lead == xingcheng and item.target_date == datetime.date(2027, 12, 31)
        latest = item.history.first()
        assert latest.history_change_reason == "Bulk edit" and latest.history_user == supervisor
    assert CooperationItem.history.count() - before == 3  # one history row per item

    # The same again changes nothing and says so.
    response = sup_client.post(
        "/items/bulk/",
        {"items": ids("KP-1", "KP-2"), "chengdu_lead": xingcheng.pk},
        follow=True,
    )
    assert "没有变更" in response.content.decode()
    assert CooperationItem.history.count() - before == 3


def test_a_refused_value_changes_no_item(sup_client):
    kp1 = CooperationItem.objects.get(code="KP-1")
    kp1.start_date = datetime.date(2026, 6, 1)
    kp1.save()
    before = CooperationItem.history.count()
    response = sup_client.post(
        "/items/bulk/",
        {"items": ids("KP-2", "KP-1"), "target_date": "2026-01-01", "category": "other"},
    )
    assert response.status_code == 200
    assert (
        "KP-1" in response.content.decode()
        and "目标日期不能早于开始日期" in response.content.decode()
    )
    assert CooperationItem.history.count() == before
    assert CooperationItem.objects.get(code="KP-2").category != "other"


def test_nothing_chosen_to_set_is_refused(sup_client):
    response = sup_client.post("/items/bulk/", {"items": ids("KP-1")})
    assert "请至少选择一项" in response.content.decode()


def test_only_supervisors_bulk_edit(client, make_user, agreement):
    assert client.get("/items/bulk/").status_code == 302  # anonymous: to the sign-in page
    coordinator = make_user("coord", org="cdig", role=Role.COORDINATOR)
    client.force_login(coordinator)
    assert 'data-testid="choose-item"' not in client.get("/items/").content.decode()
    assert client.get("/items/bulk/").status_code == 403
    response = client.post("/items/bulk/", {"items": ids("KP-1"), "category": "other"})
    assert response.status_code == 403
    assert CooperationItem.objects.get(code="KP-1").category != "other"
