"""Every report URL × anonymous, coordinator (no permission), leader, supervisor; and the
number of queries of every report page, the same at 10 and at 1,000 items."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from cooperation.choices import Category, MeetingState, Role
from cooperation.models import Agreement, Meeting
from cooperation.reports.services import meeting_briefing_freeze

from .report_data import bulk_items, make_org, mechanism, meeting

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@pytest.fixture
def setting(make_user):
    """Organisations, a mechanism with a held (frozen) and an upcoming meeting, 10 items."""
    with time_machine.travel(NOW - datetime.timedelta(days=3), tick=False):
        orgs = [make_org(f"org-{i}", "chengdu" if i % 2 else "yibin") for i in range(4)]
        bulk_items(10)
    mech = mechanism(Agreement.objects.get(), scope=Category.values)
    with time_machine.travel(NOW - datetime.timedelta(days=200), tick=False):
        meeting(mech, 1, NOW - datetime.timedelta(days=100), state=MeetingState.HELD)
        held = meeting(mech, 2, NOW - datetime.timedelta(days=2), state=MeetingState.HELD)
        upcoming = meeting(mech, 3, NOW + datetime.timedelta(days=5))
    meeting_briefing_freeze(meeting=held)
    users = {
        "coordinator": make_user("coord", org=orgs[0], role=Role.COORDINATOR),
        "leader": make_user("leader", org=orgs[1], role=Role.VIEWER),
        "supervisor": make_user("super", org=orgs[1], role=Role.SUPERVISOR),
    }
    users["leader"].user_permissions.add(Permission.objects.get(codename="view_reports"))
    return {"held": held, "upcoming": upcoming, "users": users}


def report_urls(setting) -> dict[str, tuple[str, dict]]:
    held, upcoming = setting["held"].pk, setting["upcoming"].pk
    quarter = f"{timezone.localdate().year}-Q{(timezone.localdate().month - 1) // 3 + 1}"
    return {
        "report_index": (reverse("cooperation:report_index"), {}),
        "briefing_live": (reverse("cooperation:meeting_briefing", args=[upcoming]), {}),
        "briefing_frozen": (reverse("cooperation:meeting_briefing", args=[held]), {}),
        "briefing_xlsx_live": (reverse("cooperation:meeting_briefing_xlsx", args=[upcoming]), {}),
        "briefing_xlsx_frozen": (reverse("cooperation:meeting_briefing_xlsx", args=[held]), {}),
        "period_current": (reverse("cooperation:report_period"), {"period": quarter}),
        "period_past": (reverse("cooperation:report_period"), {"period": "2024-Q4"}),
        "period_xlsx": (reverse("cooperation:report_period_xlsx"), {"period": quarter}),
        "status_updates": (
            reverse("cooperation:statusupdate_export"),
            {"period": str(timezone.localdate().year)},
        ),
        "period_half": (reverse("cooperation:report_period"), {"period": "2025-H2"}),
        "period_year_xlsx": (reverse("cooperation:report_period_xlsx"), {"period": "2025"}),
        "circular_docx": (reverse("cooperation:report_circular_docx"), {"period": quarter}),
        "notice_docx": (reverse("cooperation:meeting_notice_docx", args=[upcoming]), {}),
        "minutes_docx": (reverse("cooperation:meeting_minutes_docx", args=[held]), {}),
        "items_csv": (reverse("cooperation:item_export", args=["csv"]), {}),
        "items_xlsx": (
            reverse("cooperation:item_export", args=["xlsx"]),
            {"status": ["in_progress", "not_started"]},
        ),
    }


def fetch(client, url, params):
    response = client.get(url, params)
    if response.streaming:
        b"".join(response.streaming_content)
    return response


@pytest.mark.parametrize("role", ["anonymous", "coordinator", "leader", "supervisor"])
def test_access_matrix(setting, client, role):
    if role != "anonymous":
        client.force_login(setting["users"][role])
    allowed = role in {"leader", "supervisor"}
    dashboard = client.get(reverse("cooperation:dashboard"))
    assert dashboard.status_code == (302 if role == "anonymous" else 200)
    for name, (url, params) in report_urls(setting).items():
        response = fetch(client, url, params)
        if role == "anonymous":
            assert response.status_code == 302, name
            assert response["Location"].startswith(reverse("login")), name
        else:
            assert response.status_code == (200 if allowed else 403), name


def test_reports_nav_entry_and_briefing_links_only_for_report_readers(setting, client):
    client.force_login(setting["users"]["coordinator"])
    page = client.get(reverse("cooperation:dashboard")).content.decode()
    assert reverse("cooperation:report_index") not in page
    assert reverse("cooperation:meeting_briefing", args=[setting["upcoming"].pk]) not in page
    client.force_login(setting["users"]["leader"])
    page = client.get(reverse("cooperation:dashboard")).content.decode()
    assert reverse("cooperation:report_index") in page
    assert reverse("cooperation:meeting_briefing", args=[setting["upcoming"].pk]) in page


def test_denied_access_is_logged(setting, client, caplog):
    client.force_login(setting["users"]["coordinator"])
    with caplog.at_level("WARNING", logger="cooperation.security"):
        client.get(reverse("cooperation:report_index"))
    assert any(r.message == "permission denied" for r in caplog.records)


def test_reports_are_read_only_and_unknown_things_404(setting, client):
    client.force_login(setting["users"]["leader"])
    assert client.post(reverse("cooperation:report_index")).status_code == 405
    assert client.get(reverse("cooperation:meeting_briefing", args=[999999])).status_code == 404
    assert client.get(reverse("cooperation:item_export", args=["pdf"])).status_code == 404


def measure(client, setting) -> dict[str, int]:
    urls = {"dashboard": (reverse("cooperation:dashboard"), {}), **report_urls(setting)}
    counts = {"dashboard computed": computed_dashboard_queries(client)}
    # Frozen clock: the session's last-seen time is written at most once a minute, and a
    # slow run must not see that write land inside one page's count.
    with time_machine.travel(timezone.now(), tick=False):
        for name, (url, params) in urls.items():
            fetch(client, url, params)  # warm caches (content types, permissions, session)
            with CaptureQueriesContext(connection) as queries:
                response = fetch(client, url, params)
            assert response.status_code == 200, name
            counts[name] = len(queries)
    return counts


def computed_dashboard_queries(client) -> int:
    """Queries of a dashboard whose figures are computed (nothing cached)."""
    url = reverse("cooperation:dashboard")
    with time_machine.travel(timezone.now(), tick=False):
        client.get(url)  # warm the session and the content types
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
    return len(queries)


def test_query_counts_do_not_grow_with_items(setting, client):
    client.force_login(setting["users"]["leader"])
    small = measure(client, setting)
    with time_machine.travel(NOW - datetime.timedelta(days=3), tick=False):
        bulk_items(990, prefix="C")
    held = Meeting.objects.get(pk=setting["held"].pk)
    held.briefing_snapshot = None
    held.save(update_fields=["briefing_snapshot"])
    meeting_briefing_freeze(meeting=held)
    assert len(Meeting.objects.get(pk=held.pk).briefing_snapshot["items"]) == 1000
    large = measure(client, setting)
    assert large == small
    print("queries per page at 10 and 1,000 items:", small)


@pytest.mark.parametrize(
    ("language", "heading", "pack"),
    [
        ("zh-hans", "协议推进总览", "会商材料"),
        ("en", "Where the agreement stands", "Briefing pack"),
    ],
)
def test_report_pages_in_both_languages(setting, client, settings, language, heading, pack):
    client.force_login(setting["users"]["leader"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    assert heading in client.get(reverse("cooperation:dashboard")).content.decode()
    url = reverse("cooperation:meeting_briefing", args=[setting["upcoming"].pk])
    assert pack in client.get(url).content.decode()
    response = client.get(reverse("cooperation:item_export", args=["csv"]))
    with translation.override("en" if language == "zh-hans" else "zh-hans"):
        lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("编号," if language == "zh-hans" else "Code,")
    assert (",推进中," if language == "zh-hans" else ",In progress,") in "\n".join(lines)
