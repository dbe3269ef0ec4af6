"""The slip list's filters (in the URL, so a list can be bookmarked and linked to)."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from cooperation import permissions
from cooperation.models.supervision import (
    OPEN_STATES,
    SlipCause,
    SlipColour,
    SlipState,
    SupervisionSlip,
)
from cooperation.widgets import CompactSelect

SELECT = CompactSelect(attrs={"class": "form-select"})
# "open" is open or answered (the slips still running); each state's own code otherwise.
STATE_CHOICES = [
    ("open", _("Open or answered")),
    *[(value, label) for value, label in SlipState.choices if value != SlipState.OPEN],
]


class SlipFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(
        choices=STATE_CHOICES,
        method="filter_state",
        label=_("State"),
        empty_label=_("All states"),
        widget=SELECT,
    )
    colour = django_filters.ChoiceFilter(
        choices=SlipColour.choices, label=_("Colour"), empty_label=_("All colours"), widget=SELECT
    )
    cause = django_filters.ChoiceFilter(
        choices=SlipCause.choices, label=_("Cause"), empty_label=_("All causes"), widget=SELECT
    )
    organization = django_filters.NumberFilter(
        field_name="addressed_to",
        label=_("Addressed to"),
        widget=forms.HiddenInput,
        min_value=1,
        max_value=2**31 - 1,
        decimal_places=0,
    )
    item = django_filters.NumberFilter(
        field_name="item",
        widget=forms.HiddenInput,
        min_value=1,
        max_value=2**31 - 1,
        decimal_places=0,
    )
    issued_after = django_filters.DateFilter(
        field_name="issued_at", lookup_expr="date__gte", widget=forms.HiddenInput
    )
    issued_before = django_filters.DateFilter(
        field_name="issued_at", lookup_expr="date__lt", widget=forms.HiddenInput
    )
    mine = django_filters.BooleanFilter(
        method="filter_mine",
        label=_("Addressed to my organisation"),
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    class Meta:
        model = SupervisionSlip
        fields = []

    def filter_state(self, queryset, name, value):
        if value == "open":
            return queryset.filter(state__in=OPEN_STATES)
        return queryset.filter(state=value)

    def filter_mine(self, queryset, name, value):
        if not value:
            return queryset
        orgs = permissions.organization_ids(self.request.user)
        return queryset.filter(addressed_to__in=orgs).distinct()
