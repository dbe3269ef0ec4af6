"""Reads of supervision slips: lists, one slip, and the counts the dashboard shows."""

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse

from cooperation import permissions
from cooperation.choices import CompletionState, ReviewState
from cooperation.models import CompletionRequest, CooperationItem, StatusUpdate
from cooperation.models.supervision import (
    OPEN_STATES,
    SlipColour,
    SlipFeedback,
    SlipState,
    SupervisionSlip,
)
from cooperation.reports.links import item_list_url


def slip_queryset(*, user) -> QuerySet:
    """Slips of the items ``user`` may see, with what a list row shows (one query + 1)."""
    items = permissions.restrict_items(user, "view")
    return (
        permissions.of_items(SupervisionSlip.objects.all(), items)
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
        permissions.of_items(
            SupervisionSlip.objects.filter(state__in=OPEN_STATES),
            permissions.restrict_items(user, "view"),
        )
        .order_by()
        .values_list("colour")
        .annotate(n=Count("pk"))
    )
    for colour, n in rows:
        counts[colour] = n
    return counts


def awaiting_review_condition() -> Exists:
    """An item with a status report waiting for review (审核)."""
    return Exists(
        StatusUpdate.objects.filter(item=OuterRef("pk"), review_state=ReviewState.PENDING)
    )


def awaiting_confirmation_condition() -> Exists:
    """An item with a completion, cancellation or reopening request waiting (办结待确认)."""
    return Exists(
        CompletionRequest.objects.filter(item=OuterRef("pk"), state=CompletionState.PENDING)
    )


def supervision_counts(*, user) -> dict:
    """Open slips per colour and items awaiting review or confirmation (two queries)."""
    items = permissions.restrict_items(user, "view").order_by()
    pending = items.aggregate(
        awaiting_review=Count("pk", filter=Q(awaiting_review_condition())),
        awaiting_confirmation=Count("pk", filter=Q(awaiting_confirmation_condition())),
    )
    return {"slips": open_slips_by_colour(user=user), **pending}


def supervision_figures(*, user, counts: dict | None = None) -> dict:
    """The dashboard's supervision counts, each with the list it counts.

    ``counts`` as ``supervision_counts`` gives them (the dashboard's summary has them);
    counted here in two queries when not given.
    """
    counts = counts if counts is not None else supervision_counts(user=user)
    slips, pending = counts["slips"], counts
    slip_list = reverse("cooperation:slip_list")
    return {
        "slips": [
            {
                "key": colour,
                "label": SlipColour(colour).label,
                "value": slips[colour],
                "url": f"{slip_list}?state=open&colour={colour}",
            }
            for colour in SlipColour.values
        ],
        "awaiting_review": {
            "value": pending["awaiting_review"],
            "url": item_list_url(awaiting_review=True),
        },
        "awaiting_confirmation": {
            "value": pending["awaiting_confirmation"],
            "url": item_list_url(awaiting_confirmation=True),
        },
    }


def slips_to_answer(*, user) -> QuerySet:
    """Open slips addressed to an organisation ``user`` coordinates (for the daily digest)."""
    orgs = permissions.coordinator_organization_ids(user)
    return (
        slip_queryset(user=user)
        .filter(state=SlipState.OPEN, addressed_to__in=orgs)
        .distinct()
        .order_by("feedback_due", "pk")
    )


def pack_supervision(*, item_ids, at, today) -> dict:
    """A briefing pack's supervision facts for its items (three queries, JSON-ready):
    lights as computed on ``today`` from the current dates and progress, slips open at
    ``at`` by colour (exact, from the slips' issue and close times), and items with a
    report awaiting review or a completion awaiting confirmation (as the pack is made)."""
    from .lights import Light, with_lights

    items = CooperationItem.objects.filter(pk__in=item_ids).order_by()
    lights = dict.fromkeys(Light.values, 0)
    for light, n in with_lights(items, today=today).values_list("light").annotate(n=Count("pk")):
        lights[light] = n
    slips = dict.fromkeys(SlipColour.values, 0)
    open_then = SupervisionSlip.objects.filter(item_id__in=item_ids, issued_at__lte=at).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gt=at)
    )
    for colour, n in open_then.order_by().values_list("colour").annotate(n=Count("pk")):
        slips[colour] = n
    pending = items.aggregate(
        awaiting_review=Count("pk", filter=Q(awaiting_review_condition())),
        awaiting_confirmation=Count("pk", filter=Q(awaiting_confirmation_condition())),
    )
    return {"lights": lights, "slips": slips, **pending}
