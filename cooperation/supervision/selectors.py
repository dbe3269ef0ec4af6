"""Reads of supervision slips: lists, one slip, and the counts the dashboard shows."""

from django.db.models import Count, Prefetch, QuerySet

from cooperation import permissions
from cooperation.models.supervision import (
    OPEN_STATES,
    SlipColour,
    SlipFeedback,
    SupervisionSlip,
)


def slip_queryset(*, user) -> QuerySet:
    """Slips of the items ``user`` may see, with what a list row shows (one query + 1)."""
    items = permissions.restrict_items(user, "view")
    return (
        SupervisionSlip.objects.filter(item__in=items)
        .select_related("item", "escalated_from")
        .prefetch_related("addressed_to")
    )


def slip_detail(*, user, pk: int) -> SupervisionSlip:
    feedback = SlipFeedback.objects.select_related("organization", "author", "reviewed_by")
    return (
        slip_queryset(user=user)
        .select_related("item__chengdu_lead", "item__yibin_lead")
        .prefetch_related(Prefetch("feedback", queryset=feedback.order_by("submitted_at", "pk")))
        .get(pk=pk)
    )


def open_slips_by_colour(*, user) -> dict[str, int]:
    """Open (and answered, not yet closed) slips per colour, every colour present (one query)."""
    counts = dict.fromkeys(SlipColour.values, 0)
    rows = (
        SupervisionSlip.objects.filter(
            state__in=OPEN_STATES, item__in=permissions.restrict_items(user, "view")
        )
        .order_by()
        .values_list("colour")
        .annotate(n=Count("pk"))
    )
    for colour, n in rows:
        counts[colour] = n
    return counts
