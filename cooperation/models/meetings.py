import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cooperation.choices import (
    Category,
    Channel,
    City,
    MeetingState,
    ReminderKind,
    ReminderState,
    Tier,
)
from cooperation.urlpaths import pk_url

from .base import BilingualMixin, HistoricalRecords
from .items import CooperationItem
from .organizations import Organization

# A meeting's date lies between the agreement's signing and this many years ahead: a typo
# such as year 9999 is refused with a clear error instead of breaking every page that shows
# the meeting. The texts of a meeting are bounded like the fields of a status report.
MEETING_EARLIEST = datetime.date(2020, 5, 13)
MEETING_YEARS_AHEAD = 5
AGENDA_MAX = 4000
MINUTES_MAX = 20000
DECISIONS_MAX = 4000


def meeting_date_bounds(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    today = today or timezone.localdate()
    try:
        latest = today.replace(year=today.year + MEETING_YEARS_AHEAD)
    except ValueError:  # 29 February
        latest = today.replace(year=today.year + MEETING_YEARS_AHEAD, day=28)
    return MEETING_EARLIEST, latest


def meeting_date_error(day: datetime.date) -> ValidationError | None:
    """The translated error for a meeting date outside the window, or None."""
    earliest, latest = meeting_date_bounds()
    if earliest <= day <= latest:
        return None
    return ValidationError(
        _("Choose a date between %(earliest)s and %(latest)s."),
        code="date_out_of_range",
        params={"earliest": earliest.isoformat(), "latest": latest.isoformat()},
    )


def default_reminder_offsets() -> list[int]:
    return [14, 3, 1]


def default_scope() -> list[str]:
    return [c.value for c in Category]


class ConsultationMechanism(BilingualMixin, models.Model):
    """One of the agreement's standing consultations and how often it meets."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    tier = models.CharField(_("tier"), max_length=32, choices=Tier.choices, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=300, blank=True)
    agreement = models.ForeignKey(
        "cooperation.Agreement",
        on_delete=models.PROTECT,
        related_name="mechanisms",
        verbose_name=_("agreement"),
    )
    recurrence = models.CharField(
        _("recurrence rule"),
        max_length=200,
        help_text=_("An RFC 5545 rule, e.g. FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=15."),
    )
    anchor_date = models.DateField(
        _("first date"), help_text=_("The recurrence counts from this date.")
    )
    default_time = models.TimeField(_("default time of day"), default=datetime.time(9, 30))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=120)
    first_host_city = models.CharField(
        _("first host city"),
        max_length=16,
        choices=City.choices,
        default=City.CHENGDU,
        help_text=_("Chengdu and Yibin take turns; this city hosts meeting number 1."),
    )
    participant_organizations = models.ManyToManyField(
        Organization,
        related_name="mechanisms",
        blank=True,
        verbose_name=_("participating organisations"),
    )
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="mechanisms",
        blank=True,
        verbose_name=_("participants"),
    )
    reminder_offsets_days = models.JSONField(
        _("reminder offsets (days before)"), default=default_reminder_offsets
    )
    status_call_offset_days = models.PositiveSmallIntegerField(
        _("status call (days before)"), default=21
    )
    scope_categories = models.JSONField(_("categories in scope"), default=default_scope)
    is_active = models.BooleanField(_("active"), default=True)
    source_note = models.TextField(_("source and confidence"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("consultation mechanism")
        verbose_name_plural = _("consultation mechanisms")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.localized("name")

    def get_absolute_url(self) -> str:
        return reverse("cooperation:meeting_list") + f"?mechanism={self.pk}"

    def clean(self) -> None:
        from dateutil.rrule import rrulestr

        try:
            rrulestr(self.recurrence, dtstart=datetime.datetime(2000, 1, 1))
        except (ValueError, TypeError) as exc:
            raise ValidationError(
                {"recurrence": _("This is not a valid RFC 5545 recurrence rule.")}
            ) from exc
        offsets = self.reminder_offsets_days
        if not isinstance(offsets, list) or not all(
            isinstance(day, int) and 0 <= day <= 366 for day in offsets
        ):
            raise ValidationError(
                {"reminder_offsets_days": _("Give whole numbers of days, e.g. [14, 3, 1].")}
            )


class Meeting(models.Model):
    mechanism = models.ForeignKey(
        ConsultationMechanism,
        on_delete=models.PROTECT,
        related_name="meetings",
        verbose_name=_("mechanism"),
    )
    sequence = models.PositiveIntegerField(
        _("number"),
        null=True,
        blank=True,
        help_text=_("Position in the recurrence; empty for an extra meeting outside the rule."),
    )
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    planned_for = models.DateField(
        _("date by the rule"), help_text=_("The date the recurrence rule gives, before holidays.")
    )
    location = models.CharField(_("location"), max_length=200, blank=True)
    host_city = models.CharField(_("host city"), max_length=16, choices=City.choices)
    state = models.CharField(
        _("state"), max_length=16, choices=MeetingState.choices, default=MeetingState.PLANNED
    )
    agenda = models.TextField(_("agenda"), blank=True, validators=[MaxLengthValidator(AGENDA_MAX)])
    minutes = models.TextField(
        _("minutes"), blank=True, validators=[MaxLengthValidator(MINUTES_MAX)]
    )
    decisions = models.TextField(
        _("decisions"), blank=True, validators=[MaxLengthValidator(DECISIONS_MAX)]
    )
    manually_scheduled = models.BooleanField(
        _("set by a person"),
        default=False,
        help_text=_("Planning never moves a meeting that a person confirmed or rescheduled."),
    )
    holiday_data_missing = models.BooleanField(
        _("holiday data missing"),
        default=False,
        help_text=_("No official holiday calendar for that year: only weekends were avoided."),
    )
    revision = models.PositiveIntegerField(
        _("revision"),
        default=0,
        editable=False,
        help_text=_("Goes up with every reschedule or cancellation (the calendar SEQUENCE)."),
    )
    cancellation_reason = models.TextField(_("reason for cancelling"), blank=True)
    briefing_snapshot = models.JSONField(_("frozen briefing pack"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at", "briefing_snapshot"])

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.UniqueConstraint(
                fields=["mechanism", "sequence"],
                name="meeting_unique_sequence",
                violation_error_message=_("This mechanism already has a meeting with that number."),
            )
        ]
        indexes = [models.Index(fields=["state", "starts_at"])]

    def __str__(self) -> str:
        if self.sequence is None:
            return _("%(mechanism)s, extra meeting") % {"mechanism": self.mechanism}
        return _("%(mechanism)s No. %(number)s") % {
            "mechanism": self.mechanism,
            "number": self.sequence,
        }

    def get_absolute_url(self) -> str:
        return pk_url("cooperation:meeting_detail", self.pk)

    @property
    def ends_at(self) -> datetime.datetime:
        return self.starts_at + datetime.timedelta(minutes=self.mechanism.duration_minutes)

    def clean(self) -> None:
        if self.starts_at is not None:
            error = meeting_date_error(timezone.localdate(self.starts_at))
            if error is not None:
                raise ValidationError({"starts_at": error})


class BriefingPage(models.Model):
    """A frozen briefing pack's page as it was rendered when the pack was frozen, once per
    language: the frozen copy is shown from here, without being worked out again from
    ``Meeting.briefing_snapshot`` (which the XLSX and readers who see fewer items use)."""

    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.CASCADE,
        related_name="briefing_pages",
        verbose_name=_("meeting"),
    )
    language = models.CharField(_("language"), max_length=10)
    html = models.TextField(_("page content"))
    rendered_at = models.DateTimeField(_("rendered"), default=timezone.now)

    class Meta:
        verbose_name = _("frozen briefing page")
        verbose_name_plural = _("frozen briefing pages")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "language"], name="briefing_page_unique_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.meeting} ({self.language})"


class Reminder(models.Model):
    """The outbox: one row per message to send, claimed atomically, sent at most once."""

    key = models.CharField(
        _("key"),
        max_length=200,
        unique=True,
        help_text=_("What makes this one reminder: kind, subject, recipient and slot."),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=ReminderKind.choices)
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.EMAIL
    )
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
        verbose_name=_("meeting"),
    )
    item = models.ForeignKey(
        CooperationItem,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
        verbose_name=_("item"),
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
        verbose_name=_("recipient"),
    )
    robot = models.ForeignKey(
        "cooperation.ChatRobot",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
        verbose_name=_("group robot"),
    )
    due_at = models.DateTimeField(_("due at"))
    state = models.CharField(
        _("state"), max_length=16, choices=ReminderState.choices, default=ReminderState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    claimed_by = models.CharField(_("claimed by"), max_length=200, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    context = models.JSONField(_("context"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["claimed_at", "claimed_by"])

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        indexes = [
            models.Index(fields=["state", "due_at"], name="reminder_due_idx"),
            models.Index(fields=["meeting", "kind"]),
            models.Index(fields=["item", "kind", "due_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(meeting__isnull=False)
                | Q(item__isnull=False)
                | Q(kind=ReminderKind.DIGEST),
                name="reminder_has_subject",
                violation_error_message=_(
                    "A reminder is about a meeting or an item (a daily digest excepted)."
                ),
            )
        ]

    def __str__(self) -> str:
        due = timezone.localtime(self.due_at)
        return f"{self.get_kind_display()} → {self.recipient} @ {due:%Y-%m-%d %H:%M}"


class Notification(models.Model):
    """An in-app message in a user's notification list."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("user"),
    )
    reminder = models.OneToOneField(
        Reminder, on_delete=models.SET_NULL, null=True, blank=True, related_name="notification"
    )
    # What the notification says, rendered in the reader's language when read
    # (cooperation/notifications.py); title and body keep its text in the user's language.
    kind = models.CharField(_("kind"), max_length=64, blank=True, db_default="")
    params = models.JSONField(_("parameters"), default=dict, blank=True, db_default={})
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.title
