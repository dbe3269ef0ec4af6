"""Status reports through the API: the web form's validation, the version check and the
same service; the browser session needs its CSRF token, a token does not."""

from django.urls import reverse
from rest_framework.test import APIClient

from cooperation.choices import Health, Status
from cooperation.models import StatusUpdate

REPORTS = reverse("api:statusupdate_list")


def report(item, **fields):
    return {
        "item": item.pk,
        "status": Status.IN_PROGRESS,
        "health": Health.ON_TRACK,
        "progress": 25,
        "narrative": "完成选址",
        "version": item.version,
        **fields,
    }


def test_a_report_is_saved_through_the_service(api_as, workspace):
    item, milestone = workspace["item"], workspace["milestone"]
    response = api_as("owner").post(
        REPORTS, report(item, milestones_done=[milestone.pk]), format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["progress"] == 25 and body["author"] == workspace["users"]["owner"].pk
    item.refresh_from_db()
    milestone.refresh_from_db()
    assert (item.status, item.progress, item.version) == (Status.IN_PROGRESS, 25, 2)
    assert milestone.done_date is not None
    latest = item.history.order_by("-history_date").first()
    assert latest.history_user == workspace["users"]["owner"]
    assert latest.history_change_reason == "Status report"
    listed = api_as("viewer").get(REPORTS, {"item": item.pk}).json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]


def test_a_stale_version_is_refused_with_409_and_nothing_saved(api_as, workspace):
    item = workspace["item"]
    first = api_as("owner").post(REPORTS, report(item), format="json")
    assert first.status_code == 201
    late = api_as("supervisor", HTTP_ACCEPT_LANGUAGE="en").post(
        REPORTS, report(item, progress=60), format="json"
    )  # still carries version 1
    assert late.status_code == 409
    assert late.json()["code"] == "stale"
    assert "after you opened the form" in late.json()["detail"]
    item.refresh_from_db()
    assert item.progress == 25 and StatusUpdate.objects.count() == 1


def test_the_web_forms_rules_answer_as_translated_field_errors(api_as, workspace):
    item = workspace["item"]
    client = api_as("owner")
    response = client.post(
        REPORTS, report(item, status=Status.COMPLETED, progress=50), format="json"
    )
    assert response.status_code == 400
    errors = response.json()  # the service's rules, as the web form shows them
    assert errors["status"] == ["仍有未完成节点，事项不能标记为已完成：完成园区选址。"]
    assert len(errors["progress"]) == 1
    response = client.post(
        REPORTS, report(item, health=Health.AT_RISK, narrative=" "), format="json"
    )
    assert response.status_code == 400
    english = api_as("owner", HTTP_ACCEPT_LANGUAGE="en").post(
        REPORTS, report(item, health=Health.AT_RISK, narrative=""), format="json"
    )
    assert english.json() == {
        "narrative": ["Explain the situation when the item is at risk or off track."]
    }
    wrong = client.post(REPORTS, report(item, milestones_done=[999999]), format="json")
    assert wrong.status_code == 400 and "milestones_done" in wrong.json()
    assert client.post(REPORTS, {"item": item.pk}, format="json").status_code == 400
    assert StatusUpdate.objects.count() == 0
    item.refresh_from_db()
    assert item.version == 1


def test_session_auth_needs_the_csrf_token(workspace):
    item = workspace["item"]
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(workspace["users"]["owner"])
    refused = client.post(REPORTS, report(item), format="json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    client.get(reverse("cooperation:item_update", args=[item.pk]))  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    accepted = client.post(REPORTS, report(item), format="json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201, accepted.content


def test_an_unknown_item_is_404_and_a_foreign_one_403(api_as, workspace):
    item = workspace["item"]
    unknown = {**report(item), "item": 999999}
    assert api_as("owner").post(REPORTS, unknown, format="json").status_code == 404
    refused = api_as("other").post(REPORTS, report(item), format="json")
    assert refused.status_code == 403
    assert refused.json() == {"detail": "您无权修改该事项。"}
