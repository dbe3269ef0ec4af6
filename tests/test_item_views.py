"""Every URL of the item workspace × anonymous, viewer, owner, other coordinator, supervisor."""

import logging

import pytest
from django.urls import reverse

from cooperation.models import CooperationItem, Milestone, StatusUpdate

READ = ["item_list", "item_detail", "item_history"]
WRITE_GET = ["item_update", "milestone_create", "milestone_update", "milestone_delete"]
CAN_READ = {"viewer", "owner", "other", "supervisor"}
CAN_WRITE = {"owner", "supervisor"}


def url(name, workspace):
    item, milestone = workspace["item"], workspace["milestone"]
    if name == "item_list":
        return reverse("cooperation:item_list")
    if name.startswith("milestone_") and name != "milestone_create":
        return reverse(f"cooperation:{name}", args=[item.pk, milestone.pk])
    return reverse(f"cooperation:{name}", args=[item.pk])


def post_data(name, workspace):
    item = workspace["item"]
    if name == "item_update":
        return {
            "status": "in_progress",
            "health": "on_track",
            "progress": "40",
            "narrative": "园区一期土地平整完成",
            "version": str(item.version),
        }
    if name in {"milestone_create", "milestone_update"}:
        return {"title_zh": "完成园区规划", "due_date": "2027-06-30"}
    return {}


def snapshot(workspace):
    item = CooperationItem.objects.get(pk=workspace["item"].pk)
    return (
        item.status,
        item.progress,
        item.version,
        StatusUpdate.objects.count(),
        list(Milestone.objects.values_list("pk", "title_zh", "due_date")),
        item.history.count(),
    )


@pytest.mark.parametrize("role", ["anonymous", "viewer", "owner", "other", "supervisor"])
@pytest.mark.parametrize("name", READ + WRITE_GET)
def test_get_matrix(client_as, workspace, role, name):
    response = client_as(role).get(url(name, workspace))
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif name in READ or role in CAN_WRITE:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ["anonymous", "viewer", "owner", "other", "supervisor"])
@pytest.mark.parametrize("name", WRITE_GET)
def test_post_matrix(client_as, workspace, role, name, caplog):
    before = snapshot(workspace)
    with caplog.at_level(logging.WARNING, logger="cooperation.security"):
        response = client_as(role).post(url(name, workspace), post_data(name, workspace))
    if role in CAN_WRITE:
        assert response.status_code == 302, response.content.decode()[:2000]
        assert snapshot(workspace) != before
        return
    assert snapshot(workspace) == before, "a refused request changed data"
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == 403
        denial = [r for r in caplog.records if getattr(r, "event", "") == "permission_denied"]
        assert denial and denial[0].user == workspace["users"][role].username


@pytest.mark.parametrize("role", ["viewer", "owner", "supervisor"])
def test_read_pages_reject_post_and_writes_reject_other_methods(client_as, workspace, role):
    client = client_as(role)
    for name in READ:
        assert client.post(url(name, workspace)).status_code == 405
    assert client.put(url("item_update", workspace)).status_code == 405


def test_unknown_item_is_404_for_everyone_signed_in(client_as, workspace):
    client = client_as("supervisor")
    for name in ["item_detail", "item_history", "item_update", "milestone_create"]:
        assert client.get(reverse(f"cooperation:{name}", args=[999999])).status_code == 404


def test_milestone_of_another_item_is_404_and_unchanged(client_as, workspace):
    other_item = CooperationItem.objects.get(code="SP-7")  # also owned by cdig
    foreign = Milestone.objects.create(item=other_item, title_zh="别的里程碑")
    client = client_as("owner")
    edit = reverse("cooperation:milestone_update", args=[workspace["item"].pk, foreign.pk])
    delete = reverse("cooperation:milestone_delete", args=[workspace["item"].pk, foreign.pk])
    assert client.post(edit, {"title_zh": "篡改"}).status_code == 404
    assert client.post(delete).status_code == 404
    foreign.refresh_from_db()
    assert foreign.title_zh == "别的里程碑"


def test_dashboard_links_signed_in_users_to_the_item_list(client_as):
    # The landing page is the dashboard (reports issue); its figures open the item list.
    response = client_as("viewer").get("/")
    assert response.status_code == 200
    assert f'href="{reverse("cooperation:item_list")}"' in response.content.decode()


def test_sign_in_page_is_public_and_styled(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b"bootstrap.min.css" in response.content
