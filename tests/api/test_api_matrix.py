"""The API × role matrix, in the style of the web's (tests/urlwalk.py): every API URL is
found by walking the URLconf, filled from real objects, and asked as each role."""

import pytest
from django.urls import reverse

from cooperation.choices import Health, Status
from tests.conftest import WORKSPACE_ROLES
from tests.urlwalk import routes, seed_everything, url_of


def api_routes():
    named, _unnamed = routes()
    return [route for route in named if route.name.startswith("api:")]


def test_every_api_operation_is_in_the_matrix():
    names = {route.name for route in api_routes()}
    assert names == set(EXPECTED_GET) | {"api:schema"}


# What each role gets from each API URL (GET). Every signed-in user reads everything the
# web shows them (permissions.restrict_items(user, "view")); reminders are filtered, not
# refused, for non-supervisors.
EXPECTED_GET = {
    "api:agreement_list": 200,
    "api:agreement_detail": 200,
    "api:organization_list": 200,
    "api:organization_detail": 200,
    "api:item_list": 200,
    "api:item_detail": 200,
    "api:item_history": 200,
    "api:statusupdate_list": 200,
    "api:statusupdate_detail": 200,
    "api:milestone_list": 200,
    "api:milestone_detail": 200,
    "api:meeting_list": 200,
    "api:meeting_detail": 200,
    "api:reminder_list": 200,
    "api:review_list": 200,
    "api:completion_list": 200,
    "api:completion_detail": 200,
    "api:slip_list": 200,
    "api:slip_detail": 200,
    # Actions answer only POST (their role matrix: tests/api/test_api_loop.py).
    "api:statusupdate_review": 405,
    "api:completion_confirm": 405,
    "api:completion_refuse": 405,
    "api:slip_feedback": 405,
    "api:slip_review": 405,
    # Leaders and supervisors only, as the web's scorecard.
    "api:scorecard": {"viewer": 403, "owner": 403, "other": 403, "supervisor": 200},
    # Anything else under /api/: a JSON 404, for anyone.
    "api:not_found": 404,
    # Sent to the walk's superuser: only supervisors read other people's reminders.
    "api:reminder_detail": {"viewer": 404, "owner": 404, "other": 404, "supervisor": 200},
}


@pytest.fixture
def seeded(workspace, superuser):
    return seed_everything(user=superuser)


@pytest.mark.parametrize("role", WORKSPACE_ROLES)
def test_every_api_url_as_every_role(api_as, seeded, superuser, role):
    client = api_as(role)
    for route in api_routes():
        url = url_of(route, user=superuser)
        response = client.get(url)
        if role == "anonymous" and route.name != "api:not_found":
            assert response.status_code == 401, url
            assert "身份认证信息未提供。" in response.content.decode(), url
            continue
        expected = 200 if route.name == "api:schema" else EXPECTED_GET[route.name]
        assert response["Content-Type"].startswith(("application/json", "application/vnd.oai"))
        if isinstance(expected, dict):
            expected = expected[role]
        assert response.status_code == expected, (url, response.content[:300])


def test_reminders_supervisors_read_all_others_their_own(api_as, seeded, workspace, superuser):
    from cooperation.models import Reminder
    from tests.urlwalk import SEEDED

    reminder = SEEDED["cooperation.Reminder"]  # sent to the superuser
    url = reverse("api:reminder_detail", args=[reminder.pk])
    assert api_as("supervisor").get(url).status_code == 200
    assert api_as("owner").get(url).status_code == 404
    assert api_as("owner").get(reverse("api:reminder_list")).json()["count"] == 0
    own = Reminder.objects.create(
        key="own", kind=reminder.kind, meeting=reminder.meeting,
        recipient=workspace["users"]["owner"], due_at=reminder.due_at,
    )  # fmt: skip
    mine = api_as("owner").get(reverse("api:reminder_list")).json()
    assert [row["id"] for row in mine["results"]] == [own.pk]
    every = api_as("supervisor").get(reverse("api:reminder_list")).json()["count"]
    assert every == Reminder.objects.count() > 0


# Who may submit a status report on KP-1 (owned by the "owner" coordinator's organisation).
POST_EXPECTED = {"anonymous": 401, "viewer": 403, "owner": 201, "other": 403, "supervisor": 201}


@pytest.mark.parametrize("role", WORKSPACE_ROLES)
def test_status_report_post_as_every_role(api_as, workspace, role):
    item = workspace["item"]
    item.refresh_from_db()
    response = api_as(role).post(
        reverse("api:statusupdate_list"),
        {
            "item": item.pk,
            "status": Status.IN_PROGRESS,
            "health": Health.ON_TRACK,
            "progress": 20,
            "version": item.version,
        },
        format="json",
    )
    assert response.status_code == POST_EXPECTED[role], response.content
    item.refresh_from_db()
    assert (item.progress == 20) is (POST_EXPECTED[role] == 201)


def test_the_same_rule_as_the_web(api_as, client_as, workspace):
    """For each role, the API refuses exactly when the web's report form does."""
    item = workspace["item"]
    web = reverse("cooperation:item_update", args=[item.pk])
    for role in WORKSPACE_ROLES[1:]:
        web_allowed = client_as(role).get(web).status_code == 200
        api_allowed = POST_EXPECTED[role] == 201
        assert web_allowed is api_allowed, role
