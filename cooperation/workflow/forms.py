"""Forms of the loop: reasons, comments, evidence, preferences."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cooperation.choices import NoticeKind
from cooperation.models.workflow import COMMENT_MAX_LENGTH

from .reviews import REASON_MAX_LENGTH

ACCEPT = ",".join(
    f".{ext}"
    for ext in [
        "pdf",
        "png",
        "jpg",
        "jpeg",
        "gif",
        "webp",
        "doc",
        "docx",
        "xls",
        "xlsx",
        "ppt",
        "pptx",
        "wps",
        "odt",
        "ods",
        "zip",
    ]
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    """Several files in one input (Django's documented pattern); checked in evidence.py."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [f for f in data if f]
        return [data] if data else []


class EvidenceForm(forms.Form):
    evidence = EvidenceField(
        label=_("Evidence files"),
        required=False,
        help_text=_(
            "PDF, images, Office documents or ZIP, at most %(max)s MB each. A completion "
            "request needs at least one."
        ),
        widget=MultipleFileInput(attrs={"accept": ACCEPT}),
    )

    def __init__(self, *args, max_mb: int = 20, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].help_text = self.fields["evidence"].help_text % {"max": max_mb}


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("accept", _("Accept")), ("return", _("Return"))], widget=forms.HiddenInput
    )
    reason = forms.CharField(
        label=_("Reason for returning"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for refusing"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"),
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Mention someone with @ and their user name; they are notified."),
    )
    status_update = forms.IntegerField(required=False, widget=forms.HiddenInput)


class PreferenceForm(forms.Form):
    by_email = forms.BooleanField(label=_("By e-mail"), required=False)
    in_app = forms.BooleanField(label=_("In the notification list"), required=False)
    by_chat = forms.BooleanField(
        label=_("By chat robot"),
        required=False,
        help_text=_("Only when a chat robot is configured."),
    )
    digest_time = forms.TimeField(
        label=_("Daily digest at"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    immediate_kinds = forms.MultipleChoiceField(
        label=_("Sent at once (the rest comes in the daily digest)"),
        choices=NoticeKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
