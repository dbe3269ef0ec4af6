"""Who may act in the loop. Views, selectors and services all ask here."""

from django.db.models import Q, QuerySet

from cooperation import permissions
from cooperation.choices import City
from cooperation.models import (
    Acknowledgement,
    CompletionRequest,
    CooperationItem,
    StatusUpdate,
)

LEAD_CITIES = (City.CHENGDU.value, City.YIBIN.value)


def lead_ids(item: CooperationItem) -> dict[str, int]:
    """{city: lead organisation id} for the sides the item has a lead on."""
    leads = {City.CHENGDU.value: item.chengdu_lead_id, City.YIBIN.value: item.yibin_lead_id}
    return {city: pk for city, pk in leads.items() if pk}


def is_bilateral(item: CooperationItem) -> bool:
    return len(lead_ids(item)) == 2


def lead_cities_of(user, item: CooperationItem) -> set[str]:
    """The sides of ``item`` whose lead organisation ``user`` coordinates."""
    return lead_cities_of_organizations(permissions.coordinator_organization_ids(user), item)


def lead_cities_of_organizations(orgs, item: CooperationItem) -> set[str]:
    """The sides of ``item`` led by one of ``orgs``."""
    return {city for city, pk in lead_ids(item).items() if pk in orgs}


def may_acknowledge(user, acknowledgement: Acknowledgement) -> bool:
    return (
        acknowledgement.active
        and acknowledgement.organization_id in permissions.coordinator_organization_ids(user)
    )


def report_city(update: StatusUpdate) -> str:
    return update.organization.city if update.organization_id else ""


def may_review(user, update: StatusUpdate) -> bool:
    """A supervisor, or a coordinator of the other city's lead on a bilateral item."""
    if not user.is_authenticated or update.author_id == user.pk:
        return False
    if permissions.is_supervisor(user):
        return True
    return bool(
        set(reviewing_organizations(update)) & permissions.coordinator_organization_ids(user)
    )


def reviewing_organizations(update: StatusUpdate) -> list[int]:
    """The lead organisations whose coordinators review ``update``: on a bilateral item, the
    lead of the city other than the report's."""
    item = update.item
    if not is_bilateral(item):
        return []
    return [pk for city, pk in lead_ids(item).items() if city != report_city(update)]


def reviewable_reports(user, queryset: QuerySet | None = None) -> QuerySet:
    """The reports ``user`` may review (whatever their state)."""
    queryset = StatusUpdate.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    queryset = queryset.exclude(author=user)
    if permissions.is_supervisor(user):
        return queryset
    orgs = permissions.coordinator_organization_ids(user)
    if not orgs:
        return queryset.none()
    return reviewable_by_organizations(orgs, queryset)


def reviewable_by_organizations(orgs, queryset: QuerySet) -> QuerySet:
    """Reports a coordinator of ``orgs`` may review: the other city's, on a bilateral item
    one of ``orgs`` leads."""
    bilateral = Q(item__chengdu_lead__isnull=False, item__yibin_lead__isnull=False)
    as_chengdu = Q(item__chengdu_lead__in=orgs) & ~Q(organization__city=City.CHENGDU)
    as_yibin = Q(item__yibin_lead__in=orgs) & ~Q(organization__city=City.YIBIN)
    return queryset.filter(bilateral & (as_chengdu | as_yibin))


def confirming_cities(user, request: CompletionRequest) -> set[str]:
    """The sides still to confirm that ``user`` may confirm for."""
    return sides_to_confirm(permissions.coordinator_organization_ids(user), request)


def sides_to_confirm(orgs, request: CompletionRequest) -> set[str]:
    """The sides still to confirm that ``orgs`` lead."""
    remaining = set(request.required_cities) - {c.city for c in request.confirmations.all()}
    return lead_cities_of_organizations(orgs, request.item) & remaining


def may_decide(user, request: CompletionRequest) -> bool:
    """Confirm or refuse: a supervisor, or a lead coordinator of a side still to confirm."""
    if not user.is_authenticated or request.requested_by_id == user.pk:
        return False
    if permissions.is_supervisor(user):
        return True
    return bool(confirming_cities(user, request))


def awaiting_decision(user, queryset: QuerySet | None = None) -> QuerySet:
    """Pending completion requests ``user`` may confirm or refuse (the side check is in
    Python: ``required_cities`` is a short list)."""
    queryset = CompletionRequest.objects.all() if queryset is None else queryset
    queryset = queryset.filter(state="pending").exclude(requested_by=user)
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if permissions.is_supervisor(user):
        return queryset
    orgs = permissions.coordinator_organization_ids(user)
    if not orgs:
        return queryset.none()
    return led_by(orgs, queryset)


def led_by(orgs, queryset: QuerySet) -> QuerySet:
    """Rows (requests, reports) of items one of ``orgs`` leads."""
    return queryset.filter(Q(item__chengdu_lead__in=orgs) | Q(item__yibin_lead__in=orgs))
