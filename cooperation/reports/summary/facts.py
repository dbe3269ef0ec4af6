"""What each item adds to the dashboard's figures, and the cell it is counted in.

``DashboardItem`` holds, per item, its category, status, health, lead cities, whether it was
ever reported, its first open deadline and the day it falls behind the time line (序时进度),
since when it counts as stale, its open milestones' due dates, slips and pending reviews, its
weighted progress and how it moved since the last consultation. They are read by the same
annotations the item list uses (``selectors``, ``lights``), so the rules live where they did.

**Time.** Lights and "overdue" change with the date alone, "stale" with the hour, so a cell
(``Key``) counts dates, not flags: within ``WINDOW_DAYS`` from the day the cells were counted
for (``DashboardState.base``) a deadline, a time-line day or a stale day is kept as the date
itself, earlier ones as "before", later ones as "after".
"""

import dataclasses
import datetime
from collections import defaultdict

from django.db.models import BooleanField, Count, ExpressionWrapper, F, QuerySet
from django.utils import timezone

from cooperation import selectors
from cooperation.choices import Status
from cooperation.models import (
    DashboardItem,
    DashboardState,
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

from .. import states as st

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


def stored_facts(rows) -> dict[int, dict]:
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


def stale_first(state: DashboardState) -> datetime.date:
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
        stale_day=_bucket(stale_day, stale_first(state), state.window_days),
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


def count_facts(facts, state, sign: int, into: dict) -> dict:
    for fact in facts:
        for key, values in _contributions(fact, state).items():
            totals = into.setdefault(key, [0] * len(VALUES))
            for index, value in enumerate(values):
                totals[index] += sign * value
    return into
