"""Forms: input parsing and the checks a user can fix. The rules of the domain live in
services.py; a view turns a service's ValidationError into messages next to the fields."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from .choices import Health, Status, allowed_next_statuses
from .models import CooperationItem, Milestone
from .submissions import token_field

NARRATIVE_MAX = 4000
RISKS_MAX = 2000
NEXT_STEPS_MAX = 2000
TITLE_MAX = 300
INCOMPLETE_FORM = _("The form was incomplete. Reload the page and enter your report again.")
EARLIEST_DATE = datetime.date(2020, 1, 1)
LATEST_DATE = datetime.date(2050, 12, 31)


def textarea(rows: int, max_length: int, **attrs) -> forms.Textarea:
    return forms.Textarea(
        attrs={"rows": rows, "maxlength": max_length, "class": "form-control", **attrs}
    )


def mark_invalid(form: forms.Form) -> None:
    """Bootstrap's invalid style and aria attributes on the fields that have errors."""
    for name in form.errors:
        if name not in form.fields:
            continue
        widget = form.fields[name].widget
        css = widget.attrs.get("class", "")
        if "is-invalid" not in css:
            widget.attrs["class"] = f"{css} is-invalid".strip()
        widget.attrs["aria-invalid"] = "true"
        described = [f"id_{name}_error"]
        if form.fields[name].help_text:
            described.insert(0, f"id_{name}_helptext")
        widget.attrs["aria-describedby"] = " ".join(described)


class StatusUpdateForm(forms.Form):
    """A coordinator's report. Field names follow the StatusUpdate model."""

    status = forms.ChoiceField(
        label=_("Status"), widget=forms.Select(attrs={"class": "form-select"})
    )
    health = forms.ChoiceField(
        label=_("Health"),
        # A report assesses the item: "not assessed" is only where an item starts.
        choices=[c for c in Health.choices if c[0] != Health.NOT_ASSESSED],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    progress = forms.IntegerField(
        label=_("Progress (%)"),
        min_value=0,
        max_value=100,
        error_messages={
            "invalid": _("Enter progress as a whole number from 0 to 100."),
            "min_value": _("Progress cannot be below 0."),
            "max_value": _("Progress cannot be above 100."),
            "required": _("Enter the progress, a whole number from 0 to 100."),
        },
        widget=forms.NumberInput(
            attrs={"class": "form-control", "step": 1, "min": 0, "max": 100, "inputmode": "numeric"}
        ),
    )
    narrative = forms.CharField(
        label=_("Progress narrative"),
        required=False,
        max_length=NARRATIVE_MAX,
        widget=textarea(5, NARRATIVE_MAX),
        help_text=_("What was done since the last report. Required when at risk or off track."),
    )
    risks = forms.CharField(
        label=_("Risks and blockers"),
        required=False,
        max_length=RISKS_MAX,
        widget=textarea(3, RISKS_MAX),
    )
    next_steps = forms.CharField(
        label=_("Next steps"),
        required=False,
        max_length=NEXT_STEPS_MAX,
        widget=textarea(3, NEXT_STEPS_MAX),
    )
    milestones_done = forms.ModelMultipleChoiceField(
        label=_("Milestones reached"),
        queryset=Milestone.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={
            "invalid_choice": _("This milestone is not an open milestone of this item."),
            "invalid_pk_value": _("This milestone is not an open milestone of this item."),
        },
    )
    submission_token = token_field()  # one form = one report (cooperation.submissions)
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={
            "required": INCOMPLETE_FORM,
            "invalid": INCOMPLETE_FORM,
            "min_value": INCOMPLETE_FORM,
        },
    )

    def __init__(self, *args, item: CooperationItem, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "status": item.status,
                "health": item.health,
                "progress": item.progress,
                "version": item.version,
            },
        )
        super().__init__(*args, **kwargs)
        self.item = item
        current = Status(item.status)
        self.fields["status"].choices = [
            (value, Status(value).label) for value in allowed_next_statuses(item.status)
        ]
        self.fields["status"].error_messages["invalid_choice"] = _(
            "An item that is “%(current)s” cannot change to this status. Choose one of the "
            "statuses offered."
        ) % {"current": current.label}
        open_milestones = item.milestones.filter(done_date__isnull=True).order_by(
            "sort_order", "due_date", "pk"
        )
        self.fields["milestones_done"].queryset = open_milestones
        self.fields["milestones_done"].label_from_instance = milestone_label

    def clean_narrative(self):
        return self.cleaned_data["narrative"].strip()


def milestone_label(milestone: Milestone) -> str:
    if milestone.due_date:
        return _("%(title)s (due %(date)s)") % {
            "title": milestone.title,
            "date": date_format(milestone.due_date),
        }
    return milestone.title


class MilestoneForm(forms.Form):
    title_zh = forms.CharField(
        label=_("Chinese title"),
        max_length=TITLE_MAX,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    title_en = forms.CharField(
        label=_("English title"),
        max_length=TITLE_MAX,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "lang": "en"}),
    )
    due_date = forms.DateField(
        label=_("Due date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )
    done_date = forms.DateField(
        label=_("Done on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
        help_text=_("Leave empty while the milestone is open."),
    )

    def __init__(self, *args, item: CooperationItem, milestone: Milestone | None = None, **kw):
        if milestone is not None:
            kw.setdefault(
                "initial",
                {
                    "title_zh": milestone.title_zh,
                    "title_en": milestone.title_en,
                    "due_date": milestone.due_date,
                    "done_date": milestone.done_date,
                },
            )
        super().__init__(*args, **kw)
        self.item = item

    def _check_range(self, name: str):
        value = self.cleaned_data.get(name)
        if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
            raise forms.ValidationError(
                _("Enter a date between %(start)s and %(end)s.")
                % {"start": EARLIEST_DATE.isoformat(), "end": LATEST_DATE.isoformat()}
            )
        return value

    def clean_title_zh(self):
        return self.cleaned_data["title_zh"].strip()

    def clean_title_en(self):
        return self.cleaned_data["title_en"].strip()

    def clean_due_date(self):
        return self._check_range("due_date")

    def clean_done_date(self):
        value = self._check_range("done_date")
        if value is not None and value > timezone.localdate():
            raise forms.ValidationError(_("A milestone cannot be done in the future."))
        return value
