"""Bulk edit of items for supervisors: leads, target date or category of many items at once.

Each item goes through ``services.item_update`` (row lock, version, validation, one history
row per item with the reason "Bulk edit"); all items or none.
"""

from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from . import permissions
from .choices import Category, City
from .models import CooperationItem, Organization
from .services import item_update

REASON = gettext_noop("Bulk edit")
FIELDS = ("chengdu_lead", "yibin_lead", "target_date", "category")


class BulkEditForm(forms.Form):
    items = forms.ModelMultipleChoiceField(
        queryset=CooperationItem.objects.none(), widget=forms.MultipleHiddenInput
    )
    chengdu_lead = forms.ModelChoiceField(
        queryset=Organization.objects.filter(city=City.CHENGDU).order_by("name_zh"),
        required=False,
        label=gettext_lazy("Chengdu lead"),
        empty_label=gettext_lazy("(leave as it is)"),
    )
    yibin_lead = forms.ModelChoiceField(
        queryset=Organization.objects.filter(city=City.YIBIN).order_by("name_zh"),
        required=False,
        label=gettext_lazy("Yibin lead"),
        empty_label=gettext_lazy("(leave as it is)"),
    )
    target_date = forms.DateField(
        required=False,
        label=gettext_lazy("Target date"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    category = forms.ChoiceField(
        choices=[("", gettext_lazy("(leave as it is)")), *Category.choices],
        required=False,
        label=gettext_lazy("Category"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = permissions.restrict_items(user, "change")

    def clean(self):
        data = super().clean()
        if not any(data.get(name) for name in FIELDS):
            raise ValidationError(_("Choose at least one thing to set."), code="nothing")
        return data

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in FIELDS if self.cleaned_data.get(name)}


@dataclass
class BulkChange:
    item: CooperationItem
    changes: list[tuple[str, str, str]]  # label, old, new


def _shown(item, name) -> str:
    if name == "category":
        return item.get_category_display()
    value = getattr(item, name)
    if value is None:
        return "—"
    return value.short_name if isinstance(value, Organization) else str(value)


def _check_dates(item, values: dict) -> None:
    """The model's start/target constraint, checked before the database would refuse it
    (``item_update`` validates only the fields it changes)."""
    target = values.get("target_date")
    if target and item.start_date and target < item.start_date:
        raise ValidationError(_("The target date cannot be before the start date."))


def items_bulk_update(*, items, user, fields: dict) -> list[BulkChange]:
    """Set ``fields`` (model field → value) on each item; all or none. What changed, per item."""
    values = {
        (f"{k}_id" if k in ("chengdu_lead", "yibin_lead") else k): getattr(v, "pk", v)
        for k, v in fields.items()
    }
    summary = []
    with transaction.atomic():
        for item in items.select_related("chengdu_lead", "yibin_lead").order_by(
            "sort_order", "code"
        ):
            before = {name: _shown(item, name) for name in fields}
            try:
                _check_dates(item, values)
                changed = item_update(item=item, user=user, reason=REASON, fields=values)
            except ValidationError as exc:
                raise ValidationError(
                    _("%(code)s: %(errors)s")
                    % {"code": item.code, "errors": " ".join(exc.messages)}
                ) from exc
            if changed:
                item.refresh_from_db(fields=["chengdu_lead", "yibin_lead"])
                names = [n.removesuffix("_id") for n in changed]
                summary.append(
                    BulkChange(
                        item=item,
                        changes=[
                            (
                                str(CooperationItem._meta.get_field(n).verbose_name),
                                before[n],
                                _shown(item, n),
                            )
                            for n in names
                        ],
                    )
                )
    return summary
