"""The figures of the dashboard at ``/``: where the agreement stands, in one screen.

Every count comes with the link of the item list that shows exactly the items it counts.
"""

import dataclasses
import datetime

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cooperation.choices import Category, City, Health, MeetingState, Status
from cooperation.models import ConsultationMechanism, Meeting, Milestone, StatusUpdate
from cooperation.selectors import ROLLUP_RULE

from . import states as st
from .links import item_list_url

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


def _count(states, url_params: dict, test=None, *, label="", key="") -> Figure:
    """How many of ``states`` pass ``test``, linked to the list filtered by ``url_params``."""
    return Figure(
        label=label,
        value=sum(1 for s in states if test is None or test(s)),
        url=item_list_url(**url_params),
        key=key,
    )


def overall_progress(states) -> int:
    """Weighted average of the rolled-up progress of the open-or-done top-level items."""
    counted = [s for s in states if s.parent_id is None and s.status != Status.CANCELLED]
    weight = sum(s.weight for s in counted)
    if not weight:
        return 0
    return st.half_up(sum(s.rolled * s.weight for s in counted), weight)


def _category_row(states, category, today) -> dict:
    mine = [s for s in states if s.category == category]
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
        "overdue": _count(mine, {**base, "overdue": True}, lambda s: s.is_overdue(today)),
        "progress": overall_progress(mine),
        "progress_url": item_list_url(**base, top=True),
    }


def _city_row(states, city, organizations, today, now) -> dict:
    mine = [s for s in states if city in s.lead_cities(organizations)]
    base = {"city": city}
    return {
        "key": city,
        "label": City(city).label,
        "total": _count(mine, base),
        "completed": _count(
            mine, {**base, "status": Status.COMPLETED}, _status_is(Status.COMPLETED)
        ),
        "attention": _count(mine, {**base, "health": ATTENTION}, _needs_attention),
        "overdue": _count(mine, {**base, "overdue": True}, lambda s: s.is_overdue(today)),
        "stale": _count(mine, {**base, **stale_params()}, lambda s: s.is_stale(now)),
    }


def stale_params() -> dict:
    """The item list's ``stale`` counts CHENGYI_STALE_DAYS days, as the dashboard does."""
    return {"stale": True}


def _status_is(value):
    return lambda s: s.status == value


def _health_is(value):
    return lambda s: s.health == value


def _needs_attention(state) -> bool:
    return state.health in ATTENTION


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
    """The latest meeting that has begun and was not cancelled, of any mechanism."""
    return (
        Meeting.objects.filter(starts_at__lte=now)
        .exclude(state=MeetingState.CANCELLED)
        .select_related("mechanism")
        .order_by("-starts_at")
        .first()
    )


def changes_since(meeting: Meeting | None, current: dict, *, user) -> dict | None:
    """What moved between ``meeting``'s start and now, from the items' history."""
    if meeting is None:
        return None
    before = st.states_at(meeting.starts_at, user=user)
    changes = [c for c in st.compare(before, current).values() if c.changed]
    changes.sort(key=lambda c: (-abs(c.health_trend), not c.status_changed, c.item.code))
    updates = StatusUpdate.objects.filter(
        reported_at__gte=meeting.starts_at, item__in=st.visible_pks(user)
    )
    return {
        "meeting": meeting,
        "changes": changes,
        "new": sum(c.is_new for c in changes),
        "status_changed": sum(c.status_changed for c in changes),
        "completed": sum(c.status_changed and c.item.status == Status.COMPLETED for c in changes),
        "worse": sum(c.health_trend > 0 for c in changes),
        "better": sum(c.health_trend < 0 for c in changes),
        "advanced": sum(c.progress_delta > 0 and not c.is_new for c in changes),
        "updates": updates.count(),
    }


def overdue_milestones(user, today: datetime.date) -> tuple[int, list[Milestone]]:
    queryset = (
        Milestone.objects.filter(done_date__isnull=True, due_date__lt=today)
        .exclude(item__status__in=st.CLOSED)
        .filter(item__in=st.visible_pks(user))
        .select_related("item")
        .order_by("due_date", "pk")
    )
    return queryset.count(), list(queryset[:LIST_LIMIT])


def dashboard_figures(*, user) -> dict:
    """Everything the dashboard shows, in a fixed number of queries."""
    now = timezone.now()
    today = timezone.localdate(now)
    current = st.states_now(user=user)
    items = list(current.values())
    organizations = st.organizations_by_id()
    stale = sorted(
        (s for s in items if s.is_stale(now)),
        key=lambda s: (s.last_reported_at or s.created_at, s.code),
    )
    milestone_count, milestones = overdue_milestones(user, today)
    return {
        "now": now,
        "total": _count(items, {}),
        "overall_progress": overall_progress(items),
        "overall_url": item_list_url(top=True),
        "rollup_rule": ROLLUP_RULE,
        "overall_rule": OVERALL_RULE,
        "status": [
            _count(items, {"status": v}, _status_is(v), label=label, key=v)
            for v, label in Status.choices
        ],
        "health": [
            _count(items, {"health": v}, _health_is(v), label=label, key=v)
            for v, label in Health.choices
        ],
        "categories": [
            _category_row(items, c, today)
            for c in Category.values
            if c != Category.OTHER or any(s.category == c for s in items)
        ],
        "cities": [_city_row(items, c, organizations, today, now) for c in CITIES],
        "overdue": _count(items, {"overdue": True}, lambda s: s.is_overdue(today)),
        "overdue_milestone_count": milestone_count,
        "overdue_milestones": milestones,
        "stale": Figure(label="", value=len(stale), url=item_list_url(**stale_params())),
        "stale_items": stale[:LIST_LIMIT],
        "stale_days": settings.CHENGYI_STALE_DAYS,
        "next_meetings": next_meetings(now),
        "since": changes_since(last_consultation(now), current, user=user),
    }


STATUS_COLOURS = {
    Status.NOT_STARTED: "#6c757d",
    Status.IN_PROGRESS: "#1f5fa8",
    Status.COMPLETED: "#198754",
    Status.SUSPENDED: "#e0a800",
    Status.CANCELLED: "#343a40",
}
HEALTH_COLOURS = {
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
