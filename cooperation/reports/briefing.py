"""The briefing pack of a meeting: every item in scope, what changed, who reported.

``briefing_facts`` gathers plain, JSON-ready facts as they were at the meeting (or now, for a
meeting still ahead); that dictionary is also what a held meeting keeps, frozen, in
``Meeting.briefing_snapshot``. ``present`` turns facts into what the page and the XLSX show,
keeping only the items the reader may see.
"""

import dataclasses
import datetime
import functools
from collections import defaultdict

from django.utils import timezone

from cooperation.choices import Category, Status
from cooperation.meetings.selectors import previous_meeting, previous_meeting_start
from cooperation.models import CooperationItem, Meeting
from cooperation.models.base import is_english
from cooperation.selectors import STALE_STATUSES, stale_cutoff
from cooperation.supervision.selectors import pack_supervision

from . import reporting
from . import states as st
from .links import item_url

SNAPSHOT_VERSION = 1
# What the briefing page shows of a pack (the header, with the meeting's own details, is
# rendered with each view): a frozen pack's is rendered once per language and kept
# (``models.BriefingPage``).
PACK_TEMPLATE = "cooperation/includes/briefing_pack.html"


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _item_fact(state, before, *, today, stale_cutoff, in_scope) -> dict:
    return {
        "id": state.id,
        "code": state.code,
        "title_zh": state.title_zh,
        "title_en": state.title_en,
        "category": state.category,
        "parent_id": state.parent_id,
        "depth": state.depth,
        "status": state.status,
        "health": state.health,
        "progress": state.rolled,
        "target_date": _iso(state.target_date),
        "last_reported_at": _iso(state.last_reported_at),
        "overdue": state.is_overdue(today),
        "overdue_milestones": state.overdue_milestones,
        # selectors.is_stale, its cutoff taken once
        "stale": state.status in STALE_STATUSES and state.stale_since < stale_cutoff,
        "owners": sorted(state.owner_ids()),
        "in_scope": in_scope,
        "source_meeting_id": state.source_meeting_id,
        "before": None
        if before is None
        else {"status": before.status, "health": before.health, "progress": before.rolled},
    }


def briefing_facts(meeting: Meeting, *, user=None) -> dict:
    """The pack's facts at the meeting's start (or now, if it is still ahead)."""
    now = timezone.now()
    live = meeting.starts_at > now
    at = now if live else meeting.starts_at
    previous = previous_meeting(meeting, now=now)
    current = st.states_now(user=user) if live else st.states_at(at, user=user)
    if previous is None:
        before = {}
    elif live:  # from the history only what moved since the previous meeting
        before = st.states_before(previous.starts_at, current, user=user)
    else:
        before = st.states_at(previous.starts_at, user=user)
    # The same "since" as the status call (who was asked to report), so the pack's
    # "reported / not reported" matches who got the call.
    window_start = previous_meeting_start(meeting, previous=previous)
    scope = set(meeting.mechanism.scope_categories)
    today = timezone.localdate(at)
    cutoff = stale_cutoff(now=at)
    items = []
    for state in st.tree_order(current):
        in_scope = state.category in scope
        if in_scope or (previous and state.source_meeting_id == previous.pk):
            fact = _item_fact(
                state, before.get(state.id), today=today, stale_cutoff=cutoff, in_scope=in_scope
            )
            items.append(fact)
    listed = {fact["id"] for fact in items}
    reports = [
        [row["item_id"], row["organization_id"], row["count"]]
        for row in st.reports_between(window_start, at, user=user)
        if row["item_id"] in listed
    ]
    org_ids = {pk for fact in items for pk in fact["owners"]} | {r[1] for r in reports if r[1]}
    organizations = st.organizations_by_id(org_ids)
    return {
        "version": SNAPSHOT_VERSION,
        "meeting_id": meeting.pk,
        "at": _iso(at),
        "window_start": _iso(window_start),
        "previous": None
        if previous is None
        else {
            "id": previous.pk,
            "sequence": previous.sequence,
            "starts_at": _iso(previous.starts_at),
            "decisions": previous.decisions,
        },
        "items": items,
        "reports": reports,
        "organizations": reporting.org_facts(organizations.values()),
        "supervision": pack_supervision(
            item_ids=_scope_ids(meeting, items, live=live, user=user), at=at, today=today
        ),
    }


def _scope_ids(meeting: Meeting, items: list[dict], *, live: bool, user):
    """The ids of the pack's items in scope: live, as a subquery (the items now, as listed)
    rather than thousands of ids in the SQL; at a past moment, the ids listed."""
    if live:
        scope = CooperationItem.objects.filter(category__in=meeting.mechanism.scope_categories)
        return st.restrict(scope, user=user).values("pk")
    return [fact["id"] for fact in items if fact["in_scope"]]


def _parse_datetime(value):
    return datetime.datetime.fromisoformat(value) if value else None


def _parse_date(value):
    return datetime.date.fromisoformat(value) if value else None


def _localized(fact: dict, field: str) -> str:
    chinese, english = fact.get(f"{field}_zh") or "", fact.get(f"{field}_en") or ""
    return (english or chinese) if is_english() else (chinese or english)


def health_trend(fact: dict) -> int:
    """+1 worse, -1 better, 0 the same, since the previous meeting (``fact["before"]`` set)."""
    delta = st.HEALTH_RANK[fact["health"]] - st.HEALTH_RANK[fact["before"]["health"]]
    return (delta > 0) - (delta < 0)


@dataclasses.dataclass
class PackRow:
    fact: dict
    reports: int
    compared: bool = True  # False when there is no previous meeting to compare with

    def __getattr__(self, name):
        try:
            return self.__dict__["fact"][name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def title(self) -> str:
        return _localized(self.fact, "title")

    @property
    def url(self) -> str:
        return item_url(self.fact["id"])

    @property
    def category_label(self) -> str:
        return Category(self.fact["category"]).label

    @property
    def target(self):
        return _parse_date(self.fact["target_date"])

    @property
    def last_reported(self):
        return _parse_datetime(self.fact["last_reported_at"])

    @property
    def reported(self) -> bool:
        return self.reports > 0

    @property
    def is_new(self) -> bool:
        return self.fact["before"] is None

    @property
    def status_changed(self) -> bool:
        return not self.is_new and self.fact["before"]["status"] != self.fact["status"]

    @property
    def health_trend(self) -> int:
        return 0 if self.is_new else health_trend(self.fact)

    @property
    def progress_delta(self) -> int | None:
        return None if self.is_new else self.fact["progress"] - self.fact["before"]["progress"]

    @property
    def changed(self) -> bool:
        if not self.compared:
            return False
        return self.is_new or self.status_changed or self.health_trend or self.progress_delta


@dataclasses.dataclass
class BriefingPack:
    meeting: Meeting
    at: datetime.datetime
    frozen: bool
    window_start: datetime.datetime | None
    previous: dict | None
    rows: list
    followups: list
    reporting: list
    supervision: dict | None = None  # lights, open slips, pending (packs frozen before: None)

    # Computed once: the page and the XLSX read them several times over thousands of rows.
    @functools.cached_property
    def scoped(self) -> list:
        return [row for row in self.rows if row.fact["in_scope"]]

    @property
    def groups(self) -> list[dict]:
        groups: dict[str, list] = defaultdict(list)
        for row in self.scoped:
            groups[row.fact["category"]].append(row)
        return [
            {"category": c, "label": Category(c).label, "rows": groups[c]}
            for c in Category.values
            if groups.get(c)
        ]

    @functools.cached_property
    def summary(self) -> dict:
        rows = self.scoped
        status = dict.fromkeys(Status.values, 0)
        overdue = stale = changed = worse = open_count = reported = 0
        for row in rows:  # the facts read directly: one pass over thousands of rows
            fact = row.fact
            status[fact["status"]] = status.get(fact["status"], 0) + 1
            overdue += fact["overdue"]
            stale += fact["stale"]
            if row.compared and fact["before"] is not None:
                trend = health_trend(fact)
                worse += trend > 0
                changed += bool(row.status_changed or trend or row.progress_delta)
            elif row.compared:  # new since the previous meeting
                changed += 1
            if fact["status"] not in st.CLOSED:
                open_count += 1
                reported += row.reports > 0
        return {
            "total": len(rows),
            "status": {s: status[s] for s in Status.values},
            "overdue": overdue,
            "stale": stale,
            "changed": changed if self.previous else None,
            "worse": worse,
            "open": open_count,
            "reported": reported,
        }


def present(facts: dict, meeting: Meeting, *, frozen: bool, visible=None) -> BriefingPack:
    """What the page and the XLSX show; ``visible`` (a set of pks) drops unseen items."""
    counts: dict[int, int] = defaultdict(int)
    for item_id, _org_id, count in facts["reports"]:
        counts[item_id] += count
    previous = facts["previous"]
    rows = [
        PackRow(fact=fact, reports=counts[fact["id"]], compared=previous is not None)
        for fact in facts["items"]
        if visible is None or fact["id"] in visible
    ]
    if previous is not None:
        previous = {**previous, "starts_at": _parse_datetime(previous["starts_at"])}
    followups = [r for r in rows if previous and r.fact["source_meeting_id"] == previous["id"]]
    return BriefingPack(
        meeting=meeting,
        at=_parse_datetime(facts["at"]),
        frozen=frozen,
        window_start=_parse_datetime(facts["window_start"]),
        previous=previous,
        rows=rows,
        followups=followups,
        reporting=reporting.by_city(
            [
                reporting.Expected(
                    id=row.fact["id"],
                    code=row.fact["code"],
                    owners=row.fact["owners"],
                    expected=row.fact["status"] not in st.CLOSED,
                    reported=row.reports > 0,
                )
                for row in rows
            ],
            facts["reports"],
            facts["organizations"],
        ),
        supervision=facts.get("supervision"),
    )


def page_context(pack: BriefingPack) -> dict:
    """The context of the briefing page (and of ``PACK_TEMPLATE``) for ``pack``."""
    return {"pack": pack, "meeting": pack.meeting, "closed_statuses": sorted(st.CLOSED)}
