"""The supervision loop through the API: reviews, completion requests, supervision slips and
the scorecard. The role matrix (refused requests change nothing, and the API refuses
exactly what the web refuses), the actions through the web's services, translated errors,
constant query counts at 10 and 1,000 rows."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cooperation.choices import CompletionState, ReviewState, Status
from cooperation.models import (
    CompletionRequest,
    CooperationItem,
    Notification,
    Organization,
    StatusUpdate,
)
from cooperation.models.supervision import SlipFeedback, SlipState, SupervisionSlip
from cooperation.supervision.feedback import slip_feedback_submit
from tests.test_item_list import make_items
from tests.workflow.conftest import LOOP_ROLES, completion_requested
from tests.workflow.test_matrix import WRITE as WEB_WRITE
from tests.workflow.test_matrix import snapshot as loop_snapshot


def new_slip(item, *, sequence, colour="blue", cause="deadline_near") -> SupervisionSlip:
    slip = SupervisionSlip.objects.create(
        year=2026, sequence=sequence, item=item, colour=colour, cause=cause,
        occasion=f"near:{sequence}", feedback_due=timezone.localdate(),
        facts={"target_date": "2026-12-08"},
    )  # fmt: skip
    slip.addressed_to.set([item.chengdu_lead, item.yibin_lead])
    return slip


@pytest.fixture
def objects(loop):
    """A report waiting for review, a completion request, an open slip and an answered one."""
    request = completion_requested(loop)
    update = StatusUpdate.objects.filter(item=loop.item).order_by("reported_at").first()
    open_slip = new_slip(loop.item, sequence=1)
    answered = new_slip(loop.item, sequence=2, colour="yellow", cause="behind_schedule")
    slip_feedback_submit(
        slip=answered, user=loop.users["owner"], organization_id=loop.item.chengdu_lead_id,
        text="已督促施工单位加快进度",
    )  # fmt: skip
    return {"update": update, "request": request, "slip": open_slip, "answered": answered}


def snapshot(loop):
    return (
        loop_snapshot(loop),
        list(SupervisionSlip.objects.order_by("pk").values_list("pk", "state", "feedback_due")),
        list(SlipFeedback.objects.order_by("pk").values_list("pk", "state")),
    )


# name: (URL arguments, POST body, roles allowed). The web refuses the same roles.
ACTIONS = {
    "api:statusupdate_review": (
        "update",
        {"decision": "return", "reason": "数据不全"},
        {"yb_lead", "supervisor"},
    ),
    "api:completion_confirm": ("request", {}, {"yb_lead", "supervisor"}),
    "api:completion_refuse": ("request", {"reason": "尚未验收"}, {"yb_lead", "supervisor"}),
    # The slip is addressed to both leads: their coordinators answer it.
    "api:slip_feedback": (
        "slip",
        {"organization": None, "text": "已召开专题会推进"},
        {"owner", "yb_lead"},
    ),
    "api:slip_review": ("answered", {"decision": "accept"}, {"supervisor"}),
}
READS = ["api:review_list", "api:completion_list", "api:completion_detail", "api:slip_list",
         "api:slip_detail", "api:scorecard"]  # fmt: skip
REPORT_READERS = {"leader", "supervisor"}


def action_url(name, objects):
    return reverse(name, args=[objects[ACTIONS[name][0]].pk])


def read_url(name, objects):
    args = {"api:completion_detail": "request", "api:slip_detail": "slip"}.get(name)
    return reverse(name, args=[objects[args].pk] if args else [])


def test_the_api_refuses_what_the_web_refuses():
    for web, api in [("statusupdate_review", "api:statusupdate_review"),
                     ("completion_confirm", "api:completion_confirm"),
                     ("completion_refuse", "api:completion_refuse")]:  # fmt: skip
        assert WEB_WRITE[web] == ACTIONS[api][2], web


@pytest.mark.parametrize("role", LOOP_ROLES)
@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_post_matrix(loop_api, loop, objects, role, name):
    body = dict(ACTIONS[name][1])
    if "organization" in body:
        mine = {"owner": loop.item.chengdu_lead_id, "yb_lead": loop.item.yibin_lead_id}
        body["organization"] = mine.get(role, loop.item.chengdu_lead_id)
    before = snapshot(loop)
    response = loop_api(role).post(action_url(name, objects), body, format="json")
    if role == "anonymous":
        assert response.status_code == 401
    elif role in ACTIONS[name][2]:
        assert response.status_code == 200, response.content
        assert snapshot(loop) != before
        return
    else:
        assert response.status_code == 403, response.content
        assert response.json()["detail"]  # a translated reason
    assert snapshot(loop) == before, "a refused request changed data"


@pytest.mark.parametrize("role", LOOP_ROLES)
def test_get_matrix(loop_api, loop, objects, role):
    client = loop_api(role)
    for name in READS:
        response = client.get(read_url(name, objects))
        if role == "anonymous":
            expected = 401
        elif name == "api:scorecard":
            expected = 200 if role in REPORT_READERS else 403
        else:
            expected = 200
        assert response.status_code == expected, (name, response.content[:300])
        assert response["Content-Type"].startswith("application/json")


def test_reviews_list_is_the_callers_to_review_list(loop_api, loop, objects):
    pending = objects["update"]
    ids = {role: [row["id"] for row in loop_api(role).get("/api/v1/reviews/").json()["results"]]
           for role in ("owner", "yb_lead", "other", "supervisor", "viewer")}  # fmt: skip
    assert pending.pk in ids["yb_lead"] and pending.pk in ids["supervisor"]
    assert ids["owner"] == ids["other"] == ids["viewer"] == []  # the author never reviews


def test_returning_a_report_needs_a_reason_in_either_language(loop_api, loop, objects):
    url = action_url("api:statusupdate_review", objects)
    response = loop_api("yb_lead").post(url, {"decision": "return"}, format="json")
    assert response.status_code == 400 and response.json() == {"reason": ["请说明退回理由。"]}
    english = loop_api("yb_lead", HTTP_ACCEPT_LANGUAGE="en").post(
        url, {"decision": "return", "reason": "  "}, format="json"
    )
    assert english.json() == {"reason": ["Say why the report is returned."]}
    bad = loop_api("yb_lead").post(url, {"decision": "maybe"}, format="json")
    assert bad.status_code == 400 and "不是合法选项" in bad.json()["decision"][0]
    assert StatusUpdate.objects.get(pk=objects["update"].pk).review_state == ReviewState.PENDING

    done = loop_api("yb_lead").post(
        url, {"decision": "return", "reason": "缺少数据"}, format="json"
    )
    assert done.json()["review_state"] == "returned" and done.json()["return_reason"] == "缺少数据"
    assert Notification.objects.filter(user=loop.users["owner"], title__contains="退回").exists()
    again = loop_api("supervisor", HTTP_ACCEPT_LANGUAGE="en").post(
        url, {"decision": "accept"}, format="json"
    )
    assert again.status_code == 400
    assert again.json() == {"detail": ["This report was already reviewed (Returned)."]}


def test_completion_confirmed_refused_and_stale(loop_api, loop, objects):
    request = objects["request"]
    awaiting = {role: loop_api(role).get("/api/v1/completions/", {"awaiting": "1"}).json()
                for role in ("yb_lead", "owner", "supervisor", "other")}  # fmt: skip
    assert [r["id"] for r in awaiting["yb_lead"]["results"]] == [request.pk]
    assert awaiting["yb_lead"]["results"][0]["can_decide"] is True
    assert awaiting["owner"]["count"] == awaiting["other"]["count"] == 0
    assert awaiting["supervisor"]["count"] == 1
    detail = loop_api("viewer").get(f"/api/v1/completions/{request.pk}/").json()
    assert detail["requested_status"] == "completed" and detail["can_decide"] is False
    assert detail["evidence"][0]["url"] == f"/evidence/{request.evidence.get().pk}/"

    url = action_url("api:completion_refuse", objects)
    empty = loop_api("yb_lead").post(url, {"reason": ""}, format="json")
    assert empty.status_code == 400 and "reason" in empty.json()
    item = CooperationItem.objects.get(pk=loop.item.pk)
    stale = loop_api("yb_lead", HTTP_ACCEPT_LANGUAGE="en").post(
        action_url("api:completion_confirm", objects), {"version": item.version - 1},
        format="json",
    )  # fmt: skip
    assert stale.status_code == 409 and stale.json()["code"] == "stale"
    assert CompletionRequest.objects.get(pk=request.pk).state == CompletionState.PENDING

    confirmed = loop_api("yb_lead").post(
        action_url("api:completion_confirm", objects), {"version": item.version}, format="json"
    )
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "confirmed"
    assert [c["city"] for c in confirmed.json()["confirmations"]] == ["yibin"]
    assert CooperationItem.objects.get(pk=loop.item.pk).status == Status.COMPLETED
    late = loop_api("supervisor", HTTP_ACCEPT_LANGUAGE="en").post(
        url, {"reason": "晚了"}, format="json"
    )
    assert late.status_code == 400
    assert late.json() == {"detail": ["This request was already decided (Confirmed)."]}


def test_a_report_through_the_api_goes_through_the_loop(loop_api, loop):
    """Cancelling through the API opens a request the other side confirms, as on the web."""
    item = CooperationItem.objects.get(pk=loop.item.pk)
    body = {"item": item.pk, "status": "cancelled", "health": "on_track", "progress": 0,
            "narrative": "项目调整", "version": item.version}  # fmt: skip
    response = loop_api("owner").post("/api/v1/status-reports/", body, format="json")
    assert response.status_code == 201, response.content
    assert CooperationItem.objects.get(pk=item.pk).status == item.status  # not yet cancelled
    assert CompletionRequest.objects.get(item=item).requested_status == Status.CANCELLED
    body = {**body, "status": "completed", "progress": 100, "version": item.version + 1}
    complete = loop_api("yb_lead").post("/api/v1/status-reports/", body, format="json")
    assert complete.status_code == 400  # a completion needs evidence (the web's upload)


def test_slip_feedback_and_review_through_the_api(loop_api, loop, objects):
    slip = objects["slip"]
    url = action_url("api:slip_feedback", objects)
    wrong = loop_api("owner").post(
        url, {"organization": loop.item.yibin_lead_id, "text": "代宜宾回答"}, format="json"
    )
    assert wrong.status_code == 400 and "organization" in wrong.json()
    blank = loop_api("owner", HTTP_ACCEPT_LANGUAGE="en").post(
        url, {"organization": loop.item.chengdu_lead_id, "text": ""}, format="json"
    )
    assert blank.json() == {"text": ["This field may not be blank."]}
    assert SupervisionSlip.objects.get(pk=slip.pk).state == SlipState.OPEN

    answered = loop_api("owner").post(
        url, {"organization": loop.item.chengdu_lead_id, "text": "已召开专题会"}, format="json"
    ).json()  # fmt: skip
    assert answered["state"] == "answered" and answered["can_answer"] is False
    assert answered["feedback"][0]["text"] == "已召开专题会"
    review = reverse("api:slip_review", args=[slip.pk])
    no_note = loop_api("supervisor").post(review, {"decision": "return"}, format="json")
    assert no_note.status_code == 400 and no_note.json() == {"note": ["请说明退回的原因。"]}
    back = loop_api("supervisor").post(
        review, {"decision": "return", "note": "请写明完成时限"}, format="json"
    ).json()  # fmt: skip
    assert back["state"] == "open" and back["feedback"][0]["state"] == "returned"

    listed = loop_api("viewer").get("/api/v1/slips/", {"item": loop.item.pk, "colour": "blue",
                                                       "state": "open"}).json()  # fmt: skip
    assert [row["id"] for row in listed["results"]] == [slip.pk]
    answered = loop_api("viewer").get("/api/v1/slips/", {"state": "answered"}).json()
    assert [row["id"] for row in answered["results"]] == [objects["answered"].pk]
    assert listed["results"][0]["reason"].startswith("KP-1")
    english = loop_api("viewer", HTTP_ACCEPT_LANGUAGE="en").get(f"/api/v1/slips/{slip.pk}/")
    assert english.json()["reason"].startswith("The target date or a milestone of KP-1")
    mine = loop_api("other").get("/api/v1/slips/", {"mine": "1"}).json()
    assert mine["count"] == 0
    wrong_colour = loop_api("viewer").get("/api/v1/slips/", {"colour": "purple"})
    assert wrong_colour.status_code == 400 and "purple" in wrong_colour.json()["colour"][0]


def test_scorecard_as_on_the_web(loop_api, loop, objects, client):
    response = loop_api("leader").get("/api/v1/scorecard/", {"period": "2026"})
    assert response.status_code == 200
    card = response.json()
    assert card["period"] == "2026" and card["label"] == "2026年"
    keys = [figure["key"] for figure in card["figures"]]
    cdig = Organization.objects.get(code="cdig")
    row = next(r for r in card["organizations"] if r["key"] == str(cdig.pk))
    assert set(row["values"]) == set(keys) and row["values"]["reports"] >= 2
    assert [c["key"] for c in card["cities"]] == ["chengdu", "yibin"]
    client.force_login(loop.users["leader"])
    web = client.get(reverse("cooperation:scorecard"), {"period": "2026"}).context["card"]
    web_row = next(r for r in web.organizations if r.key == str(cdig.pk))
    assert row["values"] == web_row.values
    bad = loop_api("supervisor", HTTP_ACCEPT_LANGUAGE="en").get(
        "/api/v1/scorecard/", {"period": "2026-Q9"}
    )
    assert bad.status_code == 400 and bad.json() == {"period": ["Choose a period from the list."]}
    refused = loop_api("owner").get("/api/v1/scorecard/")
    assert refused.status_code == 403 and "领导" in refused.json()["detail"]


# --- constant queries at 10 and 1,000 rows --------------------------------------------


def _bulk(count, agreement, *, owner):
    items = make_items(count, agreement)
    now = timezone.now()
    SupervisionSlip.objects.bulk_create(
        SupervisionSlip(year=2025, sequence=n + 1, item=item, colour="red", cause="overdue",
                        occasion="bulk", feedback_due=datetime.date(2026, 1, 5), issued_at=now)
        for n, item in enumerate(items)
    )  # fmt: skip
    through = SupervisionSlip.addressed_to.through
    through.objects.bulk_create(
        through(supervisionslip_id=slip.pk, organization_id=org)
        for slip in SupervisionSlip.objects.filter(item__in=items)
        for org in (slip.item.chengdu_lead_id, slip.item.yibin_lead_id)
    )
    updates = StatusUpdate.objects.bulk_create(
        StatusUpdate(item=item, author=owner, organization_id=item.chengdu_lead_id,
                     status="in_progress", health="on_track", progress=5, reported_at=now)
        for item in items
    )  # fmt: skip
    CompletionRequest.objects.bulk_create(
        CompletionRequest(item=item, status_update=update, requested_status="cancelled",
                          previous_status="not_started", requested_by=owner,
                          required_cities=["yibin"])
        for item, update in zip(items, updates, strict=True)
    )  # fmt: skip


def _clear():
    bulk = CooperationItem.objects.filter(code__startswith="BULK")
    SupervisionSlip.objects.filter(item__in=bulk).delete()
    CompletionRequest.objects.filter(item__in=bulk).delete()
    StatusUpdate.objects.filter(item__in=bulk).delete()
    bulk.delete()


LISTS = [
    ("yb_lead", "/api/v1/slips/", {"state": "open", "mine": "1"}),
    ("supervisor", "/api/v1/slips/", {"colour": "red"}),
    ("yb_lead", "/api/v1/reviews/", {}),
    ("supervisor", "/api/v1/completions/", {"state": "pending"}),
    ("yb_lead", "/api/v1/completions/", {"awaiting": "1"}),
]


@pytest.mark.parametrize(("role", "url", "params"), LISTS)
def test_lists_take_the_same_queries_at_10_and_1000_rows(
    loop_api, loop, role, url, params, django_assert_num_queries
):
    client = loop_api(role)
    _bulk(10, loop.item.agreement, owner=loop.users["owner"])
    client.get(url)  # the token's "last used" is written at most once a minute: not here
    with CaptureQueriesContext(connection) as captured:
        body = client.get(url, params).json()
    few = len(captured)
    assert body["count"] >= 10
    _clear()
    _bulk(1000, loop.item.agreement, owner=loop.users["owner"])
    with django_assert_num_queries(few):
        body = client.get(url, params).json()
    assert body["count"] >= 1000 and len(body["results"]) == 50
    print(f"{url} {params}: {few} queries")
    assert few <= 10, f"{url} takes {few} queries"
