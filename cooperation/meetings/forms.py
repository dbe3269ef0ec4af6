"""Forms of the meeting pages. They validate input; the services in this package decide."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cooperation.choices import City
from cooperation.forms import mark_invalid, textarea
from cooperation.models import ConsultationMechanism, Organization
from cooperation.models.meetings import (
    AGENDA_MAX,
    DECISIONS_MAX,
    MINUTES_MAX,
    meeting_date_error,
)
from cooperation.submissions import token_field

HOST_CITIES = [(City.CHENGDU.value, City.CHENGDU.label), (City.YIBIN.value, City.YIBIN.label)]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


class BootstrapForm(forms.Form):
    """Bootstrap's classes on every widget; invalid fields marked when shown again; a
    one-time token, so that a form sent twice saves once (cooperation.submissions)."""

    submission_token = token_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def mark_invalid(self) -> None:
        mark_invalid(self)


def apply_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form's fields (or above the form)."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class StartsAtMixin:
    """A date and a time of day, read as Beijing time; the date within the meetings' window."""

    def clean_date(self) -> datetime.date:
        day = self.cleaned_data["date"]
        error = meeting_date_error(day)
        if error is not None:
            raise error
        return day

    def starts_at(self) -> datetime.datetime:
        combined = datetime.datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"])
        return timezone.make_aware(combined)


class MeetingListFilterForm(forms.Form):
    """The meeting list's query string: an id is read by a form field, never by hand
    (``"²".isdigit()`` is true, ``int("²")`` fails); an invalid one shows every mechanism."""

    mechanism = forms.IntegerField(min_value=1, max_value=2**63 - 1, required=False)

    def mechanism_id(self) -> int | None:
        return self.cleaned_data.get("mechanism") if self.is_valid() else None


class MeetingCreateForm(StartsAtMixin, BootstrapForm):
    mechanism = forms.ModelChoiceField(
        label=_("Mechanism"), queryset=ConsultationMechanism.objects.filter(is_active=True)
    )
    date = forms.DateField(label=_("Date"), widget=DateInput)
    time = forms.TimeField(label=_("Time"), widget=TimeInput, initial=datetime.time(9, 30))
    host_city = forms.ChoiceField(label=_("Host city"), choices=HOST_CITIES)
    location = forms.CharField(label=_("Place"), max_length=200, required=False)
    agenda = forms.CharField(
        label=_("Agenda"), widget=textarea(4, AGENDA_MAX), max_length=AGENDA_MAX, required=False
    )


class MeetingRescheduleForm(StartsAtMixin, BootstrapForm):
    date = forms.DateField(label=_("New date"), widget=DateInput)
    time = forms.TimeField(label=_("New time"), widget=TimeInput)
    location = forms.CharField(label=_("Place"), max_length=200, required=False)


class MeetingDetailsForm(BootstrapForm):
    location = forms.CharField(label=_("Place"), max_length=200, required=False)
    agenda = forms.CharField(
        label=_("Agenda"), widget=textarea(6, AGENDA_MAX), max_length=AGENDA_MAX, required=False
    )


class MeetingCancelForm(BootstrapForm):
    reason = forms.CharField(
        label=_("Reason for cancelling"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("Say why the meeting is cancelled.")},
    )


class MinutesForm(BootstrapForm):
    minutes = forms.CharField(
        label=_("Minutes"),
        widget=textarea(10, MINUTES_MAX),
        max_length=MINUTES_MAX,
        required=False,
    )
    decisions = forms.CharField(
        label=_("Decisions"),
        widget=textarea(6, DECISIONS_MAX),
        max_length=DECISIONS_MAX,
        required=False,
    )


class DecisionForm(BootstrapForm):
    title_zh = forms.CharField(label=_("Chinese title"), max_length=300)
    title_en = forms.CharField(label=_("English title"), max_length=400, required=False)
    description_zh = forms.CharField(
        label=_("Chinese description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    chengdu_lead = forms.ModelChoiceField(
        label=_("Chengdu lead"), queryset=Organization.objects.filter(city=City.CHENGDU)
    )
    yibin_lead = forms.ModelChoiceField(
        label=_("Yibin lead"), queryset=Organization.objects.filter(city=City.YIBIN)
    )
    target_date = forms.DateField(label=_("Due date"), widget=DateInput)
