"""The item list's filters: every parameter lives in the URL, so a view can be bookmarked.

``ItemFilter`` is shared by the item list and the exports; the dashboard links to these
parameters. Pass ``request`` (``mine=1`` needs the user) and a queryset from
``selectors.item_list_queryset`` or ``selectors.item_queryset``; the flags that ``overdue``
and ``stale`` need are annotated here when missing.
"""

import time

import django_filters
from django import forms
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from . import permissions, selectors
from .agreement.selectors import clause_choices, items_implementing
from .choices import Category, City, Health, Status
from .models import Agreement, Clause, CooperationItem, Organization
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


# --- the long lists of the filter form, kept --------------------------------------------------
# The organisation, clause and agreement lists (some 300 options) were read and labelled on
# every view of the item list: three queries and 300 model instances, a third of the page's
# time. They change when an administrator edits one of those tables, so each process keeps
# them per language for at most KEPT_CHOICES_SECONDS, and forgets them at once when it saves
# or deletes a row of them itself, and again when that write commits.
KEPT_CHOICES_SECONDS = 30
# A rendered filter form is kept as long (views.items: ``filter_form_key``); made from lists
# at most that old, it shows an edit made in another process within a minute in all.
_kept_choices: dict[tuple, tuple[float, list]] = {}
_kept_version = [0]  # counts this process's edits of those tables: it names a rendered form


def kept_version() -> int:
    """Changes when this process forgets its kept lists (the item list's form cache key)."""
    return _kept_version[0]


class KeptChoiceIterator(django_filters.fields.ModelChoiceIterator):
    """The field's choices as ``(pk, label)``, read at most once per period and language."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self._choices()

    def __len__(self):
        return len(self._choices()) + (1 if self.field.empty_label is not None else 0)

    def __bool__(self):
        return self.field.empty_label is not None or bool(self._choices())

    def _choices(self) -> list:
        key = (self.field.kept_as, get_language())
        now = time.monotonic()
        kept = _kept_choices.get(key)
        if kept is None or now - kept[0] > KEPT_CHOICES_SECONDS:
            choices = [(obj.pk, self.field.label_from_instance(obj)) for obj in self.queryset]
            kept = _kept_choices[key] = (now, choices)
        return kept[1]


def kept_short_names(*, missing=()) -> dict[int, str]:
    """Organisation id → short name in the active language, kept like the filter lists (the
    item list's rows name their leads from it); read again when one of ``missing`` is not
    in it (an organisation another process has just added)."""
    key = ("short-names", get_language())
    now = time.monotonic()
    kept = _kept_choices.get(key)
    if kept is None or now - kept[0] > KEPT_CHOICES_SECONDS or not kept[1].keys() >= missing:
        names = {org.pk: org.short_name for org in Organization.objects.all()}
        kept = _kept_choices[key] = (now, names)
    return kept[1]


class KeptModelChoiceField(django_filters.fields.ModelChoiceField):
    """A model choice whose list is kept (``KeptChoiceIterator``); ``kept_as`` names it."""

    iterator = KeptChoiceIterator

    def __init__(self, *args, kept_as: str, **kwargs):
        self.kept_as = kept_as
        super().__init__(*args, **kwargs)


class OrganizationChoiceField(KeptModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.get_city_display()} · {obj.short_name}"


class KeptModelChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = KeptModelChoiceField


class OrganizationFilter(KeptModelChoiceFilter):
    field_class = OrganizationChoiceField


@receiver(post_save, sender=Organization)
@receiver(post_delete, sender=Organization)
@receiver(post_save, sender=Agreement)
@receiver(post_delete, sender=Agreement)
@receiver(post_save, sender=Clause)
@receiver(post_delete, sender=Clause)
def _forget_kept_choices(sender, **kwargs):
    """At once (this thread reads its own write), and again when the write is committed:
    another thread may have read the old rows in between and kept them."""
    _forget()
    transaction.on_commit(_forget)


def _forget():
    _kept_choices.clear()
    _kept_version[0] += 1


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
    agreement = KeptModelChoiceFilter(
        queryset=Agreement.objects.all(),
        kept_as="agreement",
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
        kept_as="organization",
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
    clause = KeptModelChoiceFilter(
        queryset=clause_choices(),
        kept_as="clause",
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
        if queryset is None:  # the item list: its rows need ``lights.decorate``
            queryset = selectors.item_rows_queryset(user=request.user)
        annotations = queryset.query.annotations
        if "rolled_up_progress" not in annotations:  # (the sorts read these two)
            queryset = selectors.with_rollup(queryset)
        if "last_reported_at" not in annotations:
            queryset = selectors.with_last_report(queryset)
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

    # The flags are conditions here, not columns: the rows that show them read their facts
    # (``selectors.item_page_queryset``), and an unused flag in the SELECT cost every page.
    def filter_overdue(self, queryset, name, value: bool):
        return queryset.filter(selectors.overdue_condition())

    def filter_light(self, queryset, name, value):
        if not value:
            return queryset
        if "light" not in queryset.query.annotations:
            queryset = lights.with_lights(queryset, select=False)
        return queryset.filter(light__in=value)

    def filter_awaiting_review(self, queryset, name, value: bool):
        from .supervision.selectors import awaiting_review_condition

        return queryset.filter(awaiting_review_condition())

    def filter_awaiting_confirmation(self, queryset, name, value: bool):
        from .supervision.selectors import awaiting_confirmation_condition

        return queryset.filter(awaiting_confirmation_condition())

    def filter_stale(self, queryset, name, value: bool):
        days = self.form.cleaned_data.get("stale_days")
        if "stale_since" not in queryset.query.annotations:
            queryset = selectors.with_stale_since(queryset, select=False)
        return queryset.filter(selectors.stale_condition(None if days is None else int(days)))

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
