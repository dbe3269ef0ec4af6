from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .period import Period, current_quarter, recent_periods

KIND_LABELS = {
    "quarter": _("Quarters"),
    "half": _("Half-years"),
    "year": _("Years"),
    "month": _("Months"),
}
REPORT_KINDS = ("quarter", "half", "year")  # one per consultation tier


class PeriodForm(forms.Form):
    """A period that has begun: a quarter, a half-year or a year (or, for exports, a month)."""

    period = forms.ChoiceField(
        label=_("Period"),
        error_messages={
            "required": _("Choose a period."),
            "invalid_choice": _(
                "Choose a period between the agreement's signing (May 2020) and today from "
                "the list."
            ),
        },
    )

    def __init__(self, *args, kinds=("quarter",), **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = kinds
        today = timezone.localdate()
        groups = [
            (KIND_LABELS[kind], [(p.key, str(p)) for p in recent_periods(kind, today)])
            for kind in kinds
        ]
        field = self.fields["period"]
        field.choices = groups[0][1] if len(groups) == 1 else groups
        field.initial = current_quarter().key
        field.widget.attrs["class"] = "form-select"

    def clean_period(self) -> Period:
        period = Period.parse(self.cleaned_data["period"])
        if period.kind not in self.kinds:
            raise forms.ValidationError(self.fields["period"].error_messages["invalid_choice"])
        return period
