from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .period import Period, current_quarter, recent_periods

KIND_LABELS = {"quarter": _("Quarters"), "month": _("Months"), "year": _("Years")}


class PeriodForm(forms.Form):
    """A period that has begun: a quarter, or (for exports) a month or a year."""

    period = forms.ChoiceField(
        label=_("Period"),
        error_messages={
            "required": _("Choose a period."),
            "invalid_choice": _("Choose a period between 2020 and today from the list."),
        },
    )

    def __init__(self, *args, kinds=("quarter",), **kwargs):
        super().__init__(*args, **kwargs)
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
        return Period.parse(self.cleaned_data["period"])
