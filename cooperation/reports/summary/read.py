"""Reading the figures: everything the dashboard counts, from the cells."""

import dataclasses
import datetime
from collections import defaultdict

from django.utils import timezone

from cooperation import selectors
from cooperation.models import DashboardCell, DashboardItem, Meeting
from cooperation.supervision import lights

from .. import states as st
from .facts import SLIP_FIELDS, VALUES, Key, fact_key, stored_facts
from .upkeep import summary_baseline, summary_current


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
    baseline = summary_baseline(now) if baseline is None else baseline
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
    for fact in stored_facts(rows).values():
        found[fact_key(fact, state).encode()] += 1
    return found
