"""The item list's filters: every parameter lives in the URL, so a view can be bookmarked.

``ItemFilter`` is shared by the item list and the exports; the dashboard links to these
parameters. Pass ``request`` (``mine=1`` needs the user) and a queryset from
``selectors.item_list_queryset`` or ``selectors.item_queryset``; the flags that ``overdue``
and ``stale`` need are annotated here when missing.
"""

import django_filters
from django import forms
from django.conf import settings
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext_lazy as _

from . import permissions, selectors
from .agreement.selectors import clause_choices, items_implementing
from .choices import Category, City, Health, Status
from .models import Agreement, CooperationItem, Organization
from .models.base import is_english
from .supervision import lights
from .widgets import CompactSelect

PAGE_SIZE = 50

# sort=<key> → ordering; the primary key last keeps pages stable.
SORTS = {
    "code": (F("sort_order").asc(), F("code").asc()),
    "-code": (F("sort_order").desc(), F("code").desc()),
    "title": (F("title_zh").asc(),),
    "progress": (F("rolled_up_progress").asc(), F("sort_order").asc()),
    "-progress": (F("rolled_up_progress").desc(), F("sort_order").asc()),
    "target_date": (F("target_date").asc(nulls_last=True), F("sort_order").asc()),
    "-target_date": (F("target_date").desc(nulls_last=True), F("sort_order").asc()),
    "last_reported_at": (F("last_reported_at").asc(nulls_first=True), F("sort_order").asc()),
    "-last_reported_at": (F("last_reported_at").desc(nulls_last=True), F("sort_order").asc()),
    "status": (F("status").asc(), F("sort_order").asc()),
    "health": (F("health").desc(), F("sort_order").asc()),
}
SORT_CHOICES = [
    ("code", _("Code")),
    ("-progress", _("Progress, highest first")),
    ("progress", _("Progress, lowest first")),
    ("target_date", _("Target date, earliest first")),
    ("-target_date", _("Target date, latest first")),
    ("last_reported_at", _("Last report, oldest first")),
    ("-last_reported_at", _("Last report, newest first")),
    ("-code", _("Code, descending")),
    ("title", _("Title")),
    ("status", _("Status")),
    ("health", _("Health")),
]
SELECT = CompactSelect(attrs={"class": "form-select"})
CHECKBOXES = forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})
CITY_CHOICES = [(City.CHENGDU.value, City.CHENGDU.label), (City.YIBIN.value, City.YIBIN.label)]


class FlagInput(forms.CheckboxInput):
    """A checkbox that submits ``1``; off (absent, ``0``, ``false``) reads as "no filter"."""

    def __init__(self, attrs=None):
        super().__init__(attrs={"value": "1", "class": "form-check-input", **(attrs or {})})

    def value_from_datadict(self, data, files, name):
        value = str(data.get(name, "")).strip().lower()
        return True if value not in {"", "0", "false", "off", "none"} else None


class FlagFilter(django_filters.Filter):
    """``name=1`` turns the filter on; anything else leaves the list unfiltered."""

    field_class = forms.NullBooleanField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", FlagInput)
        super().__init__(*args, **kwargs)


class OrganizationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.get_city_display()} · {obj.short_name}"


class OrganizationFilter(django_filters.ModelChoiceFilter):
    field_class = OrganizationChoiceField


def organizations():
    return Organization.objects.order_by("city", "short_name_zh", "name_zh")


class ItemFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_text",
        label=_("Search"),
        max_length=100,
        # Short enough for the narrow filter column; the rest said below the field.
        help_text=_("Titles in Chinese or English."),
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "class": "form-control",
                "placeholder": _("Code or title"),
            }
        ),
    )
    agreement = django_filters.ModelChoiceFilter(
        queryset=Agreement.objects.all(),
        label=_("Agreement"),
        empty_label=_("All agreements"),
        widget=SELECT,
    )
    category = django_filters.ChoiceFilter(
        choices=Category.choices,
        label=_("Category"),
        empty_label=_("All categories"),
        widget=SELECT,
    )
    city = django_filters.ChoiceFilter(
        choices=CITY_CHOICES,
        method="filter_city",
        label=_("City side"),
        empty_label=_("Both cities"),
        widget=SELECT,
    )
    organization = OrganizationFilter(
        queryset=organizations(),
        method="filter_organization",
        label=_("Lead or co-owner"),
        empty_label=_("All organisations"),
        widget=SELECT,
    )
    # distinct=False: a filter on the item's own column cannot repeat a row, and DISTINCT
    # would make PostgreSQL compute every row's roll-up and flags before paginating.
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, label=_("Status"), widget=CHECKBOXES, distinct=False
    )
    health = django_filters.MultipleChoiceFilter(
        choices=Health.choices, label=_("Health"), widget=CHECKBOXES, distinct=False
    )
    clause = django_filters.ModelChoiceFilter(
        queryset=clause_choices(),
        field_name="clauses",  # the model field the API schema reads the type from
        method="filter_clause",
        label=_("Agreement clause"),
        empty_label=_("All clauses"),
        widget=SELECT,
    )
    overdue = FlagFilter(method="filter_overdue", label=_("Overdue"))
    light = django_filters.MultipleChoiceFilter(
        choices=lights.Light.choices,
        method="filter_light",
        label=_("Light"),
        widget=CHECKBOXES,
    )
    stale = FlagFilter(method="filter_stale", label=_("No update recently"))
    never_reported = FlagFilter(method="filter_never_reported", label=_("Never reported"))
    stale_days = django_filters.NumberFilter(
        method="filter_nothing",
        label=_("Days without an update"),
        min_value=1,
        max_value=3650,
        widget=forms.HiddenInput,
    )
    awaiting_review = FlagFilter(method="filter_awaiting_review", label=_("Report awaiting review"))
    awaiting_confirmation = FlagFilter(
        method="filter_awaiting_confirmation", label=_("Completion awaiting confirmation")
    )
    mine = FlagFilter(method="filter_mine", label=_("My organisation's items"))
    top = FlagFilter(field_name="parent", lookup_expr="isnull", label=_("Top-level items only"))
    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES,
        method="filter_sort",
        label=_("Sort by"),
        empty_label=None,
        widget=SELECT,
    )

    class Meta:
        model = CooperationItem
        fields = []

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        if queryset is None:  # the item list, whose rows show the light
            queryset = lights.with_lights(selectors.item_list_queryset(user=request.user))
        annotations = queryset.query.annotations
        if "rolled_up_progress" not in annotations:
            queryset = selectors.with_rollup(queryset)
        if "last_reported_at" not in annotations:
            queryset = selectors.with_last_report(queryset)
        if "is_overdue" not in annotations:
            queryset = selectors.with_attention_flags(queryset)
        super().__init__(data, queryset, request=request, prefix=prefix)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("sort"):
            queryset = queryset.order_by(*SORTS["code"], "pk")
        return queryset

    # --- the filter methods ----------------------------------------------------------------

    def filter_text(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(
                Q(code__icontains=word) | Q(title_zh__icontains=word) | Q(title_en__icontains=word)
            )
        return queryset

    def filter_city(self, queryset, name, value):
        return queryset.filter(Q(chengdu_lead__city=value) | Q(yibin_lead__city=value))

    def filter_organization(self, queryset, name, value: int):
        owned = CooperationItem.objects.filter(permissions.ownership_q([value.pk])).values("pk")
        return queryset.filter(pk__in=owned)

    def filter_clause(self, queryset, name, value):
        """Items implementing the clause or one of its sub-clauses (traceability)."""
        return items_implementing(queryset, value)

    def filter_overdue(self, queryset, name, value: bool):
        return queryset.filter(is_overdue=True)

    def filter_light(self, queryset, name, value):
        if not value:
            return queryset
        if "light" not in queryset.query.annotations:  # (only the list's rows show it)
            queryset = lights.with_lights(queryset)
        return queryset.filter(light__in=value)

    def filter_awaiting_review(self, queryset, name, value: bool):
        from .supervision.selectors import awaiting_review_condition

        return queryset.filter(awaiting_review_condition())

    def filter_awaiting_confirmation(self, queryset, name, value: bool):
        from .supervision.selectors import awaiting_confirmation_condition

        return queryset.filter(awaiting_confirmation_condition())

    def filter_stale(self, queryset, name, value: bool):
        days = self.form.cleaned_data.get("stale_days")
        if days is None or days == settings.CHENGYI_STALE_DAYS:
            return queryset.filter(is_stale=True)
        return queryset.filter(selectors.stale_condition(int(days)))

    def filter_never_reported(self, queryset, name, value: bool):
        return queryset.filter(selectors.never_reported_condition())

    def filter_mine(self, queryset, name, value: bool):
        user = getattr(self.request, "user", None)
        org_ids = permissions.organization_ids(user) if user is not None else set()
        return permissions.owned_items(org_ids, queryset)

    def filter_sort(self, queryset, name, value):
        if value == "title" and is_english():
            english_first = Coalesce(NullIf("title_en", Value("")), "title_zh")
            return queryset.order_by(english_first.asc(), "pk")
        return queryset.order_by(*SORTS[value], "pk")

    def filter_nothing(self, queryset, name, value):
        return queryset
