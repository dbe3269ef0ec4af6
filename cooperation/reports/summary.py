"""The dashboard's figures from a summary, not from every item: flat with the number of items.

**What is kept.** ``DashboardItem`` holds, per item, what it adds to the figures: its
category, status, health, lead cities, whether it was ever reported, its first open deadline
and the day it falls behind the time line (序时进度), since when it counts as stale, its open
milestones' due dates, slips and pending reviews, and its weighted progress. They are read
from the items by the same annotations the item list uses (``selectors``, ``lights``), so
the rules live where they did. ``DashboardCell`` counts the items alike in everything the
dashboard shows (and open milestones by due date): a few hundred rows however many items.

**Time.** Lights and "overdue" change with the date alone, "stale" with the hour. The cells
therefore count dates, not flags: within ``WINDOW_DAYS`` from the day they were counted for
(``DashboardState.base``) a deadline, a time-line day or a stale day is kept as the date
itself, earlier ones as "before", later ones as "after". Any day in the window reads the
flags off the cells exactly (overdue: deadline before today; yellow: deadline by
``warn_until(today)`` or time line passed; stale: stale day before the cut-off's day, and
the items of the cut-off's own day — a few — looked up by their time). The daily task
counts the cells again for the new day from ``DashboardItem`` alone (``summary_refresh``);
if it did not run, the first reader outside the window does the same.

**Writes.** Every write reaches the summary, whoever makes it: database triggers (migration
0013_dash_summary) append the items a write touched (and their parents) to
``DashboardChange``. The first reader after a write folds them in: it reads those items
again and moves their counts from their old cells to their new ones (``_fold``), a fixed
number of queries however many changed. ``summary_refresh`` also compares every item with
``DashboardItem`` and repairs and reports any difference (drift), which only a write the
triggers cannot see (a trigger dropped by hand) could cause.
"""

import dataclasses
import datetime
import logging
from collections import defaultdict

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, F, QuerySet
from django.utils import timezone

from cooperation import selectors
from cooperation.choices import Status
from cooperation.meetings.selectors import baseline_meeting
from cooperation.models import (
    CooperationItem,
    DashboardCell,
    DashboardChange,
    DashboardItem,
    DashboardState,
    Meeting,
    Milestone,
    StatusUpdate,
    SupervisionSlip,
)
from cooperation.models.supervision import OPEN_STATES, SlipColour
from cooperation.supervision import lights
from cooperation.supervision.selectors import (
    awaiting_confirmation_condition,
    awaiting_review_condition,
)

from . import states as st

log = logging.getLogger(__name__)

WINDOW_DAYS = 21
VALUES = (
    "n",
    "weighted",
    "weight",
    "slips_blue",
    "slips_yellow",
    "slips_red",
    "awaiting_review",
    "awaiting_confirmation",
    "since_changed",
    "since_new",
    "since_status",
    "since_completed",
    "since_worse",
    "since_better",
    "since_advanced",
    "updates_since",
)
FACT_FIELDS = [f.name for f in DashboardItem._meta.concrete_fields if f.name != "item"]
SLIP_FIELDS = {SlipColour.BLUE: "slips_blue", SlipColour.YELLOW: "slips_yellow",
               SlipColour.RED: "slips_red"}  # fmt: skip
STATE_ID = 1


# --- facts: what each item adds ----------------------------------------------------------


def item_facts(items: QuerySet, *, points: int, since_at=None, ids=None) -> dict[int, dict]:
    """Item id → its ``DashboardItem`` fields, read from ``items`` (the items ``ids``, or
    all) in a fixed number of queries; how they moved since ``since_at`` from
    ``states.moves_since``, as the dashboard's "since the last consultation" reads it."""
    queryset = selectors.with_stale_since(
        selectors.with_last_report(selectors.with_rollup(items.order_by()))
    )
    queryset = queryset.annotate(
        chengdu_city=F("chengdu_lead__city"),
        yibin_city=F("yibin_lead__city"),
        not_reported=ExpressionWrapper(
            selectors.never_reported_condition(), output_field=BooleanField()
        ),
        review_pending=awaiting_review_condition(),
        confirmation_pending=awaiting_confirmation_condition(),
    )
    dues = defaultdict(list)
    milestones = Milestone.objects.filter(
        item__in=items.values("pk"), done_date__isnull=True, due_date__isnull=False
    )
    for item_id, due in milestones.values_list("item_id", "due_date").order_by("due_date"):
        dues[item_id].append(due)
    slips = defaultdict(dict)
    open_slips = SupervisionSlip.objects.filter(item__in=items.values("pk"), state__in=OPEN_STATES)
    for item_id, colour, n in open_slips.values_list("item_id", "colour").annotate(n=Count("pk")):
        slips[item_id][colour] = n
    changes, updates = {}, {}
    if since_at is not None:
        changes = st.moves_since(since_at, ids=ids)
        reports = StatusUpdate.objects.filter(
            item__in=items.values("pk"), reported_at__gte=since_at
        )
        updates = dict(reports.order_by().values_list("item_id").annotate(n=Count("pk")))
    facts = {}
    columns = ("pk", "code", "category", "status", "health", "chengdu_city", "yibin_city",
               "not_reported", "start_date", "target_date", "rolled_up_progress", "weight",
               "parent_id", "stale_since", "last_reported_at", "created_at", "review_pending",
               "confirmation_pending")  # fmt: skip
    for row in queryset.values(*columns).iterator(chunk_size=5000):
        pk = row["pk"]
        facts[pk] = {
            **_fact(row, dues[pk], slips[pk], points),
            **_since(changes.get(pk), updates.get(pk, 0)),
        }
    return facts


def _since(change, updates: int) -> dict:
    """How the item moved since the last consultation (``states.Change``; None: it did not)."""
    changed = change is not None and change.changed
    before = change.before if changed else None
    trend = change.health_trend if changed else 0
    status_changed = changed and change.status_changed
    # The dashboard lists the changes by worse-or-better health, then status change, then
    # code (as ``dashboard.changes_since`` sorts them): one sortable text, code in hex so
    # that any collation orders it as Python does.
    rank = f"{0 if trend else 2}{0 if status_changed else 1}" if changed else ""
    return {
        "updates_since": updates,
        "since_changed": changed,
        "since_new": changed and change.is_new,
        "since_status_changed": status_changed,
        "since_trend": trend,
        "since_delta": change.progress_delta if changed else 0,
        "before_status": before.status if before else "",
        "before_health": before.health if before else "",
        "before_rolled": before.rolled if before else None,
        "since_rank": rank + change.item.code.encode().hex() if changed else "",
        **({"rolled": change.item.rolled} if changed else {}),  # as the list shows it
    }


def _fact(row: dict, dues: list, slips: dict, points: int) -> dict:
    status = row["status"]
    is_open = status not in selectors.CLOSED_STATUSES
    owes = status in selectors.STALE_STATUSES
    top = row["parent_id"] is None and status != Status.CANCELLED
    progress = row["rolled_up_progress"]
    return {
        "code": row["code"],
        "category": row["category"],
        "status": status,
        "health": row["health"],
        "chengdu_lead_city": row["chengdu_city"] or "",
        "yibin_lead_city": row["yibin_city"] or "",
        "never_reported": bool(row["not_reported"]),
        "deadline": lights.first_deadline(row["target_date"], dues) if is_open else None,
        "behind_from": (
            lights.behind_from(row["start_date"], row["target_date"], progress, points)
            if is_open
            else None
        ),
        "stale_since": row["stale_since"] if owes else None,
        "stale_order": (row["last_reported_at"] or row["created_at"]) if owes else None,
        "milestones": [d.isoformat() for d in dues] if is_open else [],
        "weighted": round(progress * row["weight"]) if top else 0,
        "weight": row["weight"] if top else 0,
        **{field: slips.get(colour, 0) for colour, field in SLIP_FIELDS.items()},
        "awaiting_review": bool(row["review_pending"]),
        "awaiting_confirmation": bool(row["confirmation_pending"]),
        "rolled": round(progress),
    }


def _stored(rows) -> dict[int, dict]:
    return {row.item_id: {f: getattr(row, f) for f in FACT_FIELDS} for row in rows}


# --- cells: facts counted for a day ------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Key:
    """What the dashboard tells apart about an item; dates bucketed to the window."""

    category: str
    status: str
    health: str
    chengdu_lead_city: str
    yibin_lead_city: str
    never_reported: bool
    deadline: str  # ISO dates; "" for none
    behind_from: str
    stale_day: str

    def encode(self) -> str:
        fields = dataclasses.astuple(self)
        return "i|" + "|".join("1" if v is True else "0" if v is False else v for v in fields)

    @classmethod
    def decode(cls, text: str) -> "Key":
        values = text.split("|")[1:]
        values[5] = values[5] == "1"
        return cls(*values)


def _bucket(day: datetime.date | None, first: datetime.date, days: int) -> str:
    """``day`` itself within ``days`` days from ``first``, else the day before or after."""
    if day is None:
        return ""
    if day < first:
        day = first - datetime.timedelta(days=1)
    elif day >= first + datetime.timedelta(days=days):
        day = first + datetime.timedelta(days=days)
    return day.isoformat()


def _stale_first(state: DashboardState) -> datetime.date:
    return state.base - datetime.timedelta(days=state.stale_days)


def fact_key(fact: dict, state: DashboardState) -> Key:
    stale = fact["stale_since"]
    stale_day = timezone.localdate(stale) if stale is not None else None
    return Key(
        category=fact["category"],
        status=fact["status"],
        health=fact["health"],
        chengdu_lead_city=fact["chengdu_lead_city"],
        yibin_lead_city=fact["yibin_lead_city"],
        never_reported=fact["never_reported"],
        deadline=_bucket(fact["deadline"], state.base, state.window_days),
        behind_from=_bucket(fact["behind_from"], state.base, state.window_days),
        stale_day=_bucket(stale_day, _stale_first(state), state.window_days),
    )


def _sums(fact: dict) -> tuple:
    """What the item adds to its cell's sums, in the order of ``VALUES[1:]``."""
    changed, trend = fact["since_changed"], fact["since_trend"]
    return (
        fact["weighted"], fact["weight"], fact["slips_blue"], fact["slips_yellow"],
        fact["slips_red"], fact["awaiting_review"], fact["awaiting_confirmation"],
        changed, fact["since_new"], fact["since_status_changed"],
        fact["since_status_changed"] and fact["status"] == Status.COMPLETED,
        trend > 0, trend < 0, fact["since_delta"] > 0 and not fact["since_new"],
        fact["updates_since"],
    )  # fmt: skip


def _contributions(fact: dict, state: DashboardState) -> dict[str, list[int]]:
    found = {fact_key(fact, state).encode(): [1, *(int(v) for v in _sums(fact))]}
    for due in fact["milestones"]:
        day = datetime.date.fromisoformat(due)
        key = "m|" + _bucket(day, state.base, state.window_days)
        found.setdefault(key, [0] * len(VALUES))[0] += 1
    return found


def _count(facts, state, sign: int, into: dict) -> dict:
    for fact in facts:
        for key, values in _contributions(fact, state).items():
            totals = into.setdefault(key, [0] * len(VALUES))
            for index, value in enumerate(values):
                totals[index] += sign * value
    return into


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
    counts = _count(facts, state, 1, {})
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


def _baseline(now: datetime.datetime) -> Meeting | None:
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
    _write_cells(new, _stored(DashboardItem.objects.all()).values())
    new.save()


def _fold(state: DashboardState) -> int:
    """Move the changed items' counts from their old cells to their new ones."""
    ids = _taken_changes()
    if not ids:
        return 0
    items = CooperationItem.objects.filter(pk__in=ids)
    new = item_facts(items, points=state.behind_points, since_at=state.since_at, ids=ids)
    old = _stored(DashboardItem.objects.filter(item_id__in=ids))
    deltas = _count(old.values(), state, -1, {})
    _apply(_count(new.values(), state, 1, deltas))
    DashboardItem.objects.filter(item_id__in=ids).delete()
    DashboardItem.objects.bulk_create([DashboardItem(item_id=pk, **f) for pk, f in new.items()])
    return len(ids)


def _in_window(state: DashboardState, now: datetime.datetime) -> bool:
    """Whether the cells answer for ``now`` exactly: today and its cut-offs in the window."""
    today = timezone.localdate(now)
    end = state.base + datetime.timedelta(days=state.window_days)
    cutoff_day = timezone.localdate(selectors.stale_cutoff(now=now))
    stale_end = _stale_first(state) + datetime.timedelta(days=state.window_days)
    return (
        state.base <= today
        and lights.warn_until(today) < end
        and _stale_first(state) <= cutoff_day < stale_end
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
    """The summary up to date for ``now`` and ``baseline`` (``_baseline(now)``): changes
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
        summary_current(now, _baseline(now))
    finally:
        cache.delete(REBUILD_KEY)


def summary_rebuild(*, now: datetime.datetime | None = None) -> int:
    """Count every item again (after a bulk load that bypassed the triggers, e.g. with
    ``session_replication_role = replica``); returns the number of items."""
    now = now or timezone.now()
    with transaction.atomic():
        DashboardState.objects.select_for_update().filter(pk=STATE_ID).first()
        return len(_rebuild(now, _baseline(now)))


def summary_refresh(*, now: datetime.datetime | None = None) -> dict:
    """The daily task: fold what changed, compare every item with its stored facts (a
    difference is repaired and reported), and count the cells for the new day."""
    now = now or timezone.now()
    baseline = _baseline(now)
    with transaction.atomic():
        state = DashboardState.objects.select_for_update().filter(pk=STATE_ID).first()
        if state is None or _settings_changed(state):
            facts = _rebuild(now, baseline)
            return {"items": len(facts), "folded": 0, "drift": [], "rebuilt": True}
        folded = _fold(state)
        fresh = _all_facts(state)
        stored = _stored(DashboardItem.objects.all())
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


# --- reading the figures ---------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Group:
    """Items alike in everything the dashboard counts, and how many there are."""

    category: str
    status: str
    health: str
    overdue: bool
    stale: bool
    never_reported: bool
    light: str
    chengdu_lead_city: str | None
    yibin_lead_city: str | None
    count: int

    @property
    def lead_cities(self) -> set[str]:
        """The cities of its two leads (the item list's ``city`` filter)."""
        return {c for c in (self.chengdu_lead_city, self.yibin_lead_city) if c}


@dataclasses.dataclass
class Counts:
    groups: list[Group]
    progress: dict[str, tuple[int, int]]  # category → (Σ progress × weight, Σ weight)
    slips: dict[str, int]
    awaiting_review: int
    awaiting_confirmation: int
    overdue_milestones: int
    since: dict | None = None  # counts of "since the last consultation" (summary only)


SINCE = {"changed": "since_changed", "new": "since_new", "status_changed": "since_status",
         "completed": "since_completed", "worse": "since_worse", "better": "since_better",
         "advanced": "since_advanced", "updates": "updates_since"}  # fmt: skip


def summary_counts(
    *, now: datetime.datetime, baseline: Meeting | None = None, wait: bool = True
) -> Counts:
    """Everything the dashboard counts, for ``now`` and the last consultation ``baseline``
    (found when not given), from the cells: three queries when nothing changed. Raises
    ``SummaryNotReady`` (only without ``wait``) while a worker counts everything again."""
    baseline = _baseline(now) if baseline is None else baseline
    state = summary_current(now, baseline, wait=wait)
    today = timezone.localdate(now)
    until = lights.warn_until(today).isoformat()
    today_text = today.isoformat()
    cutoff = selectors.stale_cutoff(now=now)
    cutoff_day = timezone.localdate(cutoff)
    stale_now = _boundary_stale(cutoff, cutoff_day, state)
    cutoff_text = cutoff_day.isoformat()
    groups: dict[tuple, int] = defaultdict(int)
    progress: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    sums = dict.fromkeys(VALUES, 0)
    milestones = 0
    for text, *values in DashboardCell.objects.values_list("key", *VALUES):
        n = values[0]
        if text.startswith("m|"):
            milestones += n if text[2:] < today_text else 0
            continue
        for name, value in zip(VALUES, values, strict=True):
            sums[name] += value
        key = Key.decode(text)
        progress[key.category][0] += values[1]
        progress[key.category][1] += values[2]
        closed = key.status in selectors.CLOSED_STATUSES
        overdue = not closed and key.deadline != "" and key.deadline < today_text
        if closed:
            light = lights.Light.NONE
        elif overdue:
            light = lights.Light.RED
        elif (key.deadline and key.deadline <= until) or (
            key.behind_from and key.behind_from <= today_text
        ):
            light = lights.Light.YELLOW
        else:
            light = lights.Light.GREEN
        cities = (key.chengdu_lead_city or None, key.yibin_lead_city or None)
        common = (key.category, key.status, key.health, overdue, key.never_reported,
                  light.value, *cities)  # fmt: skip
        stale = stale_now.get(text, 0) if key.stale_day == cutoff_text else 0
        if key.stale_day and key.stale_day < cutoff_text:
            stale = n
        if stale:
            groups[(*common, True)] += stale
        if n - stale:
            groups[(*common, False)] += n - stale
    names = ("category", "status", "health", "overdue", "never_reported", "light",
             "chengdu_lead_city", "yibin_lead_city", "stale")  # fmt: skip
    return Counts(
        groups=[Group(**dict(zip(names, k, strict=True)), count=n) for k, n in groups.items()],
        progress={c: (w, total) for c, (w, total) in progress.items() if total or w},
        slips={colour: sums[field] for colour, field in SLIP_FIELDS.items()},
        awaiting_review=sums["awaiting_review"],
        awaiting_confirmation=sums["awaiting_confirmation"],
        overdue_milestones=milestones,
        since={name: sums[field] for name, field in SINCE.items()} if baseline else None,
    )


def summary_changes(limit: int) -> list[st.Change]:
    """The first ``limit`` changes since the last consultation, in the dashboard's order
    (worse or better health, then status changes, then code), from the summary."""
    rows = DashboardItem.objects.filter(since_changed=True).select_related("item")
    changes = []
    for fact in rows.order_by("since_rank")[:limit]:
        values = {name: getattr(fact.item, name) for name in st.FIELDS}
        now = st.ItemState(**values, rolled=fact.rolled)
        before = None
        if not fact.since_new:
            then = {"status": fact.before_status, "health": fact.before_health}
            before = dataclasses.replace(now, **then, rolled=fact.before_rolled)
        changes.append(st.Change(item=now, before=before))
    return changes


def _boundary_stale(cutoff, cutoff_day, state) -> dict[str, int]:
    """Per cell, its items of the cut-off's own day already stale (past the cut-off)."""
    start = timezone.make_aware(datetime.datetime.combine(cutoff_day, datetime.time.min))
    rows = DashboardItem.objects.filter(stale_since__gte=start, stale_since__lt=cutoff)
    found: dict[str, int] = defaultdict(int)
    for fact in _stored(rows).values():
        found[fact_key(fact, state).encode()] += 1
    return found
