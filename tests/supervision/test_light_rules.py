"""The light and flags worked out in Python (``lights.decorate``, for the rows the item list
and the item pages read) equal the SQL rules (``with_lights``, ``with_attention_flags``) that
the filters, the dashboard and the slips use, on every combination of the facts they read."""

import datetime
import itertools

import pytest
from django.test import RequestFactory
from django.utils import timezone

from cooperation import selectors
from cooperation.choices import Health, Role, Status
from cooperation.filters import ItemFilter
from cooperation.models import CooperationItem, Milestone, StatusUpdate
from cooperation.supervision.lights import decorate, warn_until, with_lights

pytestmark = pytest.mark.django_db

STATUSES = [Status.IN_PROGRESS, Status.NOT_STARTED, Status.SUSPENDED, Status.COMPLETED]


def test_decorate_equals_the_sql_rules_on_every_combination(agreement, make_user, settings):
    settings.CHENGYI_WARN_WORKING_DAYS = 3
    settings.CHENGYI_BEHIND_POINTS = 15
    settings.CHENGYI_STALE_DAYS = 30
    today = timezone.localdate()
    until = warn_until(today)
    day = datetime.timedelta(days=1)
    author = make_user("boss", org="chengdu-gov", role=Role.SUPERVISOR)
    agreement_id = CooperationItem.objects.get(code="KP-1").agreement_id
    targets = [None, today - day, today, until, until + day]
    milestones = [(), (today - day,), (today,), (until,), (until + day,), ("done",),
                  (today - day, until), (None,)]  # fmt: skip
    # (start, progress): no time line; far behind it; on it; started two days ago.
    lines = [(None, 40), (today - 300 * day, 10), (today - 300 * day, 95), (today - 2 * day, 0)]
    reports = [None, 2, 45]  # days ago
    combos = list(itertools.product(STATUSES, targets, milestones, lines, reports))
    for n, (status, target, dues, (start, progress), reported) in enumerate(combos):
        if status == Status.COMPLETED:
            progress = 100
        item = CooperationItem.objects.create(
            agreement_id=agreement_id, code=f"T-{n:04d}", category="other", title_zh=f"事项{n}",
            status=status, progress=progress, health=Health.ON_TRACK,
            start_date=start, target_date=target,
        )  # fmt: skip
        for due in dues:
            Milestone.objects.create(
                item=item, title_zh="节点", due_date=today - 9 * day if due == "done" else due,
                done_date=today - 10 * day if due == "done" else None,
            )  # fmt: skip
        if reported is not None:
            StatusUpdate.objects.create(
                item=item, author=author, status=status, health=Health.ON_TRACK,
                progress=progress, reported_at=timezone.now() - reported * day,
            )  # fmt: skip
    # A parent whose sub-items' roll-up (not its own progress) puts it behind its time line.
    parent = CooperationItem.objects.get(code="T-0010")
    CooperationItem.objects.filter(code__in=["T-0011", "T-0012"]).update(parent=parent)

    request = RequestFactory().get("/items/")
    request.user = author
    rows = decorate(list(ItemFilter({}, request=request).qs))
    sql = {
        item.pk: item
        for item in with_lights(selectors.item_list_queryset(user=author), today=today)
    }
    assert len(rows) == len(sql) == len(combos) + 49
    seen = set()
    for row in rows:
        expected = sql[row.pk]
        got = (row.light, row.is_overdue, row.is_stale)
        # (SQL answers NULL for "overdue" without any date: a page shows it as not overdue)
        assert got == (expected.light, bool(expected.is_overdue), expected.is_stale), row.code
        seen.add(got)
    # Every light, overdue or not, stale or not, was met.
    assert {light for light, _, _ in seen} == {"red", "yellow", "green", "none"}
    assert {(overdue, stale) for _, overdue, stale in seen} >= {
        (True, True),
        (True, False),
        (False, True),
        (False, False),
    }


@pytest.mark.parametrize("light", ["red", "yellow", "green", "none"])
def test_the_light_filter_keeps_exactly_the_rows_shown_with_that_light(
    agreement, make_user, client, light
):
    """The filter reads the SQL rule, the rows show the Python one: a filtered list shows
    only rows of the light asked for."""
    today = timezone.localdate()
    CooperationItem.objects.filter(code="KP-1").update(target_date=today - datetime.timedelta(1))
    CooperationItem.objects.filter(code="KP-2").update(target_date=today)
    CooperationItem.objects.filter(code="KP-3").update(status=Status.COMPLETED, progress=100)
    client.force_login(make_user("boss", org="chengdu-gov", role=Role.SUPERVISOR))
    response = client.get("/items/", {"light": light})
    shown = [item.light for item in response.context["items"]]
    assert shown and set(shown) == {light}
