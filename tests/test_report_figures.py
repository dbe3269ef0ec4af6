"""Dashboard figures equal values computed by hand, and each equals the list its link opens."""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.http import QueryDict
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from django.utils import timezone, translation

from cooperation import selectors
from cooperation.choices import Category, Health, MeetingState, Role, Status
from cooperation.filters import ItemFilter
from cooperation.models import CooperationItem, Milestone, StatusUpdate
from cooperation.reports import states as st
from cooperation.reports.dashboard import OVERALL_RULE
from cooperation.reports.selectors import dashboard_figures

from . import report_data
from .report_data import build_world

ONE_DAY = datetime.timedelta(days=1)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_user):
    author = make_user("reporter")
    return build_world(author=author)


@pytest.fixture
def viewer(make_user):
    return make_user("watcher", role=Role.VIEWER)


def by_key(figures):
    return {figure.key: figure.value for figure in figures}


def test_totals_status_and_health(world, viewer):
    figures = dashboard_figures(user=viewer)
    assert figures["total"].value == 8
    assert by_key(figures["status"]) == {
        "not_started": 1,
        "in_progress": 3,
        "completed": 2,
        "suspended": 1,
        "cancelled": 1,
    }
    assert by_key(figures["health"]) == {
        "not_assessed": 0,
        "on_track": 5,
        "at_risk": 2,
        "off_track": 1,
    }


def test_overall_progress_is_weighted_over_top_level_items(world, viewer):
    # K1 88 (weight 2), K2 0, S1 30, S2 100, C1 20 (weight 1 each): 326 / 6 = 54.3.
    figures = dashboard_figures(user=viewer)
    assert figures["overall_progress"] == 54
    assert figures["overall_rule"] == OVERALL_RULE


def test_categories(world, viewer):
    rows = {row["key"]: row for row in dashboard_figures(user=viewer)["categories"]}
    key = rows["key_project"]
    assert [key[name].value for name in ("total", "completed", "in_progress", "attention")] == [
        5,
        1,
        2,
        2,
    ]
    assert key["overdue"].value == 1  # K2: target date passed
    assert key["progress"] == 59  # (88·2 + 0·1) / 3
    special = rows["special_agreement"]
    assert special["overdue"].value == 1  # S1: milestone past due; S2 is completed
    assert special["progress"] == 65
    assert rows["county_pairing"]["attention"].value == 1
    assert rows["county_pairing"]["progress"] == 20
    assert rows["consultation_followup"]["total"].value == 0
    assert "other" not in rows


def test_city_sides(world, viewer):
    rows = {row["key"]: row for row in dashboard_figures(user=viewer)["cities"]}
    chengdu, yibin = rows["chengdu"], rows["yibin"]
    # Chengdu leads K1, K1.1-3, K2, S1; Yibin leads K1, K1.1-3, K2, S2. C1 has no lead.
    assert chengdu["total"].value == 6 and yibin["total"].value == 6
    assert chengdu["completed"].value == 1 and yibin["completed"].value == 2
    assert chengdu["attention"].value == 2 and yibin["attention"].value == 2
    assert chengdu["overdue"].value == 2 and yibin["overdue"].value == 1
    # Stale (not started or in progress, no update in 30 days): K1, K2, S1 (40 days); C1 is
    # suspended; K1.1 reported 10 days ago.
    assert chengdu["stale"].value == 3 and yibin["stale"].value == 2


def test_overdue_and_stale(world, viewer):
    figures = dashboard_figures(user=viewer)
    assert figures["overdue"].value == 2
    assert figures["overdue_milestone_count"] == 1
    assert [m.title_zh for m in figures["overdue_milestones"]] == ["过期"]
    assert figures["stale"].value == 3  # K1, K2 never reported, S1 40 days; C1 is suspended
    assert figures["stale_items"][0].code in {"K1", "K2"}  # never reported


def test_next_meeting_and_no_consultation_yet(world, viewer):
    figures = dashboard_figures(user=viewer)
    assert figures["since"] is None
    assert figures["next_meetings"] == []


def _list_count(url, user):
    """How many items the item list shows at ``url`` (its own FilterSet and queryset)."""
    parts = urlsplit(url)
    assert resolve(parts.path).url_name == "item_list"
    request = RequestFactory().get(url)
    request.user = user
    data = QueryDict(parts.query)
    filterset = ItemFilter(data, queryset=selectors.item_queryset(user=user), request=request)
    assert filterset.is_valid(), filterset.errors
    return filterset.qs.count()


def _figures(figures):
    yield figures["total"]
    yield figures["overdue"]
    yield figures["stale"]
    yield from figures["status"]
    yield from figures["health"]
    yield from figures["lights"]
    for row in figures["categories"] + figures["cities"]:
        yield from (value for value in row.values() if hasattr(value, "url"))


@pytest.mark.parametrize("dataset", ["small", "agreement"])
def test_every_figure_equals_the_list_it_links_to(request, viewer, dataset):
    if dataset == "small":
        request.getfixturevalue("world")
    else:
        request.getfixturevalue("agreement")
    figures = dashboard_figures(user=viewer)
    checked = 0
    for figure in _figures(figures):
        assert figure.value == _list_count(figure.url, viewer), (figure.url, figure.value)
        checked += 1
    assert checked > 40
    # The progress links open the top-level items of the category.
    url = figures["categories"][0]["progress_url"]
    assert parse_qs(urlsplit(url).query) == {"category": ["key_project"], "top": ["1"]}


@pytest.fixture
def held(world):
    """A consultation held five days ago, then the moves listed in the test below."""
    mech = report_data.mechanism(world["agreement"])
    at = timezone.now() - datetime.timedelta(days=5)
    return report_data.meeting(mech, 1, at, state=MeetingState.HELD)


def _moves(world):
    items = world["items"]
    items["K1.1"].progress = 80  # K1.1 advances: K1 rolls up again
    items["K1.1"].save()
    items["K1.2"].parent = items["K2"]  # moved under K2: K1 loses it, K2 gains it
    items["K1.2"].save()
    items["K2"].health = Health.AT_RISK
    items["K2"].save()
    items["S1"].status = Status.SUSPENDED
    items["S1"].save()
    CooperationItem.objects.create(
        agreement=world["agreement"], code="N1", category=Category.KEY_PROJECT, title_zh="新增"
    )


def _summary(change):
    return (change.item.code, change.is_new, change.status_changed, change.health_trend,
            change.progress_delta)  # fmt: skip


def test_changes_since_the_last_consultation(world, held, viewer):
    _moves(world)
    since = dashboard_figures(user=viewer)["since"]
    assert since["meeting"] == held
    # K1 88 → 80 (K1.2 left it), K1.1 50 → 80, K2 better and 0 → 100 (K1.2 joined), S1
    # suspended, N1 new; K1.2 itself only moved and is not listed.
    assert sorted(_summary(c) for c in since["changes"]) == [
        ("K1", False, False, 0, -8),
        ("K1.1", False, False, 0, 30),
        ("K2", False, False, -1, 100),
        ("N1", True, False, 0, 0),
        ("S1", False, True, 0, 0),
    ]
    assert (since["changed"], since["more"], since["new"], since["status_changed"]) == (5, 0, 1, 1)
    assert (since["better"], since["worse"], since["advanced"], since["completed"]) == (1, 0, 2, 0)
    # Reading only what moved gives what comparing every item then and now gives.
    every = st.compare(st.states_at(held.starts_at), st.states_now())
    assert sorted(_summary(c) for c in every.values() if c.changed) == sorted(
        _summary(c) for c in since["changes"]
    )


def test_figures_are_cached_until_the_data_changes(world, viewer, settings):
    settings.CHENGYI_DASHBOARD_CACHE_SECONDS = 60
    first = dashboard_figures(user=viewer)
    with CaptureQueriesContext(connection) as queries:
        again = dashboard_figures(user=viewer)
    assert len(queries) == 1  # the data version only
    assert again["now"] == first["now"]
    item = world["items"]["K2"]
    item.status = Status.IN_PROGRESS
    item.save()
    after = dashboard_figures(user=viewer)
    assert after["now"] > first["now"]
    assert by_key(after["status"])["in_progress"] == by_key(first["status"])["in_progress"] + 1
    Milestone.objects.create(item=item, title_zh="新过期", due_date=timezone.localdate() - ONE_DAY)
    assert dashboard_figures(user=viewer)["overdue_milestone_count"] == 2
    StatusUpdate.objects.filter(item=world["items"]["S1"]).delete()  # history rows say so
    assert dashboard_figures(user=viewer)["stale"].value == 3
    # Labels are in the reader's language, whoever computed the figures.
    with translation.override("en"):
        assert str(dashboard_figures(user=viewer)["categories"][0]["label"]) == "Key project"
    assert str(dashboard_figures(user=viewer)["categories"][0]["label"]) == "重点合作项目"


def test_figures_are_not_cached_when_turned_off(world, viewer, settings):
    settings.CHENGYI_DASHBOARD_CACHE_SECONDS = 0
    first = dashboard_figures(user=viewer)
    assert dashboard_figures(user=viewer)["now"] > first["now"]
