"""Item states now or at a past moment, with the flags every report shares.

A state is what a report needs of one item: status, health, own and rolled-up progress, the
last status update, open overdue milestones. ``states_now`` reads the live tables (what the
item list shows); ``states_at`` reads the history (``as_of``) as it was at a moment. Each
takes a fixed number of queries, whatever the number of items.

Ownership (leads and co-owners) is read as it is now: the fixture's co-owners have no
history rows, and a frozen briefing pack keeps the owners it was frozen with.
"""

import dataclasses
import datetime
from collections import defaultdict

from django.db.models import Count, IntegerField, Max, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from cooperation import permissions, selectors
from cooperation.choices import Category, Health, Status
from cooperation.models import CooperationItem, Milestone, Organization, StatusUpdate
from cooperation.models.base import is_english

CLOSED = frozenset({Status.COMPLETED, Status.CANCELLED})
HEALTH_RANK = {Health.NOT_ASSESSED: 0, Health.ON_TRACK: 0, Health.AT_RISK: 1, Health.OFF_TRACK: 2}
CATEGORY_ORDER = {value: index for index, value in enumerate(Category.values)}

FIELDS = (
    "id",
    "code",
    "title_zh",
    "title_en",
    "category",
    "parent_id",
    "chengdu_lead_id",
    "yibin_lead_id",
    "status",
    "health",
    "progress",
    "weight",
    "start_date",
    "target_date",
    "source_meeting_id",
    "sort_order",
    "created_at",
)


def half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up (as PostgreSQL rounds numerics)."""
    return (2 * numerator + denominator) // (2 * denominator)


def is_overdue(status, target_date, overdue_milestones: int, today: datetime.date) -> bool:
    """Open, and its target date or one of its milestones' due dates has passed."""
    if status in CLOSED:
        return False
    return (target_date is not None and target_date < today) or overdue_milestones > 0


@dataclasses.dataclass
class ItemState:
    id: int
    code: str
    title_zh: str
    title_en: str
    category: str
    parent_id: int | None
    chengdu_lead_id: int | None
    yibin_lead_id: int | None
    status: str
    health: str
    progress: int
    weight: int
    start_date: datetime.date | None
    target_date: datetime.date | None
    source_meeting_id: int | None
    sort_order: int
    created_at: datetime.datetime
    rolled: int = 0
    last_reported_at: datetime.datetime | None = None
    first_recorded_at: datetime.datetime | None = None
    overdue_milestones: int = 0
    co_owner_ids: tuple[int, ...] = ()
    depth: int = 0

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED

    def is_overdue(self, today: datetime.date) -> bool:
        return is_overdue(self.status, self.target_date, self.overdue_milestones, today)

    @property
    def stale_since(self) -> datetime.datetime:
        """As ``selectors.with_stale_since``: last report, else first recorded, else created."""
        return self.last_reported_at or self.first_recorded_at or self.created_at

    def is_stale(self, now: datetime.datetime, days: int | None = None) -> bool:
        return selectors.is_stale(self.status, self.stale_since, now, days)

    @property
    def title(self) -> str:
        return (self.title_en or self.title_zh) if is_english() else self.title_zh

    def owner_ids(self) -> set[int]:
        ids = {pk for pk in (self.chengdu_lead_id, self.yibin_lead_id) if pk}
        ids.update(self.co_owner_ids)
        return ids

    def lead_cities(self, organizations: dict[int, Organization]) -> set[str]:
        """The cities of its two leads (the item list's ``city`` filter)."""
        leads = (self.chengdu_lead_id, self.yibin_lead_id)
        return {organizations[pk].city for pk in leads if pk in organizations}


def visible_pks(user) -> QuerySet | None:
    """The pks of the items ``user`` may see, as a subquery; None means every item."""
    if user is None:
        return None
    return permissions.restrict_items(user, "view").order_by().values("pk")


def _visible(user) -> QuerySet | None:
    """As ``visible_pks``, but None also when ``user`` sees every item (no filter to apply)."""
    return None if user is None or permissions.sees_every_item(user) else visible_pks(user)


def _restrict(queryset: QuerySet, visible: QuerySet | None, field: str = "pk") -> QuerySet:
    return queryset if visible is None else queryset.filter(**{f"{field}__in": visible})


def restrict(queryset: QuerySet, *, user, field: str = "pk") -> QuerySet:
    """``queryset`` narrowed to the items ``user`` may see (by ``field``, their id)."""
    return _restrict(queryset, _visible(user), field)


def _make(row: dict) -> ItemState:
    return ItemState(**{name: row[name] for name in FIELDS})


def overdue_milestone_count(today: datetime.date):
    """An annotation: how many of the item's milestones are open and past due."""
    open_overdue = (
        Milestone.objects.filter(item=OuterRef("pk"), done_date__isnull=True, due_date__lt=today)
        .order_by()
        .values("item")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(open_overdue, output_field=IntegerField()), 0)


def _attach_co_owners(states: dict[int, ItemState], visible: QuerySet | None) -> None:
    through = CooperationItem.co_owners.through
    pairs = _restrict(through.objects.order_by(), visible, "cooperationitem_id")
    owners = defaultdict(list)
    for item_id, org_id in pairs.values_list("cooperationitem_id", "organization_id"):
        owners[item_id].append(org_id)
    for item_id, org_ids in owners.items():
        if item_id in states:
            states[item_id].co_owner_ids = tuple(sorted(org_ids))


def last_report_at(ref: str = "pk") -> Subquery:
    """When the item's latest status update was made (``selectors.with_last_report``), read
    from one entry of the (item, -reported_at) index rather than MAX over all its reports."""
    latest = StatusUpdate.objects.filter(item=OuterRef(ref)).order_by("-reported_at")
    return Subquery(latest.values("reported_at")[:1])


def states_now(*, user=None) -> dict[int, ItemState]:
    """Every item ``user`` may see as it is now (three queries)."""
    visible = _visible(user)
    queryset = _restrict(CooperationItem.objects.order_by(), visible)
    queryset = selectors.with_rollup(queryset).annotate(
        last_reported_at=last_report_at(),
        overdue_milestone_count=overdue_milestone_count(timezone.localdate()),
        first_recorded_at=selectors.owed_from(),  # where staleness counts from
    )
    states = {}
    extra = ("rolled_up_progress", "last_reported_at", "overdue_milestone_count")
    extra += ("first_recorded_at",)
    for row in queryset.values(*FIELDS, *extra):
        state = _make(row)
        state.rolled = round(row["rolled_up_progress"])
        state.last_reported_at = row["last_reported_at"]
        state.overdue_milestones = row["overdue_milestone_count"]
        state.first_recorded_at = row["first_recorded_at"]
        states[state.id] = state
    _attach_co_owners(states, visible)
    return states


def roll_up(states: dict[int, ItemState]) -> None:
    """Set ``rolled`` by selectors.ROLLUP_RULE, as ``selectors.with_rollup`` does in SQL."""
    sums: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for state in states.values():
        if state.parent_id is not None and state.status != Status.CANCELLED:
            acc = sums[state.parent_id]
            acc[0] += state.progress * state.weight
            acc[1] += state.weight
    for state in states.values():
        total, weight = sums.get(state.id, (0, 0))
        state.rolled = half_up(total, weight) if weight > 0 else state.progress


def states_at(at: datetime.datetime, *, user=None) -> dict[int, ItemState]:
    """Every item ``user`` may see as it was at ``at``, from the history (four queries)."""
    visible = _visible(user)
    history = _restrict(CooperationItem.history.as_of(at), visible, "id").order_by()
    history = history.annotate(first_recorded_at=selectors.owed_from("id"))
    states, history_ids = {}, {}
    for row in history.values(*FIELDS, "history_id", "first_recorded_at"):
        # Two rows with the same history_date: the later row (higher id) wins.
        if row["history_id"] > history_ids.get(row["id"], 0):
            history_ids[row["id"]] = row["history_id"]
            states[row["id"]] = _make(row)
            states[row["id"]].first_recorded_at = row["first_recorded_at"]
    roll_up(states)
    reports = _restrict(StatusUpdate.objects.filter(reported_at__lte=at), visible, "item_id")
    latest = reports.order_by().values("item_id").annotate(last=Max("reported_at"))
    for item_id, last in latest.values_list("item_id", "last"):
        if item_id in states:
            states[item_id].last_reported_at = last
    today = timezone.localdate(at)
    milestones = Milestone.history.as_of(at).filter(done_date__isnull=True, due_date__lt=today)
    counts = milestones.order_by().values("item_id").annotate(n=Count("id"))
    for row in counts.values_list("item_id", "n"):
        if row[0] in states:
            states[row[0]].overdue_milestones = row[1]
    _attach_co_owners(states, visible)
    return states


def overall_progress(states) -> int:
    """Weighted average of the rolled-up progress of the open-or-done top-level items."""
    counted = [s for s in states if s.parent_id is None and s.status != Status.CANCELLED]
    weight = sum(s.weight for s in counted)
    if not weight:
        return 0
    return half_up(sum(s.rolled * s.weight for s in counted), weight)


def states_created(
    start: datetime.datetime, end: datetime.datetime, *, user=None
) -> dict[int, ItemState]:
    """Items created in (start, end], as they were created (one query)."""
    created = CooperationItem.history.filter(
        history_type="+", history_date__gt=start, history_date__lte=end
    )
    rows = _restrict(created, _visible(user), "id").order_by("history_date", "history_id")
    states = {}
    for row in rows.values(*FIELDS):
        states.setdefault(row["id"], _make(row))
    roll_up(states)
    return states


def tree_order(states_by_id: dict[int, ItemState]) -> list[ItemState]:
    """Category by category, each top-level item followed by its sub-items."""
    children = defaultdict(list)
    tops = []
    for state in states_by_id.values():
        if state.parent_id in states_by_id:
            children[state.parent_id].append(state)
        else:
            tops.append(state)

    def key(state):
        return (CATEGORY_ORDER.get(state.category, 99), state.sort_order, state.code)

    ordered = []

    def visit(state, depth):
        state.depth = depth
        ordered.append(state)
        for child in sorted(children[state.id], key=key):
            visit(child, depth + 1)

    for top in sorted(tops, key=key):
        visit(top, 0)
    return ordered


def organizations_by_id(ids=None) -> dict[int, Organization]:
    queryset = (
        Organization.objects.all() if ids is None else Organization.objects.filter(pk__in=ids)
    )
    return {org.pk: org for org in queryset}


def reports_between(
    start: datetime.datetime | None, end: datetime.datetime, *, user=None
) -> list[dict]:
    """Status updates per item and organisation made in [start, end) (one query)."""
    queryset = StatusUpdate.objects.filter(reported_at__lt=end)
    if start is not None:
        queryset = queryset.filter(reported_at__gte=start)
    queryset = _restrict(queryset, _visible(user), "item_id")
    return list(
        queryset.order_by().values("item_id", "organization_id").annotate(count=Count("pk"))
    )


@dataclasses.dataclass
class Change:
    """How one item moved between two moments; ``before`` is None for a new item."""

    item: ItemState
    before: ItemState | None

    @property
    def is_new(self) -> bool:
        return self.before is None

    @property
    def status_changed(self) -> bool:
        return self.before is not None and self.before.status != self.item.status

    @property
    def health_trend(self) -> int:
        """+1 worse, -1 better, 0 the same (or new)."""
        if self.before is None:
            return 0
        delta = HEALTH_RANK[self.item.health] - HEALTH_RANK[self.before.health]
        return (delta > 0) - (delta < 0)

    @property
    def progress_delta(self) -> int:
        return self.item.rolled - (self.before.rolled if self.before else 0)

    @property
    def changed(self) -> bool:
        return (
            self.is_new
            or self.status_changed
            or self.health_trend != 0
            or self.before.rolled != self.item.rolled
        )


def _moved_since(at: datetime.datetime) -> QuerySet:
    """The ids of the items that can have moved since ``at``, as one subquery.

    An item moved if it has a history row after ``at``; its parents (then and now) moved
    with it, as their roll-up did.
    """
    history = CooperationItem.history.model.objects.order_by()
    moved = history.filter(history_date__gt=at).values("id")
    parents = history.filter(id__in=moved, parent_id__isnull=False).values("parent_id")
    return moved.union(parents)


def _families(queryset: QuerySet, moved: QuerySet, fields):
    """Rows of ``queryset`` that moved, and their sub-items (needed to roll them up).

    Two queries with one ``IN`` each rather than one with ``OR``: the database joins each
    to the subquery, however many items moved.
    """
    for condition in ("id__in", "parent_id__in"):
        yield from queryset.filter(**{condition: moved}).order_by().values(*fields)


# What a Change reads: no dates, which are costly to load by the ten thousand.
MOVE_FIELDS = tuple(name for name in FIELDS if name not in ("created_at", "start_date"))


def _lean(row: dict) -> ItemState:
    return ItemState(**{name: row.get(name) for name in FIELDS})


def moves_since(at: datetime.datetime, *, user=None, ids=None) -> dict[int, Change]:
    """The items that can have moved since ``at``, then and now (four queries).

    Equal to ``compare(states_at(at), states_now())`` for every item that changed, but reads
    only the items with history after ``at`` and their families, so its cost follows the
    changes rather than the number of items. The states carry what a Change reads (status,
    health, progress and roll-up), not the dates or reports. ``ids`` reads those items
    (and their sub-items) instead of the ones with history after ``at``.
    """
    moved = _moved_since(at) if ids is None else list(ids)
    visible = _visible(user)
    then = _restrict(CooperationItem.history.as_of(at), visible, "id")
    before, history_ids = {}, {}
    for row in _families(then, moved, (*MOVE_FIELDS, "history_id")):
        if row["history_id"] > history_ids.get(row["id"], 0):  # as in states_at
            history_ids[row["id"]] = row["history_id"]
            before[row["id"]] = _lean(row)
    now = _restrict(CooperationItem.objects.all(), visible)
    after = {row["id"]: _lean(row) for row in _families(now, moved, MOVE_FIELDS)}
    roll_up(before)
    roll_up(after)
    return compare(before, after)


def states_before(at: datetime.datetime, now: dict[int, ItemState], *, user=None):
    """The items of ``now`` (``states_now``) as they were at ``at``, for comparing: status,
    health, progress and roll-up (two queries). An item created after ``at`` is missing.

    Equal to ``states_at(at)`` in what a comparison reads, but reads from the history only
    the items with history after ``at`` (``_moved_since``): every other item, and its
    roll-up (its sub-items did not move either, or it would have), is as it is now. The
    states of unmoved items are those of ``now``, not copies.
    """
    moved = set(_moved_since(at).values_list("id", flat=True))
    then = _restrict(CooperationItem.history.as_of(at), _visible(user), "id")
    read, history_ids = {}, {}
    for row in then.filter(id__in=_moved_since(at)).order_by().values(*MOVE_FIELDS, "history_id"):
        if row["history_id"] > history_ids.get(row["id"], 0):  # as in states_at
            history_ids[row["id"]] = row["history_id"]
            read[row["id"]] = _lean(row)
    states = {pk: state for pk, state in now.items() if pk not in moved}
    states.update(read)
    # The roll-up of the moved items, from their sub-items then (moved or not).
    sums: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for state in states.values():
        if state.parent_id in read and state.status != Status.CANCELLED:
            acc = sums[state.parent_id]
            acc[0] += state.progress * state.weight
            acc[1] += state.weight
    for pk, state in read.items():
        total, weight = sums.get(pk, (0, 0))
        state.rolled = half_up(total, weight) if weight > 0 else state.progress
    return states


def compare(before: dict[int, ItemState], after: dict[int, ItemState]) -> dict[int, Change]:
    return {pk: Change(item=state, before=before.get(pk)) for pk, state in after.items()}
