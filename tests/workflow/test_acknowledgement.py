"""交办 / 签收: rows per lead, due in working days (holidays and 调休 counted), a reminder
once when missed, each lead's state on the item page."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from cooperation.choices import ReminderKind
from cooperation.meetings.workdays import add_working_days
from cooperation.models import Acknowledgement, CooperationItem, Notification, Reminder
from cooperation.workflow.assignments import (
    acknowledgement_acknowledge,
    acknowledgement_reminders_plan,
    assignments_sync_all,
)


def test_working_days_skip_national_day_and_count_make_up_days():
    # 2025: 1–8 October off; Saturday 11 October is a make-up working day (调休).
    assert add_working_days(datetime.date(2025, 9, 30), 3) == datetime.date(2025, 10, 11)
    # An ordinary week: Friday + 3 working days is Wednesday.
    assert add_working_days(datetime.date(2025, 11, 14), 3) == datetime.date(2025, 11, 19)


def test_each_lead_is_asked_and_the_due_date_counts_working_days(loop, settings):
    acks = {a.city: a for a in Acknowledgement.objects.filter(item=loop.item)}
    assert set(acks) == {"chengdu", "yibin"}
    assigned = timezone.localdate(acks["chengdu"].assigned_at)
    assert acks["chengdu"].due_date == add_working_days(assigned, settings.CHENGYI_ACK_WORKING_DAYS)
    # The lead coordinators were told (in-app, in their language).
    assert Notification.objects.filter(user=loop.users["owner"], title__contains="KP-1").exists()
    assert Notification.objects.filter(user=loop.users["yb_lead"], title__contains="KP-1").exists()
    assert not Notification.objects.filter(user=loop.users["other"]).exists()


def test_sync_all_writes_rows_for_new_leads_once_and_retires_former_leads(loop, agreement):
    before = Acknowledgement.objects.count()
    created = assignments_sync_all()
    assert created > 0  # every other fixture item with a lead
    assert assignments_sync_all() == 0  # idempotent
    assert Acknowledgement.objects.count() == before + created
    item = CooperationItem.objects.get(pk=loop.item.pk)
    item.yibin_lead = None
    item.save()
    assignments_sync_all()
    assert not Acknowledgement.objects.get(item=item, city="yibin").active


def test_acknowledge_records_who_and_when_and_only_the_lead_may(loop):
    ack = Acknowledgement.objects.get(item=loop.item, city="chengdu")
    with pytest.raises(PermissionDenied):
        acknowledgement_acknowledge(acknowledgement=ack, user=loop.users["yb_lead"])
    acknowledgement_acknowledge(acknowledgement=ack, user=loop.users["owner"])
    ack.refresh_from_db()
    assert ack.acknowledged_by == loop.users["owner"] and ack.acknowledged_at is not None
    assert ack.history.first().history_user == loop.users["owner"]


def test_missed_acknowledgement_gets_one_reminder_per_coordinator(loop):
    ack = Acknowledgement.objects.get(item=loop.item, city="yibin")
    late = timezone.make_aware(datetime.datetime.combine(ack.due_date, datetime.time(12)))
    late += datetime.timedelta(days=1)
    assert acknowledgement_reminders_plan(now=late - datetime.timedelta(days=2)) == 0
    assert Acknowledgement.objects.missed(timezone.localdate(late)).filter(pk=ack.pk).exists()
    assert acknowledgement_reminders_plan(now=late) == 2  # both leads missed it
    assert acknowledgement_reminders_plan(now=late) == 0  # exactly once
    rows = Reminder.objects.filter(kind=ReminderKind.ACKNOWLEDGEMENT_DUE)
    assert {r.recipient.username for r in rows} == {"cd_owner", "yb_lead"}


def test_item_page_shows_each_leads_state(loop, loop_client):
    ack = Acknowledgement.objects.get(item=loop.item, city="chengdu")
    acknowledgement_acknowledge(acknowledgement=ack, user=loop.users["owner"])
    page = loop_client("yb_lead").get(reverse("cooperation:item_detail", args=[loop.item.pk]))
    html = page.content.decode()
    assert 'data-testid="ack-chengdu"' in html and "已签收" in html
    assert "待签收" in html  # Yibin's side
    assert html.count('data-testid="acknowledge"') == 1  # yb_lead acknowledges its own side
    with time_machine.travel(timezone.now() + datetime.timedelta(days=30)):
        page = loop_client("viewer").get(reverse("cooperation:item_detail", args=[loop.item.pk]))
    assert "未按时签收" in page.content.decode()
