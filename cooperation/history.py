"""The change log of an item: field-level changes of the item and its milestones.

Reads django-simple-history's rows in a fixed number of queries and diffs consecutive rows in
Python (``diff_against`` would query once per row for the co-owners).
"""

import datetime
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from .models import Agreement, CooperationItem, Milestone, Organization
from .models.base import is_english, joined

HIDDEN_FIELDS = {"id", "item", "created_at", "sort_order"}
KIND_LABELS = {"+": "created", "~": "changed", "-": "deleted"}


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class Entry:
    when: datetime.datetime
    user: object
    subject: str
    kind: str  # created | changed | deleted
    reason: str
    changes: list[Change] = field(default_factory=list)
    anchor: str = ""


class Lookups:
    """Names of the objects that foreign keys point at, fetched once per page."""

    def __init__(self):
        self.organizations = {o.pk: o.short_name for o in Organization.objects.all()}
        self._items: dict[int, str] | None = None
        self._agreements: dict[int, str] | None = None

    def item(self, pk):
        if self._items is None:
            self._items = dict(CooperationItem.objects.values_list("pk", "code"))
        return self._items.get(pk, f"#{pk}")

    def agreement(self, pk):
        if self._agreements is None:
            self._agreements = {a.pk: str(a) for a in Agreement.objects.all()}
        return self._agreements.get(pk, f"#{pk}")


def display(model_field, value, lookups: Lookups) -> str:
    """A value as the user reads it, in the active language."""
    if value is None or value == "":
        return ""
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.ForeignKey):
        related = model_field.related_model
        if related is Organization:
            return lookups.organizations.get(value, f"#{value}")
        if related is CooperationItem:
            return lookups.item(value)
        if related is Agreement:
            return lookups.agreement(value)
        return f"#{value}"
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def _fields(history_model):
    return [f for f in history_model.tracked_fields if f.name not in HIDDEN_FIELDS]


def _co_owner_sets(records) -> dict[int, frozenset[int]]:
    """history_id → the co-owner organisation ids recorded with that row (one query)."""
    through = apps.get_model("cooperation", "HistoricalCooperationItem_co_owners")
    sets: dict[int, set[int]] = {record.history_id: set() for record in records}
    rows = through.objects.filter(history__in=list(sets)).values_list(
        "history_id", "organization_id"
    )
    for history_id, organization_id in rows:
        sets[history_id].add(organization_id)
    return {key: frozenset(value) for key, value in sets.items()}


def _diff(old, new, fields, lookups) -> list[Change]:
    changes = []
    for model_field in fields:
        before = getattr(old, model_field.attname) if old is not None else None
        after = getattr(new, model_field.attname)
        if before != after and not (old is None and after in (None, "")):
            changes.append(
                Change(
                    label=str(capfirst(model_field.verbose_name)),
                    old=display(model_field, before, lookups),
                    new=display(model_field, after, lookups),
                )
            )
    return changes


def _names(ids, lookups) -> str:
    return joined(sorted(lookups.organizations.get(pk, f"#{pk}") for pk in ids))


def _item_entries(item, lookups) -> list[Entry]:
    history_model = CooperationItem.history.model
    records = list(
        history_model.objects.filter(id=item.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    co_owners = _co_owner_sets(records)
    fields = _fields(history_model)
    entries, previous = [], None
    for record in records:
        kind = KIND_LABELS[record.history_type]
        changes = _diff(previous, record, fields, lookups) if previous is not None else []
        if previous is not None and co_owners[previous.history_id] != co_owners[record.history_id]:
            changes.append(
                Change(
                    label=str(capfirst(CooperationItem._meta.get_field("co_owners").verbose_name)),
                    old=_names(co_owners[previous.history_id], lookups),
                    new=_names(co_owners[record.history_id], lookups),
                )
            )
        if changes or previous is None or kind != "changed":
            entries.append(_entry(record, kind, _("Item"), changes))
        previous = record
    return entries


def _milestone_entries(item, lookups) -> list[Entry]:
    history_model = Milestone.history.model
    records = (
        history_model.objects.filter(item_id=item.pk)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    fields = _fields(history_model)
    entries, previous = [], None
    for record in records:
        if previous is not None and previous.id != record.id:
            previous = None
        kind = KIND_LABELS[record.history_type]
        changes = [] if kind == "deleted" else _diff(previous, record, fields, lookups)
        if changes or kind != "changed":
            title = (record.title_en if is_english() else "") or record.title_zh
            subject = _("Milestone “%(title)s”") % {"title": title}
            entries.append(_entry(record, kind, subject, changes))
        previous = record
    return entries


def _entry(record, kind, subject, changes) -> Entry:
    return Entry(
        when=record.history_date,
        user=record.history_user,
        subject=subject,
        kind=kind,
        reason=_(record.history_change_reason) if record.history_change_reason else "",
        changes=changes,
        anchor=f"h{record._meta.model_name}-{record.history_id}",
    )


def item_history(item: CooperationItem) -> list[Entry]:
    """Every recorded change of the item and its milestones, newest first."""
    lookups = Lookups()
    entries = _item_entries(item, lookups) + _milestone_entries(item, lookups)
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries
