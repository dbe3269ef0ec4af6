"""The figures of the dashboard at ``/``: where the agreement stands, in one screen.

Every count comes with the link of the item list that shows exactly the items it counts.
"""

import contextlib
import dataclasses
import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cooperation import permissions, selectors
from cooperation.choices import Category, City, Health, MeetingState, Status
from cooperation.meetings.selectors import baseline_meeting
from cooperation.models import (
    ConsultationMechanism,
    CooperationItem,
    Meeting,
    Milestone,
    Organization,
    StatusUpdate,
    SupervisionSlip,
)
from cooperation.models.workflow import CompletionRequest
from cooperation.selectors import ROLLUP_RULE
from cooperation.supervision import lights
from cooperation.supervision.selectors import supervision_counts, supervision_figures

from . import states as st
from . import summary
from .links import item_list_url
from .summary import Counts, Group

ATTENTION = [Health.AT_RISK, Health.OFF_TRACK]
CITIES = [City.CHENGDU, City.YIBIN]
OVERALL_RULE = _(
    "Overall progress is the weighted average of the top-level items' progress (each item's "
    "weight is set on the item; cancelled items are left out)."
)
LIST_LIMIT = 10


@dataclasses.dataclass
class Figure:
    label: str
    value: int
    url: str
    key: str = ""


def item_groups(*, user, now: datetime.datetime) -> list[Group]:
    """The visible items grouped by the figures' dimensions, counted by the database.

    Overdue and stale are the item list's own conditions (``selectors``), so each figure
    equals the list its link opens; one query, however many items.
    """
    queryset = selectors.with_stale_since(
        selectors.with_last_report(permissions.restrict_items(user, "view").order_by())
    )
    queryset = lights.with_lights(queryset, today=timezone.localdate(now))
    queryset = queryset.annotate(
        overdue=ExpressionWrapper(
            selectors.overdue_condition(timezone.localdate(now)), output_field=BooleanField()
        ),
        stale=ExpressionWrapper(selectors.stale_condition(now=now), output_field=BooleanField()),
        never_reported=ExpressionWrapper(
            selectors.never_reported_condition(), output_field=BooleanField()
        ),
        chengdu_lead_city=F("chengdu_lead__city"),
        yibin_lead_city=F("yibin_lead__city"),
    )
    fields = [f.name for f in dataclasses.fields(Group) if f.name != "count"]
    return [Group(**row) for row in queryset.values(*fields).annotate(count=Count("pk"))]


def category_progress(*, user) -> dict[str, tuple[int, int]]:
    """Per category, Σ rolled-up progress × weight and Σ weight of the open-or-done top-level
    items (cancelled ones are left out), summed by the database."""
    tops = permissions.restrict_items(user, "view").filter(parent__isnull=True)
    tops = selectors.with_rollup(tops.exclude(status=Status.CANCELLED).order_by())
    sums = tops.values("category").annotate(
        weighted=Sum(F("rolled_up_progress") * F("weight"), output_field=FloatField()),
        weight=Sum("weight"),
    )
    return {row["category"]: (round(row["weighted"] or 0), row["weight"] or 0) for row in sums}


def _progress(sums) -> int:
    weighted = sum(pair[0] for pair in sums)
    weight = sum(pair[1] for pair in sums)
    return st.half_up(weighted, weight) if weight else 0


def _count(groups, url_params: dict, test=None, *, label="", key="") -> Figure:
    """How many items of ``groups`` pass ``test``, linked to the list filtered by ``url_params``."""
    return Figure(
        label=label,
        value=sum(g.count for g in groups if test is None or test(g)),
        url=item_list_url(**url_params),
        key=key,
    )


def _category_row(groups, category, progress) -> dict:
    mine = [g for g in groups if g.category == category]
    base = {"category": category}
    return {
        "key": category,
        "label": Category(category).label,
        "total": _count(mine, base),
        "completed": _count(
            mine, {**base, "status": Status.COMPLETED}, _status_is(Status.COMPLETED)
        ),
        "in_progress": _count(
            mine, {**base, "status": Status.IN_PROGRESS}, _status_is(Status.IN_PROGRESS)
        ),
        "attention": _count(mine, {**base, "health": ATTENTION}, _needs_attention),
        "overdue": _count(mine, {**base, "overdue": True}, _is_overdue),
        "progress": _progress([progress.get(category, (0, 0))]),
        "progress_url": item_list_url(**base, top=True),
    }


def _city_row(groups, city) -> dict:
    mine = [g for g in groups if city in g.lead_cities]
    base = {"city": city}
    return {
        "key": city,
        "label": City(city).label,
        "total": _count(mine, base),
        "completed": _count(
            mine, {**base, "status": Status.COMPLETED}, _status_is(Status.COMPLETED)
        ),
        "attention": _count(mine, {**base, "health": ATTENTION}, _needs_attention),
        "overdue": _count(mine, {**base, "overdue": True}, _is_overdue),
        "stale": _count(mine, {**base, **stale_params()}, _is_stale),
    }


def stale_params() -> dict:
    """The item list's ``stale`` counts CHENGYI_STALE_DAYS days, as the dashboard does."""
    return {"stale": True}


def _status_is(value):
    return lambda g: g.status == value


def _health_is(value):
    return lambda g: g.health == value


def _needs_attention(group) -> bool:
    return group.health in ATTENTION


def _light_is(value):
    return lambda g: g.light == value


def _is_overdue(group) -> bool:
    return group.overdue


def _is_stale(group) -> bool:
    return group.stale


def next_meetings(now: datetime.datetime) -> list[dict]:
    """The next planned or confirmed meeting of each active mechanism (two queries)."""
    upcoming = Meeting.objects.filter(
        mechanism=OuterRef("pk"),
        starts_at__gte=now,
        state__in=[MeetingState.PLANNED, MeetingState.CONFIRMED],
    ).order_by("starts_at")
    mechanisms = list(
        ConsultationMechanism.objects.filter(is_active=True).annotate(
            next_meeting_id=Subquery(upcoming.values("pk")[:1])
        )
    )
    meetings = Meeting.objects.in_bulk([m.next_meeting_id for m in mechanisms if m.next_meeting_id])
    today = timezone.localdate(now)
    rows = []
    for mechanism in mechanisms:
        meeting = meetings.get(mechanism.next_meeting_id)
        if meeting is not None:
            meeting.mechanism = mechanism
        days = (timezone.localdate(meeting.starts_at) - today).days if meeting else None
        rows.append({"mechanism": mechanism, "meeting": meeting, "days": days})
    return rows


def last_consultation(now: datetime.datetime) -> Meeting | None:
    """The baseline rule (``meetings.selectors.baseline_meeting``) over every mechanism."""
    return baseline_meeting(now=now)


def changes_since(meeting: Meeting | None, *, user) -> dict | None:
    """What moved between ``meeting``'s start and now, from the items' history.

    Only the items with history after the meeting, and their families, are read
    (``states.moves_since``): the cost follows the changes, not the number of items.
    """
    if meeting is None:
        return None
    at = meeting.starts_at
    changes = [c for c in st.moves_since(at, user=user).values() if c.changed]
    changes.sort(key=lambda c: (-abs(c.health_trend), not c.status_changed, c.item.code))
    updates = StatusUpdate.objects.filter(reported_at__gte=at)
    if not permissions.sees_every_item(user):
        updates = updates.filter(item__in=st.visible_pks(user))
    return {
        "meeting": meeting,
        "changes": changes[:LIST_LIMIT],
        "changed": len(changes),
        "more": max(len(changes) - LIST_LIMIT, 0),
        "new": sum(c.is_new for c in changes),
        "status_changed": sum(c.status_changed for c in changes),
        "completed": sum(c.status_changed and c.item.status == Status.COMPLETED for c in changes),
        "worse": sum(c.health_trend > 0 for c in changes),
        "better": sum(c.health_trend < 0 for c in changes),
        "advanced": sum(c.progress_delta > 0 and not c.is_new for c in changes),
        "updates": updates.count(),
    }


def changes_since_summarised(meeting: Meeting | None, counts: Counts) -> dict | None:
    """``changes_since`` from the summary: its counts, and the first changes by an index."""
    if meeting is None:
        return None
    since = counts.since
    return {
        "meeting": meeting,
        "changes": summary.summary_changes(LIST_LIMIT),
        "more": max(since["changed"] - LIST_LIMIT, 0),
        **since,
    }


def overdue_milestones_queryset(user, today: datetime.date):
    return (
        Milestone.objects.filter(done_date__isnull=True, due_date__lt=today)
        .exclude(item__status__in=st.CLOSED)
        .filter(item__in=permissions.restrict_items(user, "view"))
        .select_related("item")
        .order_by("due_date", "pk")
    )


def overdue_milestones(user, today: datetime.date) -> tuple[int, list[Milestone]]:
    queryset = overdue_milestones_queryset(user, today)
    return queryset.count(), list(queryset[:LIST_LIMIT])


def longest_stale(user, now: datetime.datetime) -> list[CooperationItem]:
    """The stale items reported longest ago (never reported first), as many as are listed."""
    queryset = selectors.stale_items(now=now, queryset=permissions.restrict_items(user, "view"))
    queryset = queryset.only("id", "code", "title_zh", "title_en", "created_at")
    return list(queryset.order_by(Coalesce("last_reported_at", "created_at"), "code")[:LIST_LIMIT])


def longest_stale_summarised(now: datetime.datetime) -> list[CooperationItem]:
    """``longest_stale`` for a reader who sees every item, by the summary's stale times
    (an index, not every item's last report): the same items in the same order."""
    queryset = CooperationItem.objects.filter(
        dashboard_fact__stale_since__lt=selectors.stale_cutoff(now=now)
    )
    queryset = selectors.with_last_report(queryset).only(
        "id", "code", "title_zh", "title_en", "created_at"
    )
    return list(queryset.order_by("dashboard_fact__stale_order", "code")[:LIST_LIMIT])


def counts_from_rows(*, user, now: datetime.datetime) -> Counts:
    """What the summary keeps, counted from the items themselves: for readers who do not
    see every item, and the reference the summary is tested against."""
    today = timezone.localdate(now)
    supervision = supervision_counts(user=user)
    return Counts(
        groups=item_groups(user=user, now=now),
        progress=category_progress(user=user),
        slips=supervision["slips"],
        awaiting_review=supervision["awaiting_review"],
        awaiting_confirmation=supervision["awaiting_confirmation"],
        overdue_milestones=overdue_milestones_queryset(user, today).count(),
    )


def _figures(*, user) -> dict:
    """Everything the dashboard shows, in a fixed number of queries.

    A reader who sees every item reads the summary (``summary``: a few hundred cells,
    however many items); anyone else, or anyone while a worker counts the summary again,
    gets the same figures counted from the items.
    """
    now = timezone.now()
    today = timezone.localdate(now)
    baseline = last_consultation(now)
    counts = None
    if permissions.sees_every_item(user):
        with contextlib.suppress(summary.SummaryNotReady):  # a worker counts it meanwhile
            counts = summary.summary_counts(now=now, baseline=baseline, wait=False)
    if counts is not None:
        stale_items = longest_stale_summarised(now)
        since = changes_since_summarised(baseline, counts)
    else:
        counts = counts_from_rows(user=user, now=now)
        stale_items = longest_stale(user, now)
        since = changes_since(baseline, user=user)
    groups, progress = counts.groups, counts.progress
    milestones = list(overdue_milestones_queryset(user, today)[:LIST_LIMIT])
    return {
        "now": now,
        "total": _count(groups, {}),
        "overall_progress": _progress(progress.values()),
        "overall_url": item_list_url(top=True),
        "rollup_rule": ROLLUP_RULE,
        "overall_rule": OVERALL_RULE,
        "status": [
            _count(groups, {"status": v}, _status_is(v), label=label, key=v)
            for v, label in Status.choices
        ],
        "health": [
            _count(groups, {"health": v}, _health_is(v), label=label, key=v)
            for v, label in Health.choices
        ],
        "categories": [
            _category_row(groups, c, progress)
            for c in Category.values
            if c != Category.OTHER or any(g.category == c for g in groups)
        ],
        "cities": [_city_row(groups, c) for c in CITIES],
        "lights": [
            _count(groups, {"light": v}, _light_is(v), label=lights.Light(v).label, key=v)
            for v in lights.LIGHT_ORDER
            if v != lights.Light.NONE
        ],
        "lights_rule": lights.rules_text(),
        "supervision": supervision_figures(
            user=user,
            counts={
                "slips": counts.slips,
                "awaiting_review": counts.awaiting_review,
                "awaiting_confirmation": counts.awaiting_confirmation,
            },
        ),
        "overdue": _count(groups, {"overdue": True}, _is_overdue),
        "overdue_milestone_count": counts.overdue_milestones,
        "overdue_milestones": milestones,
        "stale": _count(groups, stale_params(), _is_stale),
        "stale_items": stale_items,
        "never_reported": _count(groups, {"never_reported": True}, lambda g: g.never_reported),
        "stale_days": settings.CHENGYI_STALE_DAYS,
        "next_meetings": next_meetings(now),
        "since": since,
    }


def data_version(*more) -> tuple:
    """Changes with every write the dashboard could show (one query); ``more`` models a page
    reads besides (each with a history).

    Every model it reads keeps a history row per change, deletions included, so the newest
    history ids name the state of the data; a write without history (a raw UPDATE) is seen
    when the cached figures expire.
    """
    models = (CooperationItem, Milestone, StatusUpdate, Meeting, ConsultationMechanism)
    models += (Organization, SupervisionSlip, CompletionRequest, *more)
    tables = [connection.ops.quote_name(m.history.model._meta.db_table) for m in models]
    # Table names from the models (quoted), no input: one round trip for all of them.
    sql = "SELECT " + ", ".join(f"(SELECT MAX(history_id) FROM {t})" for t in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(cursor.fetchone())


def dashboard_figures(*, user) -> dict:
    """The dashboard's figures, computed at most once per data change and cache period.

    Every user who sees every item sees the same figures, so they are kept in the cache
    under the data's version (``data_version``) for CHENGYI_DASHBOARD_CACHE_SECONDS; the
    page says when they were computed. Labels and titles stay lazy until the page is
    rendered, so one copy serves both languages.
    """
    seconds = settings.CHENGYI_DASHBOARD_CACHE_SECONDS
    if not seconds or not permissions.sees_every_item(user):
        return _figures(user=user)
    key = "chengyi:dashboard:" + "-".join(str(v) for v in data_version())
    figures = cache.get(key)
    if figures is None:
        figures = _figures(user=user)
        cache.set(key, figures, seconds)
    return figures


STATUS_COLOURS = {
    Status.NOT_STARTED: "#6c757d",
    Status.IN_PROGRESS: "#1f5fa8",
    Status.COMPLETED: "#198754",
    Status.SUSPENDED: "#e0a800",
    Status.CANCELLED: "#343a40",
}
HEALTH_COLOURS = {
    Health.NOT_ASSESSED: "#adb5bd",
    Health.ON_TRACK: "#198754",
    Health.AT_RISK: "#e0a800",
    Health.OFF_TRACK: "#dc3545",
}
SERIES_COLOURS = ["#1f5fa8", "#198754", "#e0a800", "#dc3545", "#6c757d"]


def _share_chart(figures: list[Figure], colours: dict, label) -> dict:
    return {
        "type": "doughnut",
        "labels": [f.label for f in figures],
        "datasets": [
            {
                "label": label,
                "data": [f.value for f in figures],
                "colors": [colours[f.key] for f in figures],
            }
        ],
        "urls": [[f.url for f in figures]],
    }


def charts(figures: dict) -> dict:
    """Chart.js specifications of the dashboard's charts; the page shows each as a table too."""
    categories, cities = figures["categories"], figures["cities"]
    city_series = [
        ("total", _("Items")),
        ("completed", _("Completed")),
        ("attention", _("At risk or off track")),
        ("overdue", _("Overdue")),
        ("stale", _("Stale")),
    ]
    return {
        "status": _share_chart(figures["status"], STATUS_COLOURS, _("Items by status")),
        "health": _share_chart(figures["health"], HEALTH_COLOURS, _("Items by health")),
        "categories": {
            "type": "bar",
            "horizontal": True,
            "max": 100,
            "legend": False,
            "labels": [row["label"] for row in categories],
            "datasets": [
                {
                    "label": _("Progress (%)"),
                    "data": [row["progress"] for row in categories],
                    "colors": SERIES_COLOURS[0],
                }
            ],
            "urls": [[row["progress_url"] for row in categories]],
        },
        "cities": {
            "type": "bar",
            "labels": [row["label"] for row in cities],
            "datasets": [
                {
                    "label": label,
                    "data": [row[key].value for row in cities],
                    "colors": SERIES_COLOURS[index],
                }
                for index, (key, label) in enumerate(city_series)
            ],
            "urls": [[row[key].url for row in cities] for key, _label in city_series],
        },
    }
