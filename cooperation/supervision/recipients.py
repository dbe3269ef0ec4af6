"""Whom a supervision slip is addressed to and who is told of it. Reads only.

- addressed to: the item's leads (Chengdu and Yibin); an item without leads, its co-owners;
  a sub-item without any, its parent's;
- blue: the coordinators of the item's owning organisations (leads, co-owners, parent's);
- yellow: also the supervisors of those organisations and of their cities' governments;
- red: also the city leaders (role ``leader``) of both cities.
"""

from collections import defaultdict

from cooperation.choices import City, Role
from cooperation.meetings.recipients import Directory, owner_organization_ids
from cooperation.models import CooperationItem, Membership
from cooperation.models.supervision import SlipColour, SupervisionSlip


def addressed_organizations(item: CooperationItem) -> list[int]:
    leads = [pk for pk in (item.chengdu_lead_id, item.yibin_lead_id) if pk]
    if leads:
        return leads
    owners = sorted(org.pk for org in item.co_owners.all())
    if owners or item.parent_id is None:
        return owners
    return addressed_organizations(item.parent)


def city_leaders() -> dict[str, set[int]]:
    """Active leaders by city (one query)."""
    found: dict[str, set[int]] = defaultdict(set)
    rows = Membership.objects.filter(role=Role.LEADER, user__is_active=True).values_list(
        "organization__city", "user_id"
    )
    for city, uid in rows:
        found[city].add(uid)
    return found


class SlipDirectory:
    """Coordinators, supervisors and leaders, read once for a run (three queries)."""

    def __init__(self):
        self.directory = Directory()
        self.leaders = city_leaders()

    def recipients(self, slip: SupervisionSlip, item: CooperationItem) -> set[int]:
        owners = owner_organization_ids(item)
        users = self.directory.coordinators(owners)
        if slip.colour in (SlipColour.YELLOW, SlipColour.RED):
            users |= self.directory.supervisors_of_owners(owners)
        if slip.colour == SlipColour.RED:
            users |= self.leaders[City.CHENGDU] | self.leaders[City.YIBIN]
        return users
