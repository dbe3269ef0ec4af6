"""Object names (admin, history, logs) show Beijing time, as every page does (L8)."""

import datetime

import pytest

from cooperation.choices import Health, ReminderKind, Status
from cooperation.models import CooperationItem, Reminder, StatusUpdate

pytestmark = pytest.mark.django_db

# 23:30 UTC on 31 Dec is 07:30 on 1 Jan in Asia/Shanghai.
LATE_UTC = datetime.datetime(2026, 12, 31, 23, 30, tzinfo=datetime.UTC)


def test_status_update_and_reminder_names_use_local_time(workspace):
    item = CooperationItem.objects.get(code="KP-1")
    update = StatusUpdate(
        item=item, status=Status.IN_PROGRESS, health=Health.ON_TRACK, reported_at=LATE_UTC
    )
    assert str(update) == "KP-1 · 2027-01-01"
    reminder = Reminder(
        kind=ReminderKind.STALE_ITEM,
        item=item,
        recipient=workspace["users"]["owner"],
        due_at=LATE_UTC,
    )
    assert str(reminder).endswith("@ 2027-01-01 07:30")
