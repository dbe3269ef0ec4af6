"""Keeping the summary up to date: the triggers' change log folded in, the daily recount,
drift repair, and the worker's rebuild.

Database triggers (migration 0013_dash_summary) append the items a write touched (and their
parents) to ``DashboardChange``, whoever writes. The first reader after a write folds them
in (``_fold``): it reads those items again and moves their counts from their old cells to
their new ones, a fixed number of queries however many changed. The daily task
(``summary_refresh``) counts the cells for the new day from ``DashboardItem`` alone, and
compares every item with it, repairing and reporting any difference (drift), which only a
write the triggers cannot see could cause. If it did not run, the first reader outside the
window counts the cells for the day.
"""

import datetime
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Exists
from django.utils import timezone

from cooperation import selectors
from cooperation.meetings.selectors import baseline_meeting
from cooperation.models import (
    CooperationItem,
    DashboardCell,
    DashboardChange,
    DashboardItem,
    DashboardState,
    Meeting,
)
from cooperation.supervision import lights

from .facts import STATE_ID, VALUES, WINDOW_DAYS, count_facts, item_facts, stale_first, stored_facts

# The logger's name from before the split into modules, so logs and their filters still match.
log = logging.getLogger("cooperation.reports.summary")


# --- writing the cells -----------------------------------------------------------------


def _cell(key: str, values: list[int]) -> DashboardCell:
    return DashboardCell(key=key, **dict(zip(VALUES, values, strict=True)))


def _apply(deltas: dict[str, list[int]]) -> None:
    """Add ``deltas`` to the cells: three queries, however many cells change."""
    deltas = {key: delta for key, delta in deltas.items() if any(delta)}
    cells = {cell.key: cell for cell in DashboardCell.objects.filter(key__in=list(deltas))}
    keep, empty = [], []
    for key, delta in deltas.items():
        old = cells.get(key)
        values = [
            (getattr(old, name) if old else 0) + d for name, d in zip(VALUES, delta, strict=True)
        ]
        if values[0] < 0:
            raise RuntimeError(f"dashboard cell {key} would count {values[0]} items")
        if values[0] == 0:
            empty.append(key)
        else:
            keep.append(_cell(key, values))
    DashboardCell.objects.filter(key__in=empty).delete()
    DashboardCell.objects.bulk_create(
        keep, update_conflicts=True, unique_fields=["key"], update_fields=VALUES
    )


def _write_cells(state: DashboardState, facts) -> None:
    counts = count_facts(facts, state, 1, {})
    DashboardCell.objects.all().delete()
    DashboardCell.objects.bulk_create(
        [_cell(key, values) for key, values in counts.items()],
        batch_size=2000,
    )


# --- keeping it up to date -------------------------------------------------------------


def _taken_changes() -> list[int]:
    """Delete the logged changes and return their items. Every write whose row this
    deletes has committed, so the reads that follow see it; a write committing meanwhile
    keeps its row for next time."""
    table = connection.ops.quote_name("cooperation_dashboardchange")
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} RETURNING item_id")  # noqa: S608
        return sorted({row[0] for row in cursor.fetchall()})


def summary_baseline(now: datetime.datetime) -> Meeting | None:
    """The last consultation "since" counts from (``meetings.selectors.baseline_meeting``)."""
    return baseline_meeting(now=now)


def _same_baseline(state: DashboardState, baseline: Meeting | None) -> bool:
    if baseline is None:
        return state.since_meeting_id is None
    return (state.since_meeting_id, state.since_at) == (baseline.pk, baseline.starts_at)


def _settings_changed(state: DashboardState) -> bool:
    return (state.window_days, state.stale_days, state.behind_points) != (
        WINDOW_DAYS,
        settings.CHENGYI_STALE_DAYS,
        settings.CHENGYI_BEHIND_POINTS,
    )


def _new_state(now: datetime.datetime, baseline: Meeting | None) -> DashboardState:
    return DashboardState(
        pk=STATE_ID,
        base=timezone.localdate(now),
        window_days=WINDOW_DAYS,
        stale_days=settings.CHENGYI_STALE_DAYS,
        behind_points=settings.CHENGYI_BEHIND_POINTS,
        built_at=now,
        since_meeting_id=baseline.pk if baseline else None,
        since_at=baseline.starts_at if baseline else None,
    )


def _all_facts(state: DashboardState) -> dict[int, dict]:
    items = CooperationItem.objects.all()
    return item_facts(items, points=state.behind_points, since_at=state.since_at)


def _rebuild(now: datetime.datetime, baseline: Meeting | None) -> dict[int, dict]:
    """Count every item again: the only step that reads every item (a new consultation to
    count from, a changed setting, a drift found by the daily check)."""
    _taken_changes()
    state = _new_state(now, baseline)
    facts = _all_facts(state)
    DashboardItem.objects.all().delete()
    DashboardItem.objects.bulk_create(
        [DashboardItem(item_id=pk, **fact) for pk, fact in facts.items()], batch_size=2000
    )
    _write_cells(state, facts.values())
    state.save()
    return facts


def _rebase(state: DashboardState, now: datetime.datetime) -> None:
    """Count the cells for today from ``DashboardItem`` (no item is read)."""
    new = _new_state(now, None)
    new.since_meeting_id, new.since_at = state.since_meeting_id, state.since_at
    _write_cells(new, stored_facts(DashboardItem.objects.all()).values())
    new.save()


def _fold(state: DashboardState) -> int:
    """Move the changed items' counts from their old cells to their new ones."""
    ids = _taken_changes()
    if not ids:
        return 0
    items = CooperationItem.objects.filter(pk__in=ids)
    new = item_facts(items, points=state.behind_points, since_at=state.since_at, ids=ids)
    old = stored_facts(DashboardItem.objects.filter(item_id__in=ids))
    deltas = count_facts(old.values(), state, -1, {})
    _apply(count_facts(new.values(), state, 1, deltas))
    DashboardItem.objects.filter(item_id__in=ids).delete()
    DashboardItem.objects.bulk_create([DashboardItem(item_id=pk, **f) for pk, f in new.items()])
    return len(ids)


def _in_window(state: DashboardState, now: datetime.datetime) -> bool:
    """Whether the cells answer for ``now`` exactly: today and its cut-offs in the window."""
    today = timezone.localdate(now)
    end = state.base + datetime.timedelta(days=state.window_days)
    cutoff_day = timezone.localdate(selectors.stale_cutoff(now=now))
    stale_end = stale_first(state) + datetime.timedelta(days=state.window_days)
    return (
        state.base <= today
        and lights.warn_until(today) < end
        and stale_first(state) <= cutoff_day < stale_end
    )


def _pending() -> tuple[DashboardState | None, bool]:
    """The state row and whether changes wait, in one query."""
    pending = Exists(DashboardChange.objects.all())
    state = DashboardState.objects.filter(pk=STATE_ID).annotate(pending=pending).first()
    return state, bool(state and state.pending)


class SummaryNotReady(Exception):
    """The summary is being counted again by a worker; count from the items meanwhile."""


REBUILD_KEY = "chengyi:dashboard-summary-rebuild"


def _count_again_soon() -> None:
    """Queue one rebuild (``tasks.rebuild_dashboard_summary``), not one per reader."""
    from cooperation import queue
    from cooperation.tasks import rebuild_dashboard_summary

    if cache.add(REBUILD_KEY, 1, 600):
        queue.enqueue(rebuild_dashboard_summary)


def summary_current(
    now: datetime.datetime, baseline: Meeting | None, *, wait: bool = True
) -> DashboardState:
    """The summary up to date for ``now`` and ``baseline`` (``summary_baseline(now)``): changes
    folded in, the cells counted for today, everything again after a setting changed or a
    new consultation began. One query when nothing changed.

    Counting everything again reads every item: with more than CHENGYI_SUMMARY_INLINE_ITEMS
    items and ``wait`` off, a worker does it and ``SummaryNotReady`` is raised meanwhile.
    """
    state, pending = _pending()
    whole = state is None or _settings_changed(state) or not _same_baseline(state, baseline)
    if not whole and not pending and _in_window(state, now):
        return state
    inline = settings.CHENGYI_SUMMARY_INLINE_ITEMS
    if whole and not wait and CooperationItem.objects.count() > inline:
        _count_again_soon()
        raise SummaryNotReady
    with transaction.atomic():
        state = DashboardState.objects.select_for_update().filter(pk=STATE_ID).first()
        if state is None or _settings_changed(state) or not _same_baseline(state, baseline):
            _rebuild(now, baseline)
            return DashboardState.objects.get(pk=STATE_ID)
        _fold(state)
        if not _in_window(state, now):
            _rebase(state, now)
            state = DashboardState.objects.get(pk=STATE_ID)
    return state


def summary_bring_up_to_date(*, now: datetime.datetime | None = None) -> None:
    """The worker's side of ``SummaryNotReady``: count again whatever needs it."""
    now = now or timezone.now()
    try:
        summary_current(now, summary_baseline(now))
    finally:
        cache.delete(REBUILD_KEY)


def summary_rebuild(*, now: datetime.datetime | None = None) -> int:
    """Count every item again (after a bulk load that bypassed the triggers, e.g. with
    ``session_replication_role = replica``); returns the number of items."""
    now = now or timezone.now()
    with transaction.atomic():
        DashboardState.objects.select_for_update().filter(pk=STATE_ID).first()
        return len(_rebuild(now, summary_baseline(now)))


def summary_refresh(*, now: datetime.datetime | None = None) -> dict:
    """The daily task: fold what changed, compare every item with its stored facts (a
    difference is repaired and reported), and count the cells for the new day."""
    now = now or timezone.now()
    baseline = summary_baseline(now)
    with transaction.atomic():
        state = DashboardState.objects.select_for_update().filter(pk=STATE_ID).first()
        if state is None or _settings_changed(state):
            facts = _rebuild(now, baseline)
            return {"items": len(facts), "folded": 0, "drift": [], "rebuilt": True}
        folded = _fold(state)
        fresh = _all_facts(state)
        stored = stored_facts(DashboardItem.objects.all())
        drift = sorted(pk for pk in fresh.keys() | stored.keys() if fresh.get(pk) != stored.get(pk))
        if drift:
            log.warning(
                "dashboard summary drifted from the items; counted again",
                extra={"event": "dashboard_summary_drift", "items": drift[:50],
                       "count": len(drift)},
            )  # fmt: skip
        rebuilt = bool(drift) or not _same_baseline(state, baseline)
        if rebuilt:
            _rebuild(now, baseline)
        else:
            _rebase(state, now)
    return {"items": len(fresh), "folded": folded, "drift": drift, "rebuilt": rebuilt}
