"""The item list through the API: the web's FilterSet, pages, constant queries, errors."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cooperation.choices import Health, Status
from cooperation.models import CooperationItem, Organization
from cooperation.services import StatusReport, status_report_submit
from tests.test_item_list import make_items

API = "/api/v1/items/"
WEB = reverse("cooperation:item_list")


def api_codes(client, params) -> list[str]:
    codes, url, query = [], API, {**params, "page_size": 200}
    while url:
        response = client.get(url, query)
        assert response.status_code == 200, response.content
        body = response.json()
        codes += [row["code"] for row in body["results"]]
        url, query = body["next"], None
    return codes


def web_codes(client, params) -> list[str]:
    codes, page = [], 1
    while True:
        response = client.get(WEB, {**params, "page": page})
        assert response.status_code == 200
        codes += [item.code for item in response.context["items"]]
        if not response.context["page_obj"].has_next():
            return codes
        page += 1


def combinations(workspace):
    kp1 = workspace["item"]
    cdig = Organization.objects.get(code="cdig").pk
    return [
        {},
        {"q": "KP"},
        {"q": "产业 园"},
        {"category": "key_project", "sort": "-progress"},
        {"city": "yibin", "status": ["not_started", "in_progress"]},
        {"organization": cdig},
        {"organization": cdig, "top": "1", "sort": "title"},
        {"health": ["at_risk", "off_track"]},
        {"overdue": "1"},
        {"stale": "1", "stale_days": "1"},
        {"mine": "1", "sort": "-code"},
        {"agreement": kp1.agreement_id, "sort": "target_date"},
        {"status": "in_progress", "sort": "-last_reported_at"},
        {"sort": "health"},
    ]


def test_the_api_and_the_web_list_return_the_same_items(api_as, client_as, workspace):
    owner = workspace["users"]["owner"]
    status_report_submit(
        item=workspace["item"],
        user=owner,
        report=StatusReport(
            status=Status.IN_PROGRESS, health=Health.AT_RISK, progress=30, narrative="风险"
        ),
    )
    make_items(120, workspace["item"].agreement)  # more than two web pages
    api, web = api_as("owner"), client_as("owner")
    for params in combinations(workspace):
        from_api, from_web = api_codes(api, params), web_codes(web, params)
        assert from_api == from_web, params
    assert len(api_codes(api, {})) > 120
    assert api_codes(api, {"health": "at_risk"}) == ["KP-1"]


def list_queries(client, params) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(API, params)
    assert response.status_code == 200
    return len(captured), response.json()


@pytest.mark.parametrize("params", [{}, {"mine": "1", "overdue": "1", "sort": "-progress"}])
def test_the_api_list_takes_the_same_queries_at_10_and_1000_items(
    api_as, workspace, params, django_assert_num_queries
):
    client = api_as("owner")
    params = {**params, "q": "BULK"}
    make_items(10, workspace["item"].agreement)
    client.get(API)  # the token's "last used" is written at most once a minute: not here
    few, body = list_queries(client, params)
    assert body["count"] == 10
    CooperationItem.objects.filter(code__startswith="BULK").delete()
    make_items(1000, workspace["item"].agreement)
    with django_assert_num_queries(few):
        body = client.get(API, params).json()
    assert body["count"] == (1000 if not params.get("overdue") else 20)
    assert len(body["results"]) == min(body["count"], 50)
    print(f"API item list: {few} queries")
    assert few <= 8, f"the API item list takes {few} queries"


def test_an_item_and_its_history(api_as, workspace):
    client = api_as("viewer")
    item = workspace["item"]
    detail = client.get(f"{API}{item.pk}/").json()
    assert detail["code"] == "KP-1" and detail["can_change"] is False
    assert set(detail) >= {"title_zh", "title_en", "chengdu_lead", "rolled_up_progress",
                           "is_overdue", "is_stale", "version"}  # fmt: skip
    status_report_submit(
        item=item,
        user=workspace["users"]["owner"],
        report=StatusReport(status=Status.IN_PROGRESS, health=Health.ON_TRACK, progress=40),
    )
    english = api_as("viewer", HTTP_ACCEPT_LANGUAGE="en")
    history = english.get(f"{API}{item.pk}/history/").json()
    latest = history["results"][0]
    assert latest["user"] == "cd_owner" and latest["reason"] == "Status report"
    assert {"field": "Progress (%)", "old": "0", "new": "40"} in latest["changes"]
    chinese = client.get(f"{API}{item.pk}/history/").json()["results"][0]
    assert chinese["reason"] == "进展报送"


def test_errors_are_json_and_translated(api_as, workspace):
    client = api_as("viewer")
    response = client.get(API, {"status": "nonsense"})
    assert response.status_code == 400
    assert "nonsense" in response.json()["status"][0]
    assert "不在可用的选项中" in response.json()["status"][0]
    english = api_as("viewer", HTTP_ACCEPT_LANGUAGE="en").get(API, {"status": "nonsense"})
    assert english.json()["status"][0].startswith("Select a valid choice.")
    missing = client.get(f"{API}999999/")
    assert missing.status_code == 404 and missing.json() == {"detail": "未找到。"}
    english = api_as("viewer", HTTP_ACCEPT_LANGUAGE="en").get(f"{API}999999/")
    assert english.json() == {"detail": "Not found."}
