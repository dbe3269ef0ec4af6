"""Deadline lights: computed from dates and progress with mainland working days, shown in
the item list beside the declared health, filterable, and constant in queries."""

import datetime

import pytest
from django.urls import reverse

from cooperation.choices import Health, Status
from cooperation.models import CooperationItem, Milestone
from cooperation.supervision.lights import add_working_days, with_lights

LIST = reverse("cooperation:item_list")
pytestmark = pytest.mark.django_db


def set_item(code, **fields):
    CooperationItem.objects.filter(code=code).update(**fields)  # test setup, not app code


def light_of(code, today):
    return with_lights(CooperationItem.objects.filter(code=code), today=today, reasons=True).get()


def test_working_days_skip_weekends_and_holidays_and_count_make_up_days():
    # Friday 4 Dec 2026 + 3 working days: Mon 7, Tue 8, Wed 9.
    assert add_working_days(datetime.date(2026, 12, 4), 3) == datetime.date(2026, 12, 9)
    # 30 Sep 2026 + 1: the National Day holiday runs 1–7 Oct; the 8th is the next working day.
    assert add_working_days(datetime.date(2026, 9, 30), 1) == datetime.date(2026, 10, 8)
    assert add_working_days(datetime.date(2026, 12, 4), 0) == datetime.date(2026, 12, 4)


def test_red_yellow_green_and_none(agreement, settings):
    settings.CHENGYI_WARN_WORKING_DAYS = 3
    settings.CHENGYI_BEHIND_POINTS = 15
    today = datetime.date(2026, 12, 4)  # a Friday
    common = {"status": Status.IN_PROGRESS, "health": Health.ON_TRACK, "progress": 50}
    set_item("KP-1", start_date=datetime.date(2026, 1, 1),
             target_date=datetime.date(2026, 12, 3), **common)  # fmt: skip
    set_item("KP-2", start_date=None, target_date=datetime.date(2026, 12, 9), **common)
    set_item("KP-3", start_date=None, target_date=datetime.date(2026, 12, 10), **common)
    # 46% of the time passed (1 Jan 2026 → 31 Dec 2027), rolled-up progress 0: behind.
    set_item("KP-4", start_date=datetime.date(2026, 1, 1), target_date=datetime.date(2027, 12, 31),
             status=Status.IN_PROGRESS, progress=10)  # fmt: skip
    set_item("KP-5", status=Status.COMPLETED, progress=100, target_date=datetime.date(2020, 1, 1))

    assert light_of("KP-1", today).light == "red"  # target passed yesterday
    assert light_of("KP-2", today).light == "yellow"  # 3rd working day from Friday
    assert light_of("KP-3", today).light == "green"  # 4th working day: not yet
    kp4 = light_of("KP-4", today)
    assert kp4.light == "yellow" and kp4.behind and not kp4.deadline_near
    assert 45 < kp4.schedule_line < 47
    assert light_of("KP-5", today).light == "none"
    # Declared health does not change the light: it is computed, never typed.
    set_item("KP-3", health=Health.OFF_TRACK)
    assert light_of("KP-3", today).light == "green"


def test_milestones_turn_the_light(agreement):
    today = datetime.date(2026, 12, 4)
    set_item("KP-3", status=Status.IN_PROGRESS, start_date=None, target_date=None)
    item = CooperationItem.objects.get(code="KP-3")
    milestone = Milestone.objects.create(
        item=item, title_zh="验收", due_date=datetime.date(2026, 12, 8)
    )
    assert light_of("KP-3", today).light == "yellow"
    milestone.due_date = datetime.date(2026, 12, 1)
    milestone.save()
    assert light_of("KP-3", today).light == "red"
    milestone.done_date = datetime.date(2026, 12, 1)
    milestone.save()
    assert light_of("KP-3", today).light == "green"


def test_behind_points_setting_moves_the_threshold(agreement, settings):
    today = datetime.date(2026, 7, 2)  # half of 2026 has passed
    # SP-6 has no sub-items: its own progress counts (KP-4's is rolled up from its sub-items).
    set_item("SP-6", start_date=datetime.date(2026, 1, 1), target_date=datetime.date(2026, 12, 31),
             status=Status.IN_PROGRESS, progress=40)  # fmt: skip
    settings.CHENGYI_BEHIND_POINTS = 15
    assert light_of("SP-6", today).light == "green"  # 50 - 40 = 10 points behind
    settings.CHENGYI_BEHIND_POINTS = 5
    assert light_of("SP-6", today).light == "yellow"


def test_list_shows_light_beside_health_and_filters_by_it(client_as, workspace, time_machine):
    time_machine.move_to(datetime.datetime(2026, 12, 4, 10, 0, tzinfo=datetime.UTC))
    set_item(
        "KP-1", status=Status.IN_PROGRESS, health="on_track", target_date=datetime.date(2026, 12, 1)
    )
    set_item("KP-2", status=Status.IN_PROGRESS, start_date=None,
             target_date=datetime.date(2026, 12, 8))  # fmt: skip
    client = client_as("viewer")
    page = client.get(LIST, {"q": "KP-1"}).content.decode()
    row = page.split('data-item="KP-1"')[1].split("</tr>")[0]
    assert 'data-health="on_track"' in row and 'data-light="red"' in row
    red = [i.code for i in client.get(LIST, {"light": "red"}).context["items"]]
    assert "KP-1" in red and "KP-2" not in red
    yellow = [i.code for i in client.get(LIST, {"light": ["yellow"]}).context["items"]]
    assert "KP-2" in yellow and "KP-1" not in yellow
    bad = client.get(LIST, {"light": "purple"})
    assert bad.status_code == 200 and "light" in bad.context["filter"].form.errors


def test_item_list_with_lights_keeps_its_query_count(
    client_as, workspace, django_assert_num_queries
):
    from tests.test_item_list import forget_kept, list_queries, make_items

    client = client_as("owner")
    params = {"q": "BULK", "light": ["red", "yellow", "green"]}
    make_items(10, workspace["item"].agreement)
    few, response = list_queries(client, params)
    assert len(response.context["items"]) == 10
    CooperationItem.objects.filter(code__startswith="BULK").delete()
    make_items(200, workspace["item"].agreement)
    forget_kept()
    with django_assert_num_queries(few):
        client.get(LIST, params)
