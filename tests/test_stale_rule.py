"""One stale rule: the dashboard, the item list's filter, the briefing and the reminder planner
agree on which items are stale (review finding H1)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cooperation.choices import Health, NoticeKind, ReminderKind, Status
from cooperation.meetings import recipients, reminders
from cooperation.models import CooperationItem, NotificationPreference, Reminder, StatusUpdate
from cooperation.reports.selectors import dashboard_figures

pytestmark = pytest.mark.django_db
LIST = reverse("cooperation:item_list")


def stale_everywhere(client, user) -> dict:
    client.force_login(user)
    listed = client.get(LIST, {"stale": "1"}).context["items"]
    return {
        "dashboard": dashboard_figures(user=user)["stale"].value,
        "list": len(listed),
        "planner": len(recipients.stale_items(now=timezone.now())),
        "codes": sorted(item.code for item in listed),
        "planned": sorted(due.item.code for due in recipients.stale_items(now=timezone.now())),
    }


def test_a_fresh_install_has_no_stale_items_anywhere(workspace, client):
    # The fixture dates all 49 items 13 May 2020; nobody owed a report before they were loaded.
    found = stale_everywhere(client, workspace["users"]["viewer"])
    assert (found["dashboard"], found["list"], found["planner"]) == (0, 0, 0)
    assert reminders.stale_nudges_plan(now=timezone.now()) == 0


def test_dashboard_list_and_planner_count_the_same_items(workspace, client):
    now = timezone.now()
    loaded = now - datetime.timedelta(days=40)
    codes = ["SP-7", "KP-3", "KP-4", "KP-5"]
    CooperationItem.history.filter(code__in=codes).update(history_date=loaded)  # test setup
    CooperationItem.objects.filter(code="KP-4").update(status=Status.SUSPENDED)
    CooperationItem.objects.filter(code="KP-5").update(status=Status.COMPLETED, progress=100)
    StatusUpdate.objects.create(
        item=CooperationItem.objects.get(code="KP-3"),
        author=workspace["users"]["owner"],
        status=Status.IN_PROGRESS,
        health=Health.ON_TRACK,
        progress=10,
        reported_at=now - datetime.timedelta(days=5),
    )
    found = stale_everywhere(client, workspace["users"]["viewer"])
    assert found["codes"] == found["planned"] == ["SP-7"]
    assert found["dashboard"] == found["list"] == found["planner"] == 1
    # Per-item nudges go to those who want "items waiting for a report" at once (everyone
    # else finds them in the daily digest).
    for user in workspace["users"].values():
        NotificationPreference.objects.create(
            user=user, immediate_kinds=[NoticeKind.MEETING, NoticeKind.REPORT_DUE]
        )
    assert reminders.stale_nudges_plan(now=now) == 1  # SP-7 to its Chengdu coordinator (cdig)
    nudged = Reminder.objects.filter(kind__in=[ReminderKind.STALE_ITEM])
    assert set(nudged.values_list("item__code", flat=True)) == {"SP-7"}
