"""The dry run: every row of the workbook against the database, nothing written.

A row is matched to an item by its code: an unknown code creates an item (a sub-item when it
names a parent), a known one updates only what differs. Every problem is an error with its
row and column; a file with any error is not applied at all.
"""

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from cooperation.choices import Category, City
from cooperation.models import Agreement, CooperationItem, Milestone, Organization

from . import reader
from .reader import CellError

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"
SEPARATORS = re.compile(r"\s*[、;；,，\n]\s*")
ITEM_FIELDS = (
    "title_zh",
    "title_en",
    "category",
    "parent",
    "agreement",
    "chengdu_lead",
    "yibin_lead",
    "co_owners",
    "weight",
    "start_date",
    "target_date",
)


def field_label(name: str) -> str:
    if name == "parent":
        return str(CooperationItem._meta.get_field("parent").verbose_name)
    return str(CooperationItem._meta.get_field(name).verbose_name)


@dataclass
class ItemRow:
    number: int
    code: str
    action: str = UNCHANGED
    values: dict = field(default_factory=dict)  # field → new value (ids, dates, text)
    changes: list = field(default_factory=list)  # [field, old shown, new shown]


@dataclass
class MilestoneRow:
    number: int
    item_code: str
    title_zh: str
    action: str = UNCHANGED
    values: dict = field(default_factory=dict)
    changes: list = field(default_factory=list)
    pk: int | None = None


@dataclass
class Plan:
    items: list[ItemRow] = field(default_factory=list)
    milestones: list[MilestoneRow] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def counts(self) -> dict:
        counts = {CREATE: 0, UPDATE: 0, UNCHANGED: 0}
        for row in [*self.items, *self.milestones]:
            counts[row.action] += 1
        return counts

    def preview(self) -> dict:
        return {
            "items": [
                {
                    "row": r.number,
                    "code": r.code,
                    "action": r.action,
                    "changes": [[field_label(name), old, new] for name, old, new in r.changes],
                }
                for r in self.items
            ],
            "milestones": [
                {
                    "row": r.number,
                    "code": r.item_code,
                    "title": r.title_zh,
                    "action": r.action,
                    "changes": [
                        [str(Milestone._meta.get_field(name).verbose_name), old, new]
                        for name, old, new in r.changes
                    ],
                }
                for r in self.milestones
            ],
            "errors": [
                error.as_dict() for error in sorted(self.errors, key=lambda e: (e.row, e.column))
            ],
            "counts": self.counts(),
            "ignored": self.ignored,
        }


class Lookups:
    """Everything a plan compares against, read once (a handful of queries for any size)."""

    def __init__(self, codes):
        self.items = {
            item.code: item
            for item in CooperationItem.objects.filter(code__in=codes).select_related("parent")
        }
        self.co_owners: dict[int, set[int]] = {}
        through = CooperationItem.co_owners.through.objects.filter(
            cooperationitem__code__in=codes
        ).values_list("cooperationitem_id", "organization_id")
        for item_id, org_id in through:
            self.co_owners.setdefault(item_id, set()).add(org_id)
        self.organizations = list(Organization.objects.all())
        self.org_by_name: dict[str, list[Organization]] = {}
        for org in self.organizations:
            names = {org.code, org.name_zh, org.name_en, org.short_name_zh, org.short_name_en}
            for name in names:
                if name:
                    self.org_by_name.setdefault(reader._normal(name), []).append(org)
        self.org_by_id = {org.pk: org for org in self.organizations}
        self.agreements = list(Agreement.objects.all())
        self.agreement_by_name: dict[str, Agreement] = {}
        for agreement in self.agreements:
            for name in (
                agreement.code,
                agreement.title_zh,
                agreement.title_en,
                agreement.short_title_zh,
                agreement.short_title_en,
            ):
                if name:
                    self.agreement_by_name[reader._normal(name)] = agreement
        self.agreement_by_id = {a.pk: a for a in self.agreements}
        self.categories = {}
        from django.utils import translation

        for language in reader.LANGUAGES:
            with translation.override(language):
                for value, label in Category.choices:
                    self.categories[reader._normal(label)] = value
        for value in Category.values:
            self.categories[reader._normal(value)] = value
        self.parent_codes = dict(
            CooperationItem.objects.filter(parent__isnull=False).values_list("code", "parent__code")
        )


def _organization(lookups: Lookups, raw: str, city: str | None):
    """The organisation named ``raw`` (code or any of its names); ValueError when unknown."""
    found = lookups.org_by_name.get(reader._normal(raw), [])
    if city is not None:
        found = [org for org in found if org.city == city] or found
    if not found:
        raise ValueError(_("Unknown organisation “%(name)s”.") % {"name": raw})
    if len(found) > 1:
        raise ValueError(
            _("“%(name)s” names more than one organisation: use its code.") % {"name": raw}
        )
    org = found[0]
    if city is not None and org.city != city:
        raise ValueError(
            _("“%(name)s” is not an organisation of %(city)s.")
            % {"name": raw, "city": City(city).label}
        )
    return org


def _shown(name: str, value, lookups: Lookups) -> str:
    if value in (None, "", set()):
        return ""
    if name in ("chengdu_lead", "yibin_lead"):
        return lookups.org_by_id[value].short_name
    if name == "co_owners":
        return "、".join(sorted(lookups.org_by_id[pk].short_name for pk in value))
    if name == "agreement":
        return str(lookups.agreement_by_id[value])
    if name == "category":
        return str(Category(value).label)
    return str(value)


def _current(item: CooperationItem, lookups: Lookups) -> dict:
    return {
        "title_zh": item.title_zh,
        "title_en": item.title_en,
        "category": item.category,
        "parent": item.parent.code if item.parent_id else "",
        "agreement": item.agreement_id,
        "chengdu_lead": item.chengdu_lead_id,
        "yibin_lead": item.yibin_lead_id,
        "co_owners": lookups.co_owners.get(item.pk, set()),
        "weight": item.weight,
        "start_date": item.start_date,
        "target_date": item.target_date,
    }


def _parse_item(row: reader.Row, lookups: Lookups, errors: list) -> dict:
    """The row's values as the model takes them; a cell that cannot be read is an error."""
    parsed = {}

    def fail(name, message):
        errors.append(CellError(row.number, row.columns.get(name, ""), message))

    for name in ITEM_FIELDS:
        if name not in row.columns and name not in row.values:
            continue  # the column is missing from the sheet: left as it is
        raw = row.values.get(name)
        try:
            if name in ("title_zh", "title_en", "parent"):
                parsed[name] = reader.text(raw)
            elif name == "category":
                value = reader.text(raw)
                parsed[name] = lookups.categories.get(reader._normal(value)) if value else ""
                if value and parsed[name] is None:
                    raise ValueError(_("Unknown category “%(value)s”.") % {"value": value})
            elif name == "agreement":
                value = reader.text(raw)
                agreement = lookups.agreement_by_name.get(reader._normal(value)) if value else None
                if value and agreement is None:
                    raise ValueError(_("Unknown agreement “%(value)s”.") % {"value": value})
                parsed[name] = agreement.pk if agreement else None
            elif name in ("chengdu_lead", "yibin_lead"):
                value = reader.text(raw)
                city = City.CHENGDU if name == "chengdu_lead" else City.YIBIN
                parsed[name] = _organization(lookups, value, city).pk if value else None
            elif name == "co_owners":
                names = [n for n in SEPARATORS.split(reader.text(raw)) if n]
                parsed[name] = {_organization(lookups, n, None).pk for n in names}
            elif name == "weight":
                weight = reader.whole_number(raw)
                if weight is not None and not 0 < weight <= 1000:
                    raise ValueError(_("The weight must be between 1 and 1000."))
                parsed[name] = weight if weight is not None else 1
            else:
                parsed[name] = reader.date(raw)
        except ValueError as exc:
            fail(name, str(exc))
    return parsed


def _item_row(row: reader.Row, lookups: Lookups, plan: Plan, seen: dict) -> ItemRow | None:
    errors: list[CellError] = list(row.errors)
    code = reader.text(row.values.get("code"))
    column = row.columns.get("code", "A")
    if not code:
        errors.append(CellError(row.number, column, _("The code is empty: every row needs one.")))
    elif len(code) > 32:
        errors.append(CellError(row.number, column, _("The code is longer than 32 characters.")))
    elif code in seen:
        errors.append(
            CellError(
                row.number,
                column,
                _("The code %(code)s is also in row %(row)s.") % {"code": code, "row": seen[code]},
            )
        )
    parsed = _parse_item(row, lookups, errors)
    plan.errors += errors
    if errors or not code:
        return None
    seen[code] = row.number
    result = ItemRow(number=row.number, code=code)
    item = lookups.items.get(code)
    if item is None:
        result.action = CREATE
        if not parsed.get("title_zh"):
            plan.errors.append(
                CellError(
                    row.number,
                    row.columns.get("title_zh", "B"),
                    _("A new item needs a Chinese title."),
                )
            )
        if not parsed.get("category"):
            plan.errors.append(
                CellError(
                    row.number, row.columns.get("category", "D"), _("A new item needs a category.")
                )
            )
        if not parsed.get("agreement"):
            if len(lookups.agreements) == 1:
                parsed["agreement"] = lookups.agreements[0].pk
            else:
                plan.errors.append(
                    CellError(
                        row.number,
                        row.columns.get("agreement", "F"),
                        _("A new item needs its agreement."),
                    )
                )
        result.values = parsed
        result.changes = [
            [name, "", _shown(name, value, lookups)]
            for name, value in parsed.items()
            if value not in (None, "", set())
        ]
        return result
    current = _current(item, lookups)
    for name, value in parsed.items():
        old = current[name]
        if name in ("title_zh", "title_en") and (old or "").strip() == value:
            continue
        if name == "title_zh" and not value:
            plan.errors.append(
                CellError(
                    row.number, row.columns.get(name, ""), _("The Chinese title cannot be empty.")
                )
            )
            continue
        if name == "category" and not value:
            plan.errors.append(
                CellError(row.number, row.columns.get(name, ""), _("The category cannot be empty."))
            )
            continue
        if name == "agreement" and value is None:
            continue  # left empty: stays as it is
        if old != value:
            result.values[name] = value
            result.changes.append([name, _shown(name, old, lookups), _shown(name, value, lookups)])
    result.action = UPDATE if result.changes else UNCHANGED
    return result


def _check_dates(rows: list[ItemRow], lookups: Lookups, plan: Plan, columns: dict) -> None:
    for row in rows:
        item = lookups.items.get(row.code)
        start = row.values.get("start_date", item.start_date if item else None)
        target = row.values.get("target_date", item.target_date if item else None)
        if start and target and target < start:
            plan.errors.append(
                CellError(
                    row.number,
                    columns.get(row.number, "P"),
                    _("The target date cannot be before the start date."),
                )
            )


def _check_parents(rows: list[ItemRow], lookups: Lookups, plan: Plan, columns: dict) -> None:
    """Parents exist (in the database or the file) and form no cycle."""
    parent_of = dict(lookups.parent_codes)
    in_file = {row.code for row in rows}
    for row in rows:
        if "parent" in row.values:
            parent_of[row.code] = row.values["parent"] or None
    known = set(lookups.items) | in_file
    for row in rows:
        parent = parent_of.get(row.code)
        column = columns.get(row.number, "E")
        if (
            parent
            and parent not in known
            and not CooperationItem.objects.filter(code=parent).exists()
        ):
            plan.errors.append(
                CellError(
                    row.number,
                    column,
                    _("The parent item %(code)s does not exist.") % {"code": parent},
                )
            )
            continue
        seen, current = [row.code], parent
        while current:
            if current in seen:
                plan.errors.append(
                    CellError(
                        row.number,
                        column,
                        _("The parents go round in a circle: %(path)s.")
                        % {"path": " → ".join([*seen, current])},
                    )
                )
                break
            seen.append(current)
            current = parent_of.get(current)


def _milestone_rows(sheet: reader.Sheet, lookups: Lookups, plan: Plan, item_codes: set) -> None:
    existing: dict[tuple, Milestone] = {}
    for milestone in Milestone.objects.filter(
        item__code__in=item_codes | set(lookups.items)
    ).select_related("item"):
        existing.setdefault((milestone.item.code, milestone.title_zh.strip()), milestone)
    seen = {}
    for row in sheet.rows:
        plan.errors += row.errors
        code = reader.text(row.values.get("item"))
        title = reader.text(row.values.get("title_zh"))
        if not code or not title:
            plan.errors.append(
                CellError(
                    row.number,
                    row.columns.get("item", "A") if not code else row.columns.get("title_zh", "B"),
                    _("A milestone needs its item's code and a Chinese title."),
                )
            )
            continue
        if (
            code not in item_codes
            and code not in lookups.items
            and not CooperationItem.objects.filter(code=code).exists()
        ):
            plan.errors.append(
                CellError(
                    row.number,
                    row.columns.get("item", "A"),
                    _("The item %(code)s does not exist.") % {"code": code},
                )
            )
            continue
        if (code, title) in seen:
            plan.errors.append(
                CellError(
                    row.number,
                    row.columns.get("title_zh", "B"),
                    _("This milestone is also in row %(row)s.") % {"row": seen[(code, title)]},
                )
            )
            continue
        seen[(code, title)] = row.number
        values = {"title_en": reader.text(row.values.get("title_en"))}
        try:
            values["due_date"] = reader.date(row.values.get("due_date"))
            values["done_date"] = reader.date(row.values.get("done_date"))
        except ValueError as exc:
            plan.errors.append(CellError(row.number, row.columns.get("due_date", "D"), str(exc)))
            continue
        result = MilestoneRow(number=row.number, item_code=code, title_zh=title)
        milestone = existing.get((code, title))
        if milestone is None:
            result.action = CREATE
            result.values = values
            result.changes = [[k, "", str(v)] for k, v in values.items() if v]
        else:
            result.pk = milestone.pk
            for name, value in values.items():
                old = getattr(milestone, name)
                if (old or "") != (value or ""):
                    result.values[name] = value
                    result.changes.append([name, str(old or ""), str(value or "")])
            result.action = UPDATE if result.changes else UNCHANGED
        plan.milestones.append(result)


def make_plan(workbook: reader.Workbook, *, progress=None) -> Plan:
    plan = Plan(ignored=workbook.items.ignored)
    codes = [reader.text(row.values.get("code")) for row in workbook.items.rows]
    lookups = Lookups([code for code in codes if code])
    seen: dict[str, int] = {}
    parent_columns, date_columns = {}, {}
    for index, row in enumerate(workbook.items.rows):
        result = _item_row(row, lookups, plan, seen)
        if result is not None:
            plan.items.append(result)
            parent_columns[row.number] = row.columns.get("parent", "E")
            date_columns[row.number] = row.columns.get("target_date", "P")
        if progress is not None and index % 200 == 199:
            progress(index + 1)
    _check_dates(plan.items, lookups, plan, date_columns)
    _check_parents(plan.items, lookups, plan, parent_columns)
    if workbook.milestones is not None:
        _milestone_rows(workbook.milestones, lookups, plan, {row.code for row in plan.items})
    plan.lookups = lookups
    return plan
