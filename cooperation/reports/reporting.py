"""Who reported and who did not, organisation by organisation and city by city."""

import dataclasses

from django.utils.translation import gettext_lazy as _

from cooperation.choices import City
from cooperation.models.base import is_english


@dataclasses.dataclass
class Expected:
    """One item some organisations owe a report on."""

    id: int
    code: str
    owners: list[int]
    expected: bool  # open: its owners should report on it
    reported: bool  # somebody reported on it in the period


@dataclasses.dataclass
class OrgReport:
    id: int
    name: str
    city: str
    expected: list = dataclasses.field(default_factory=list)  # codes of open items it owns
    updates: int = 0  # status updates on the items it owns, whoever submitted them
    missing: list = dataclasses.field(default_factory=list)  # its open items nobody reported

    @property
    def reported(self) -> bool:
        return self.updates > 0

    @property
    def state_label(self) -> str:
        if self.reported:
            return str(_("Reported"))
        return str(_("Not reported")) if self.expected else str(_("Nothing due"))


RULE = _(
    "A status update counts for every organisation that owns the item (its Chengdu and Yibin "
    "leads and its co-owners), whoever submitted it. Only organisations that own items in "
    "scope are listed."
)


def org_name(fact: dict) -> str:
    """An organisation's short name in the active language, from stored facts."""
    for field in ("short_name", "name"):
        chinese, english = fact.get(f"{field}_zh") or "", fact.get(f"{field}_en") or ""
        value = (english or chinese) if is_english() else (chinese or english)
        if value:
            return value
    return ""


def by_city(entries, reports, organizations: dict) -> list[dict]:
    """Group the owning organisations by city with what they owed and what was reported.

    The rule (``RULE``, shown on the page): a report counts for every organisation that owns
    the item (its leads and co-owners), not for the reporter's organisation; only
    organisations owning an item in scope are listed.

    ``entries``: Expected items; ``reports``: (item id, organisation id, count) triples;
    ``organizations``: facts keyed by the organisation id as a string.
    """
    orgs: dict[int, OrgReport] = {}

    def org(pk: int) -> OrgReport:
        if pk not in orgs:
            fact = organizations.get(str(pk), {})
            orgs[pk] = OrgReport(id=pk, name=org_name(fact), city=fact.get("city", City.OTHER))
        return orgs[pk]

    per_item: dict[int, int] = {}
    for item_id, _org_id, count in reports:
        per_item[item_id] = per_item.get(item_id, 0) + count
    for entry in entries:
        for pk in entry.owners:
            owner = org(pk)
            owner.updates += per_item.get(entry.id, 0)
            if entry.expected:
                owner.expected.append(entry.code)
                if not entry.reported:
                    owner.missing.append(entry.code)
    cities = []
    for city in [City.CHENGDU, City.YIBIN, City.OTHER]:
        members = sorted((o for o in orgs.values() if o.city == city), key=lambda o: o.name)
        if members:
            cities.append(
                {
                    "city": city,
                    "label": City(city).label,
                    "organizations": members,
                    "reported": [o for o in members if o.reported],
                    "silent": [o for o in members if not o.reported and o.expected],
                }
            )
    return cities


def org_facts(organizations) -> dict:
    """Organisations as plain facts (what a frozen pack keeps), keyed by str(pk)."""
    return {
        str(org.pk): {
            "name_zh": org.name_zh,
            "name_en": org.name_en,
            "short_name_zh": org.short_name_zh,
            "short_name_en": org.short_name_en,
            "city": org.city,
        }
        for org in organizations
    }
