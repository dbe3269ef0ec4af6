"""Who is reminded of what. Reads only; the planner and the message composer both ask here."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Max, Q, QuerySet

from cooperation import selectors
from cooperation.choices import OrganizationKind, Role, Status
from cooperation.models import (
    ConsultationMechanism,
    CooperationItem,
    Meeting,
    Membership,
    Organization,
)

from .selectors import previous_meeting_start

User = get_user_model()

# Items that owe status updates before a meeting (stale items: ``selectors.stale_condition``).
REPORTING_STATUSES = (Status.NOT_STARTED, Status.IN_PROGRESS, Status.SUSPENDED)


@dataclass(frozen=True)
class ItemDue:
    """An item and the time of its last status update (None: never)."""

    item: CooperationItem
    last_update: datetime.datetime | None


def participants(mechanism: ConsultationMechanism) -> QuerySet:
    """Active people named on the mechanism or working for a participating organisation."""
    return (
        User.objects.filter(is_active=True)
        .filter(Q(mechanisms=mechanism) | Q(memberships__organization__mechanisms=mechanism))
        .distinct()
        .order_by("pk")
    )


class Directory:
    """Active coordinators and supervisors by organisation, read once (two queries)."""

    def __init__(self):
        self.by_role: dict[tuple[str, int], set[int]] = defaultdict(set)
        memberships = Membership.objects.filter(
            role__in=(Role.COORDINATOR, Role.SUPERVISOR), user__is_active=True
        ).values_list("role", "organization_id", "user_id")
        for role, org_id, user_id in memberships:
            self.by_role[(role, org_id)].add(user_id)
        self.city_of: dict[int, str] = {}
        self.governments: dict[str, set[int]] = defaultdict(set)
        for pk, city, kind in Organization.objects.values_list("pk", "city", "kind"):
            self.city_of[pk] = city
            if kind == OrganizationKind.GOVERNMENT:
                self.governments[city].add(pk)

    def members(self, org_ids, role: str) -> set[int]:
        return set().union(*(self.by_role.get((role, org), set()) for org in org_ids))

    def coordinators(self, org_ids) -> set[int]:
        return self.members(org_ids, Role.COORDINATOR)

    def supervisors_of_owners(self, org_ids) -> set[int]:
        """Supervisors of the organisations and of their cities' governments."""
        cities = {self.city_of.get(org) for org in org_ids}
        governments = set().union(*(self.governments.get(city, set()) for city in cities))
        return self.members(set(org_ids) | governments, Role.SUPERVISOR)


def host_side(meeting: Meeting) -> list[int]:
    """Supervisors of the host city's participating organisations (else their coordinators)."""
    org_ids = list(
        meeting.mechanism.participant_organizations.filter(city=meeting.host_city).values_list(
            "pk", flat=True
        )
    )
    directory = Directory()
    for role in (Role.SUPERVISOR, Role.COORDINATOR):
        users = directory.members(org_ids, role)
        if users:
            return sorted(users)
    return []


def owner_organization_ids(item: CooperationItem) -> set[int]:
    """The item's leads and co-owners, and its parent's (as in permissions.owned_items)."""
    ids = item.owner_organization_ids()
    if item.parent_id:
        ids |= item.parent.owner_organization_ids()
    return ids


def _items_with_last_update(queryset: QuerySet) -> QuerySet:
    return (
        queryset.annotate(last_update=Max("status_updates__reported_at"))
        .select_related("parent")
        .prefetch_related("co_owners", "parent__co_owners")
        .order_by("sort_order", "code")
    )


def _outdated(meeting: Meeting, queryset: QuerySet) -> QuerySet:
    """Of ``queryset``, the items in the meeting's scope with no status update since the
    previous meeting."""
    since = previous_meeting_start(meeting)
    outdated = Q(last_update__isnull=True)
    if since is not None:
        outdated |= Q(last_update__lt=since)
    return queryset.filter(
        category__in=meeting.mechanism.scope_categories, status__in=REPORTING_STATUSES
    ).filter(outdated)


def status_call_missing(meeting: Meeting, *, user_id: int | None = None) -> dict[int, list]:
    """coordinator id → items in scope with no status update since the previous meeting."""
    items = _outdated(meeting, _items_with_last_update(CooperationItem.objects.all()))
    return _by_coordinator(items, user_id=user_id)


def status_call_recipients(meeting: Meeting) -> set[int]:
    """The coordinators ``status_call_missing`` has items for, from ids alone: the planner asks
    this of every upcoming meeting every 15 minutes, and the items themselves (10,000 model
    instances with their co-owners) took it 1.2 s a meeting at 10,000 items."""
    items = _outdated(
        meeting,
        CooperationItem.objects.annotate(last_update=Max("status_updates__reported_at")).order_by(),
    )
    rows = list(
        items.values_list(
            "pk", "parent_id", "chengdu_lead_id", "yibin_lead_id",
            "parent__chengdu_lead_id", "parent__yibin_lead_id",
        )
    )  # fmt: skip
    owners = {org for row in rows for org in row[2:] if org}
    owning = {pk for row in rows for pk in row[:2] if pk}  # the items and their parents
    through = CooperationItem.co_owners.through.objects
    owners.update(
        through.filter(cooperationitem_id__in=owning).values_list("organization_id", flat=True)
    )
    return Directory().coordinators(owners)


def _by_coordinator(items, *, user_id: int | None) -> dict[int, list[ItemDue]]:
    directory = Directory()
    result: dict[int, list[ItemDue]] = defaultdict(list)
    for item in items:
        for uid in sorted(directory.coordinators(owner_organization_ids(item))):
            if user_id is None or uid == user_id:
                result[uid].append(ItemDue(item, item.last_update))
    return dict(result)


def stale_items(*, now: datetime.datetime) -> list[ItemDue]:
    """Items stale at ``now`` by the item list's own rule (``selectors.stale_condition``)."""
    items = (
        selectors.stale_items(now=now)
        .select_related("parent")
        .prefetch_related("co_owners", "parent__co_owners")
        .order_by("sort_order", "code")
    )
    return [ItemDue(item, item.last_reported_at) for item in items]
