"""Every read of items that more than one page needs. Pages add their own filters on top."""

import datetime

from django.conf import settings
from django.db.models import (
    BooleanField,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, NullIf, Round
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import permissions
from .choices import Status
from .models import CooperationItem, Membership, Milestone, StatusUpdate

CLOSED_STATUSES = (Status.COMPLETED, Status.CANCELLED)

ROLLUP_RULE = _(
    "An item with sub-items shows the weighted average of its sub-items' progress (each "
    "sub-item's weight is set on the sub-item; cancelled sub-items are left out). An item "
    "without sub-items shows the progress its coordinators last reported."
)


def _children_sum(expression):
    children = (
        CooperationItem.objects.filter(parent=OuterRef("pk"))
        .exclude(status=Status.CANCELLED)
        .order_by()
        .values("parent")
        .annotate(total=expression)
        .values("total")
    )
    return Subquery(children)


def with_rollup(queryset: QuerySet) -> QuerySet:
    """Annotate ``rolled_up_progress`` (0–100, a whole number) in the same query.

    One subquery divides the sub-items' sums (NULL without sub-items or weight), so the
    lights that read the roll-up repeat one lookup per row, not four."""
    share = _children_sum(
        ExpressionWrapper(
            Sum(F("progress") * F("weight")) * Value(1.0) / NullIf(Sum("weight"), Value(0)),
            output_field=FloatField(),
        )
    )
    return queryset.annotate(
        rolled_up_progress=Coalesce(
            Round(share, output_field=FloatField()), F("progress"), output_field=FloatField()
        )
    )


def with_last_report(queryset: QuerySet) -> QuerySet:
    """Annotate ``last_reported_at``: when the item's latest status update was made."""
    latest = (
        StatusUpdate.objects.filter(item=OuterRef("pk"))
        .order_by()
        .values("item")
        .annotate(last=Max("reported_at"))
        .values("last")
    )
    return queryset.annotate(last_reported_at=Subquery(latest))


def item_queryset(*, user, action: str = "view") -> QuerySet:
    """Items ``user`` may see (or change), with what every list row shows, in one query."""
    queryset = CooperationItem.objects.select_related(
        "agreement", "parent", "chengdu_lead", "yibin_lead"
    )
    queryset = permissions.restrict_items(user, action, queryset)
    return with_last_report(with_rollup(queryset))


def overdue_condition(today: datetime.date | None = None) -> Q:
    """Open items past their target date, or with a milestone past due and not done."""
    today = today or timezone.localdate()
    late_milestone = Milestone.objects.filter(
        item=OuterRef("pk"), done_date__isnull=True, due_date__lt=today
    )
    return ~Q(status__in=CLOSED_STATUSES) & (Q(target_date__lt=today) | Exists(late_milestone))


# Items whose coordinators owe regular updates: open and not suspended.
STALE_STATUSES = (Status.NOT_STARTED, Status.IN_PROGRESS)


def first_recorded(ref: str = "pk") -> Subquery:
    """When the tracker first recorded the item (its first history row), as a subquery."""
    rows = (
        CooperationItem.history.model.objects.filter(id=OuterRef(ref))
        .order_by("history_date")
        .values("history_date")[:1]
    )
    return Subquery(rows, output_field=DateTimeField())


def first_assigned(ref: str = "pk") -> Subquery:
    """When the item got its first lead (its assignment, 交办), from its history."""
    rows = (
        CooperationItem.history.model.objects.filter(id=OuterRef(ref))
        .filter(Q(chengdu_lead__isnull=False) | Q(yibin_lead__isnull=False))
        .order_by("history_date")
        .values("history_date")[:1]
    )
    return Subquery(rows, output_field=DateTimeField())


def owed_from(ref: str = "pk") -> Coalesce:
    """Since when a report on the item is owed when it has none: its assignment, else (no
    lead yet) when the tracker first recorded it."""
    return Coalesce(first_assigned(ref), first_recorded(ref), output_field=DateTimeField())


def with_stale_since(queryset: QuerySet, *, select: bool = True) -> QuerySet:
    """Annotate ``stale_since`` (needs ``with_last_report``): the moment staleness counts from.

    The latest status update; else when the item was assigned (``owed_from``); the item's
    ``created_at`` only when it has no history at all. A never-reported item therefore turns
    stale the same number of days after its assignment as a reported one after its report.
    """
    return (queryset.annotate if select else queryset.alias)(
        stale_since=Coalesce(
            "last_reported_at", owed_from(), "created_at", output_field=DateTimeField()
        )
    )


def never_reported_condition() -> Q:
    """Owes reports (not started or in progress) and has never had one (needs
    ``with_last_report``): its own figure and filter, whether or not it is stale yet."""
    return Q(status__in=STALE_STATUSES, last_reported_at__isnull=True)


def stale_cutoff(days: int | None = None, now: datetime.datetime | None = None):
    days = settings.CHENGYI_STALE_DAYS if days is None else days
    return (now or timezone.now()) - datetime.timedelta(days=days)


def stale_condition(days: int | None = None, now: datetime.datetime | None = None) -> Q:
    """Not started or in progress, and ``stale_since`` more than ``days`` days ago.

    The one stale rule, in SQL (needs ``with_stale_since``); ``is_stale`` is its twin.
    """
    return Q(status__in=STALE_STATUSES, stale_since__lt=stale_cutoff(days, now))


def is_stale(status, stale_since, now: datetime.datetime, days: int | None = None) -> bool:
    """The same rule for an item already read (``reports.states``)."""
    return status in STALE_STATUSES and stale_since < stale_cutoff(days, now)


def stale_items(*, now: datetime.datetime | None = None, queryset=None) -> QuerySet:
    """The items (of ``queryset``, default all) stale at ``now``, with ``stale_since``."""
    queryset = CooperationItem.objects.all() if queryset is None else queryset
    return with_stale_since(with_last_report(queryset)).filter(stale_condition(now=now))


def item_stale_since(*, item_id: int, now: datetime.datetime) -> datetime.datetime | None:
    """Since when the item has been stale at ``now``; None if it is not stale."""
    stale = stale_items(now=now, queryset=CooperationItem.objects.filter(pk=item_id))
    return stale.values_list("stale_since", flat=True).first()


def with_attention_flags(queryset: QuerySet, *, stale_days: int | None = None) -> QuerySet:
    """Annotate ``is_overdue`` and ``is_stale`` (the latter needs ``with_last_report``)."""
    if "stale_since" not in queryset.query.annotations:
        queryset = with_stale_since(queryset)
    return queryset.annotate(
        is_overdue=ExpressionWrapper(overdue_condition(), output_field=BooleanField()),
        is_stale=ExpressionWrapper(stale_condition(stale_days), output_field=BooleanField()),
    )


def with_can_change(queryset: QuerySet, *, user) -> QuerySet:
    """Annotate ``can_change``: whether ``user`` may report on each item (no extra query).

    When the user may change every item (a supervisor) or none, the answer is a constant: an
    EXISTS over every item made PostgreSQL hash the whole table on each page (20 ms at
    10,000 items)."""
    changeable = permissions.restrict_items(user, "change")
    if changeable.query.is_empty():
        return queryset.annotate(can_change=Value(False, output_field=BooleanField()))
    if not changeable.query.where:
        return queryset.annotate(can_change=Value(True, output_field=BooleanField()))
    return queryset.annotate(can_change=Exists(changeable.filter(pk=OuterRef("pk"))))


def item_list_queryset(*, user) -> QuerySet:
    """What the item list shows per row: visibility, roll-up, last report, flags."""
    return with_can_change(with_attention_flags(item_queryset(user=user)), user=user)


def with_first_open_due(queryset: QuerySet) -> QuerySet:
    """Annotate ``first_open_due``: the earliest due date of the item's milestones not done
    (NULL without one), the milestones' share of the light (``lights.first_deadline``)."""
    dues = (
        Milestone.objects.filter(item=OuterRef("pk"), done_date__isnull=True)
        .order_by()
        .values("item")
        .annotate(first=Min("due_date"))
        .values("first")
    )
    return queryset.annotate(first_open_due=Subquery(dues))


def item_page_queryset(*, user) -> QuerySet:
    """What the item list's rows and every item tab's header show, in one query.

    The SELECT holds the facts, each subquery once: roll-up, last report, since when a
    report is owed, the first open milestone; ``lights.decorate`` works the flags and the
    light out from them, by the rules the filters apply in SQL. Django writes an annotation
    out again wherever another one refers to it, so the flags in the SELECT had repeated
    the last-report subquery three times and the late-milestone scan twice, and planning
    that query cost more than running it.
    """
    queryset = item_queryset(user=user).select_related(None)  # (no header shows the agreement)
    queryset = queryset.select_related("parent", "chengdu_lead", "yibin_lead")
    queryset = with_first_open_due(with_stale_since(queryset))
    return with_can_change(queryset, user=user)


def item_rows_queryset(*, user) -> QuerySet:
    """``item_page_queryset`` for the item list's rows, which show the parent's code and the
    leads' short names only: no related rows read, ``parent_code`` annotated, the names
    looked up in ``filters.kept_short_names`` (a row's three related models cost the page
    more than its subqueries)."""
    return (
        item_page_queryset(user=user).select_related(None).annotate(parent_code=F("parent__code"))
    )


def item_header(*, user, pk: int) -> CooperationItem:
    """One item as the header of its tabs shows it (the history tab needs no more): the
    detail page's milestones, sub-items, reports and people are five queries it skips.

    Raises ``CooperationItem.DoesNotExist`` when the item does not exist or is not visible.
    """
    from .supervision.lights import decorate

    return decorate([item_page_queryset(user=user).get(pk=pk)])[0]


def item_detail(*, user, pk: int) -> CooperationItem:
    """One item with everything its page shows, in a fixed number of queries.

    Raises ``CooperationItem.DoesNotExist`` when the item does not exist or is not visible.
    """
    # The sub-items' rows show their roll-up and "overdue": nothing else of the list's.
    children = with_rollup(permissions.restrict_items(user, "view"))
    children = children.annotate(
        is_overdue=ExpressionWrapper(overdue_condition(), output_field=BooleanField())
    ).order_by("sort_order", "code")
    updates = StatusUpdate.objects.select_related("author", "organization", "reviewed_by").order_by(
        "-reported_at", "-pk"
    )
    queryset = (
        item_page_queryset(user=user)
        .select_related("agreement")
        .prefetch_related(
            "co_owners",
            "responsible_people",
            Prefetch(
                "responsible_people__memberships",
                queryset=Membership.objects.select_related("organization"),
            ),
            Prefetch(
                "milestones", queryset=Milestone.objects.order_by("sort_order", "due_date", "pk")
            ),
            Prefetch("children", queryset=children),
            Prefetch("status_updates", queryset=updates),
        )
    )
    from .supervision.lights import decorate

    return decorate([queryset.get(pk=pk)])[0]
