"""Every read of items that more than one page needs. Pages add their own filters on top."""

from django.db.models import (
    Case,
    F,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Round
from django.utils.translation import gettext_lazy as _

from . import permissions
from .choices import Status
from .models import CooperationItem, StatusUpdate

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
        .annotate(total=Sum(expression))
        .values("total")
    )
    return Subquery(children, output_field=IntegerField())


def with_rollup(queryset: QuerySet) -> QuerySet:
    """Annotate ``rolled_up_progress`` (0–100, a whole number) in the same query."""
    queryset = queryset.annotate(
        children_weighted=_children_sum(F("progress") * F("weight")),
        children_weight=_children_sum(F("weight")),
    )
    return queryset.annotate(
        rolled_up_progress=Case(
            When(
                children_weight__gt=0,
                then=Round(
                    F("children_weighted") * Value(1.0) / F("children_weight"),
                    output_field=FloatField(),
                ),
            ),
            default=F("progress"),
            output_field=FloatField(),
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


def weighted_progress(items) -> int:
    """The weighted average of rolled-up progress over ``items`` (already annotated)."""
    total_weight = sum(item.weight for item in items)
    if not total_weight:
        return 0
    return round(sum(item.rolled_up_progress * item.weight for item in items) / total_weight)
