"""The dashboard's summary equals the figures counted from the items, whatever wrote them.

After each kind of write (fixtures, services, the report loop, bulk edit, Excel import, the
admin, a history revert, slips, raw SQL, a city change) and on later days, the summary's
counts are compared with a full recount from the rows (``dashboard.counts_from_rows``):
groups by every dimension, progress sums, slips, pending reviews, overdue milestones and
the longest-stale list; then the daily check must find no drift.
"""

import collections
import dataclasses
import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from cooperation.choices import Health, MeetingState, Role, Status
from cooperation.models import (
    ConsultationMechanism,
    CooperationItem,
    DashboardCell,
    DashboardItem,
    ItemImport,
    Meeting,
    Milestone,
    Organization,
    StatusUpdate,
)
from cooperation.reports import dashboard, summary
from cooperation.services import (
    StatusReport,
    item_update,
    milestone_delete,
    milestone_save,
    status_report_submit,
    system_user,
)
from cooperation.supervision import lights
from cooperation.supervision.slips import slips_run_daily
from cooperation.workflow.completion import completion_request_create
from cooperation.workflow.reviews import report_review
from tests.imports.conftest import edit, exported, upload

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def _sorted(groups):
    """Groups as comparable rows: SQL's NULL flags (a comparison with no date) are False."""
    counts = collections.Counter()
    for g in groups:
        flags = {name: bool(getattr(g, name)) for name in ("overdue", "stale", "never_reported")}
        counts[dataclasses.astuple(dataclasses.replace(g, count=0, **flags))] += g.count
    return sorted(counts.items(), key=repr)


def check(viewer, now=None):
    """The summary (brought up to date for ``now``) against a recount of every item."""
    now = now or timezone.now()
    got = summary.summary_counts(now=now)
    want = dashboard.counts_from_rows(user=viewer, now=now)
    assert _sorted(got.groups) == _sorted(want.groups)
    assert {k: v for k, v in got.progress.items() if v != (0, 0)} == {
        k: v for k, v in want.progress.items() if v != (0, 0)
    }
    assert got.slips == want.slips
    assert (got.awaiting_review, got.awaiting_confirmation) == (
        want.awaiting_review,
        want.awaiting_confirmation,
    )
    assert got.overdue_milestones == want.overdue_milestones
    assert [i.code for i in dashboard.longest_stale_summarised(now)] == [
        i.code for i in dashboard.longest_stale(viewer, now)
    ]
    baseline = dashboard.last_consultation(now)
    assert _listed(dashboard.changes_since_summarised(baseline, got)) == _listed(
        dashboard.changes_since(baseline, user=viewer)
    )
    return got


def _listed(since):
    """``changes_since`` with each change as what the page shows of it."""
    if since is None:
        return None
    shown = [(c.item.code, c.item.title, c.is_new, c.status_changed, c.health_trend,
              c.progress_delta, c.item.rolled, c.item.status, c.item.health,
              c.before and (c.before.status, c.before.health, c.before.rolled))
             for c in since["changes"]]  # fmt: skip
    return {**since, "changes": shown}


def held(days_ago: float) -> Meeting:
    """A consultation held ``days_ago`` days ago: "since" counts from it."""
    starts = timezone.now() - datetime.timedelta(days=days_ago)
    mechanism = ConsultationMechanism.objects.order_by("pk").first()
    number = Meeting.objects.filter(mechanism=mechanism).count() + 1
    return Meeting.objects.create(
        mechanism=mechanism, sequence=number, starts_at=starts,
        planned_for=timezone.localdate(starts), host_city="chengdu",
        state=MeetingState.HELD, minutes="纪要",
    )  # fmt: skip


def figures(counts):
    """A few headline numbers, to show that a step changed something."""
    groups = counts.groups
    return {
        "total": sum(g.count for g in groups),
        "overdue": sum(g.count for g in groups if g.overdue),
        "stale": sum(g.count for g in groups if g.stale),
        **{light: sum(g.count for g in groups if g.light == light) for light in lights.Light},
    }


@pytest.fixture
def people(loaded, make_user):
    return {
        "viewer": make_user("watcher", role=Role.VIEWER),
        "boss": make_user("boss", org="chengdu-gov", role=Role.SUPERVISOR, is_superuser=True,
                          is_staff=True),
        "coord": make_user("coord", org="cdig", role=Role.COORDINATOR),
    }  # fmt: skip


@pytest.fixture
def loaded(db, make_user):
    """The summary counted over an empty database, then the agreement loaded (loaddata)."""
    assert summary.summary_counts(now=timezone.now()).groups == []
    call_command("setup_site", verbosity=0)
    assert DashboardCell.objects.exists() is False  # nothing counted until someone reads


def test_every_write_path_keeps_the_summary_equal_to_a_recount(loaded, people, client):
    viewer, boss = people["viewer"], people["boss"]
    before = figures(check(viewer))
    held(days_ago=5)  # "since the last consultation" counts from here: counted again
    since = check(viewer).since  # the items were first recorded after it: all new
    assert since["new"] == since["changed"] == CooperationItem.objects.count()
    assert before["total"] == CooperationItem.objects.count() > 40

    # Services: status, dates, progress; a milestone added, one deleted.
    today = timezone.localdate()
    kp1 = CooperationItem.objects.get(code="KP-1")
    item_update(item=kp1, user=boss, reason="test", fields={
        "status": Status.IN_PROGRESS, "start_date": today - 300 * DAY,
        "target_date": today + 2 * DAY, "progress": 10})  # fmt: skip
    sp1 = CooperationItem.objects.get(code="SP-1")
    milestone_save(milestone=Milestone(item=sp1), user=boss,
                   fields={"title_zh": "过期", "due_date": today - DAY})  # fmt: skip
    extra = milestone_save(milestone=Milestone(item=sp1), user=boss,
                           fields={"title_zh": "将到", "due_date": today + 5 * DAY})  # fmt: skip
    after = figures(check(viewer))
    assert after["red"] == before["red"] + 1 and after != before
    milestone_delete(milestone=extra, user=boss)
    check(viewer)

    # The report loop: a report (awaiting review), reviewed; a completion request waiting.
    kp2 = CooperationItem.objects.get(code="KP-2")
    report = StatusReport(status=Status.IN_PROGRESS, health=Health.AT_RISK, progress=40,
                          narrative="风险")  # fmt: skip
    update = status_report_submit(item=kp2, user=people["coord"], report=report)
    assert check(viewer).awaiting_review >= 1
    report_review(update=update, user=boss, accept=True)
    completion_request_create(item=kp1, user=boss, requested_status=Status.COMPLETED)
    assert check(viewer).awaiting_confirmation == 1

    # Supervision slips issued by the daily run.
    slips_run_daily(user=system_user())
    assert sum(check(viewer).slips.values()) > 0

    # Bulk edit and the Excel import, through the pages.
    client.force_login(boss)
    late = today - 3 * DAY
    chosen = CooperationItem.objects.filter(
        Q(start_date__isnull=True) | Q(start_date__lte=late),
        status__in=[Status.NOT_STARTED, Status.IN_PROGRESS],
    ).order_by("-parent", "code")[:3]
    items = [item.pk for item in chosen]
    response = client.post("/items/bulk/", {"items": items, "target_date": late.isoformat()})
    assert response.status_code == 302
    assert CooperationItem.objects.filter(pk__in=items, target_date=late).count() == 3
    check(viewer)
    content = edit(exported(client), {("SP-2", "目标日期"): datetime.datetime(2031, 6, 30)})
    upload(client, content)
    job = ItemImport.objects.order_by("-pk").first()
    assert job.preview["counts"]["update"] == 1, job.preview
    client.post(f"/items/import/{job.pk}/apply/")
    assert CooperationItem.objects.get(code="SP-2").target_date == datetime.date(2031, 6, 30)
    check(viewer)

    # The admin deletes an item (its sub-items, milestones and reports go with it).
    parent = CooperationItem.objects.filter(children__isnull=False).distinct().first()
    response = client.post(f"/admin/cooperation/cooperationitem/{parent.pk}/delete/",
                           {"post": "yes"})  # fmt: skip
    assert response.status_code == 302 and not CooperationItem.objects.filter(pk=parent.pk)
    check(viewer)

    # A history revert: KP-1 as it was first recorded.
    kp1.history.earliest().instance.save()
    check(viewer)

    # Writes no service makes: QuerySet.update, raw SQL, a lead organisation changing city.
    CooperationItem.objects.filter(code="SP-3").update(status=Status.SUSPENDED)
    StatusUpdate.objects.filter(item__code="KP-2").delete()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cooperation_cooperationitem SET progress = 95, health = 'off_track' "
            "WHERE code = 'SP-4'"
        )
    Organization.objects.filter(code="cdig").update(city="yibin")
    assert check(viewer).since["changed"] > 40  # (new since the meeting)

    # Later days: lights, overdue and stale move with the date alone; past the window the
    # cells are counted again for the new day. Then a new consultation to count from.
    for days in (1, 2, 3, 6, 13, 20, 21, 22, 30, 45, 400):
        check(viewer, timezone.now() + days * DAY)
    held(days_ago=1)
    check(viewer)
    assert summary.summary_refresh(now=timezone.now() + 2 * DAY)["drift"] == []
    check(viewer, timezone.now() + 2 * DAY)
    check(viewer)  # back to today: counted for today again


def test_stale_turns_within_the_day_to_the_minute(loaded, people):
    """Stale counts from a time, not a day: two items reported 30 days ago, an hour either
    side of now, are told apart, and both are stale two hours later."""
    viewer = people["viewer"]
    now = timezone.now().replace(hour=4, minute=0)  # 12:00 in Beijing
    items = list(CooperationItem.objects.filter(status=Status.NOT_STARTED)[:2])
    for item, hours in zip(items, (-1, 1), strict=True):
        StatusUpdate.objects.create(
            item=item, author=people["coord"], status=Status.NOT_STARTED,
            health=Health.ON_TRACK, progress=0,
            reported_at=now - 30 * DAY + datetime.timedelta(hours=hours),
        )  # fmt: skip
    first = check(viewer, now)
    stale = {i.code for i in dashboard.longest_stale(viewer, now)}
    assert items[0].code in stale or len(stale) == dashboard.LIST_LIMIT
    later = check(viewer, now + datetime.timedelta(hours=2))
    assert figures(later)["stale"] == figures(first)["stale"] + 1


def test_the_check_repairs_and_reports_drift(loaded, people, caplog):
    viewer = people["viewer"]
    check(viewer)
    # A change the triggers could not see (the summary's own row edited by hand).
    DashboardItem.objects.filter(item__code="KP-1").update(status=Status.CANCELLED)
    with caplog.at_level("WARNING", logger="cooperation.reports.summary"):
        result = summary.summary_refresh()
    kp1 = CooperationItem.objects.get(code="KP-1")
    assert result["drift"] == [kp1.pk] and result["rebuilt"]
    assert any("drifted" in r.message for r in caplog.records)
    check(viewer)
    assert summary.summary_refresh()["drift"] == []


def test_a_changed_setting_counts_everything_again(loaded, people, settings):
    viewer = people["viewer"]
    check(viewer)
    settings.CHENGYI_BEHIND_POINTS = 0
    settings.CHENGYI_STALE_DAYS = 5
    check(viewer)


def test_a_large_summary_is_counted_again_by_a_worker(loaded, people, settings):
    """Counting every item again (here: a new consultation) is a worker's job above
    CHENGYI_SUMMARY_INLINE_ITEMS; readers get the figures counted from the items meanwhile."""
    from cooperation.reports.selectors import dashboard_figures
    from cooperation.tasks import rebuild_dashboard_summary

    settings.CHENGYI_SUMMARY_INLINE_ITEMS = 10
    settings.CHENGYI_DASHBOARD_CACHE_SECONDS = 0
    viewer = people["viewer"]
    check(viewer)
    held(days_ago=1)
    with pytest.raises(summary.SummaryNotReady):
        summary.summary_counts(now=timezone.now(), wait=False)
    shown = dashboard_figures(user=viewer)
    assert shown["total"].value == CooperationItem.objects.count()
    assert shown["since"]["new"] == CooperationItem.objects.count()  # (recorded after it)
    rebuild_dashboard_summary()
    counts = summary.summary_counts(now=timezone.now(), wait=False)
    assert counts.since["new"] == shown["since"]["new"]
    check(viewer)
