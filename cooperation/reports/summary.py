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
from django.db import connection, transaction
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, F, QuerySet
from django.utils import timezone

from cooperation import selectors
from cooperation.choices import Status
from cooperation.models import (
    CooperationItem,
    DashboardCell,
    DashboardChange,
    DashboardItem,
    DashboardState,
    Milestone,
    SupervisionSlip,
)
from cooperation.models.supervision import OPEN_STATES, SlipColour
from cooperation.supervision import lights
from cooperation.supervision.selectors import (
    awaiting_confirmation_condition,
    awaiting_review_condition,
)

log = logging.getLogger(__name__)

WINDOW_DAYS = 21
# More changes than this waiting: counting every item again is cheaper than item by item.
FOLD_LIMIT = 2000
VALUES = (
    "n",
    "weighted",
    "weight",
    "slips_blue",
    "slips_yellow",
    "slips_red",
    "awaiting_review",
    "awaiting_confirmation",
)
FACT_FIELDS = [f.name for f in DashboardItem._meta.concrete_fields if f.name != "item"]
SLIP_FIELDS = {SlipColour.BLUE: "slips_blue", SlipColour.YELLOW: "slips_yellow",
               SlipColour.RED: "slips_red"}  # fmt: skip
STATE_ID = 1


# --- facts: what each item adds ----------------------------------------------------------


def item_facts(items: QuerySet, *, points: int) -> dict[int, dict]:
    """Item id → its ``DashboardItem`` fields, read from ``items`` in three queries."""
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
    facts = {}
    columns = ("pk", "code", "category", "status", "health", "chengdu_city", "yibin_city",
               "not_reported", "start_date", "target_date", "rolled_up_progress", "weight",
               "parent_id", "stale_since", "last_reported_at", "created_at", "review_pending",
               "confirmation_pending")  # fmt: skip
    for row in queryset.values(*columns).iterator(chunk_size=5000):
        facts[row["pk"]] = _fact(row, dues[row["pk"]], slips[row["pk"]], points)
    return facts


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


def _contributions(fact: dict, state: DashboardState) -> dict[str, list[int]]:
    found = {fact_key(fact, state).encode(): [1, *(int(fact[name]) for name in VALUES[1:])]}
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


def _new_state(now: datetime.datetime) -> DashboardState:
    return DashboardState(
        pk=STATE_ID,
        base=timezone.localdate(now),
        window_days=WINDOW_DAYS,
        stale_days=settings.CHENGYI_STALE_DAYS,
        behind_points=settings.CHENGYI_BEHIND_POINTS,
        built_at=now,
    )


def _rebuild(now: datetime.datetime) -> dict[int, dict]:
    """Count every item again (the only O(items) step; daily task or a changed setting)."""
    _taken_changes()
    state = _new_state(now)
    facts = item_facts(CooperationItem.objects.all(), points=state.behind_points)
    DashboardItem.objects.all().delete()
    DashboardItem.objects.bulk_create(
        [DashboardItem(item_id=pk, **fact) for pk, fact in facts.items()], batch_size=2000
    )
    _write_cells(state, facts.values())
    state.save()
    return facts


def _rebase(state: DashboardState, now: datetime.datetime) -> None:
    """Count the cells for today from ``DashboardItem`` (no item is read)."""
    new = _new_state(now)
    _write_cells(new, _stored(DashboardItem.objects.all()).values())
    new.save()


def _fold(state: DashboardState) -> int:
    """Move the changed items' counts from their old cells to their new ones."""
    ids = _taken_changes()
    if not ids:
        return 0
    new = item_facts(CooperationItem.objects.filter(pk__in=ids), points=state.behind_points)
    old = _stored(DashboardItem.objects.filter(item_id__in=ids))
    deltas = _count(old.values(), state, -1, {})
    _apply(_count(new.values(), state, 1, deltas))
    DashboardItem.objects.filter(item_id__in=ids).delete()
    DashboardItem.objects.bulk_create([DashboardItem(item_id=pk, **f) for pk, f in new.items()])
    return len(ids)


def _usable(state: DashboardState | None, now: datetime.datetime) -> bool:
    """Whether the cells answer for ``now`` exactly: same settings, today in the window."""
    if state is None or state.window_days != WINDOW_DAYS:
        return False
    if (state.stale_days, state.behind_points) != (
        settings.CHENGYI_STALE_DAYS,
        settings.CHENGYI_BEHIND_POINTS,
    ):
        return False
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


def summary_current(now: datetime.datetime) -> DashboardState:
    """The summary, brought up to date for ``now`` (folding changes, re-basing) if needed."""
    state, pending = _pending()
    if not pending and _usable(state, now):
        return state
    with transaction.atomic():
        state = DashboardState.objects.select_for_update().filter(pk=STATE_ID).first()
        if state is None or (state.stale_days, state.behind_points) != (
            settings.CHENGYI_STALE_DAYS,
            settings.CHENGYI_BEHIND_POINTS,
        ):
            _rebuild(now)
            return DashboardState.objects.get(pk=STATE_ID)
        if _fold(state) > FOLD_LIMIT:
            log.info("dashboard summary: many changes folded at once")
        if not _usable(state, now):
            _rebase(state, now)
            state = DashboardState.objects.get(pk=STATE_ID)
    return state


def summary_rebuild(*, now: datetime.datetime | None = None) -> int:
    """Count every item again (after a bulk load that bypassed the triggers, e.g. with
    ``session_replication_role = replica``); returns the number of items."""
    with transaction.atomic():
        DashboardState.objects.select_for_update().filter(pk=STATE_ID).first()
        return len(_rebuild(now or timezone.now()))


def summary_refresh(*, now: datetime.datetime | None = None) -> dict:
    """The daily task: fold what changed, count the cells for today, then compare every
    item with its stored facts and repair (and report) any difference."""
    now = now or timezone.now()
    with transaction.atomic():
        state = DashboardState.objects.select_for_update().filter(pk=STATE_ID).first()
        if state is None:
            facts = _rebuild(now)
            return {"items": len(facts), "drift": [], "rebuilt": True}
        folded = _fold(state)
        fresh = item_facts(CooperationItem.objects.all(), points=state.behind_points)
        stored = _stored(DashboardItem.objects.all())
        drift = sorted(pk for pk in fresh.keys() | stored.keys() if fresh.get(pk) != stored.get(pk))
        if drift:
            log.warning(
                "dashboard summary drifted from the items; counted again",
                extra={"event": "dashboard_summary_drift", "items": drift[:50],
                       "count": len(drift)},
            )  # fmt: skip
            _rebuild(now)
        else:
            _rebase(state, now)
    return {"items": len(fresh), "folded": folded, "drift": drift, "rebuilt": bool(drift)}


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


def summary_counts(*, now: datetime.datetime) -> Counts:
    """Everything the dashboard counts, for ``now``, from the cells (three queries when
    nothing changed)."""
    state = summary_current(now)
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
    for cell in DashboardCell.objects.all():
        if cell.key.startswith("m|"):
            milestones += cell.n if cell.key[2:] < today_text else 0
            continue
        for name in VALUES:
            sums[name] += getattr(cell, name)
        key = Key.decode(cell.key)
        progress[key.category][0] += cell.weighted
        progress[key.category][1] += cell.weight
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
        stale = stale_now.get(cell.key, 0) if key.stale_day == cutoff_text else 0
        if key.stale_day and key.stale_day < cutoff_text:
            stale = cell.n
        if stale:
            groups[(*common, True)] += stale
        if cell.n - stale:
            groups[(*common, False)] += cell.n - stale
    names = ("category", "status", "health", "overdue", "never_reported", "light",
             "chengdu_lead_city", "yibin_lead_city", "stale")  # fmt: skip
    return Counts(
        groups=[Group(**dict(zip(names, k, strict=True)), count=n) for k, n in groups.items()],
        progress={c: (w, total) for c, (w, total) in progress.items() if total or w},
        slips={colour: sums[field] for colour, field in SLIP_FIELDS.items()},
        awaiting_review=sums["awaiting_review"],
        awaiting_confirmation=sums["awaiting_confirmation"],
        overdue_milestones=milestones,
    )


def _boundary_stale(cutoff, cutoff_day, state) -> dict[str, int]:
    """Per cell, its items of the cut-off's own day already stale (past the cut-off)."""
    start = timezone.make_aware(datetime.datetime.combine(cutoff_day, datetime.time.min))
    rows = DashboardItem.objects.filter(stale_since__gte=start, stale_since__lt=cutoff)
    found: dict[str, int] = defaultdict(int)
    for fact in _stored(rows).values():
        found[fact_key(fact, state).encode()] += 1
    return found
