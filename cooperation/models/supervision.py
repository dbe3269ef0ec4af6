"""Three-colour supervision slips (三色督办单), their feedback, and their yearly numbering."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cooperation.urlpaths import pk_url

from .base import HistoricalRecords
from .items import CooperationItem
from .organizations import Organization


class SlipColour(models.TextChoices):
    BLUE = "blue", _("Blue slip")
    YELLOW = "yellow", _("Yellow slip")
    RED = "red", _("Red slip")


# An unanswered slip is followed by the next colour; red is the last.
NEXT_COLOUR = {SlipColour.BLUE: SlipColour.YELLOW, SlipColour.YELLOW: SlipColour.RED}


class SlipCause(models.TextChoices):
    DEADLINE_NEAR = "deadline_near", _("Deadline about to pass")
    BEHIND_SCHEDULE = "behind_schedule", _("Behind the time-elapsed line")
    REPORT_RETURNED_TWICE = "report_returned_twice", _("A report returned twice")
    ACKNOWLEDGEMENT_MISSED = "acknowledgement_missed", _("Acknowledgement missed")
    OVERDUE = "overdue", _("Overdue")


class SlipState(models.TextChoices):
    OPEN = "open", _("Open: feedback due")
    ANSWERED = "answered", _("Feedback received")
    CLOSED = "closed", _("Closed")


class SlipClosure(models.TextChoices):
    FEEDBACK_ACCEPTED = "feedback_accepted", _("Feedback accepted")
    BACK_ON_TIME = "back_on_time", _("The item is back on time")
    ESCALATED = "escalated", _("Unanswered: escalated to the next colour")
    ITEM_CLOSED = "item_closed", _("The item was completed or cancelled")


OPEN_STATES = (SlipState.OPEN, SlipState.ANSWERED)


class SlipNumber(models.Model):
    """The last number given in a year: issuing locks this row, so numbers have no gaps."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("slip number counter")
        verbose_name_plural = _("slip number counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class SupervisionSlip(models.Model):
    """督办单: a numbered demand to act on an item, addressed to organisations."""

    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("number"))
    item = models.ForeignKey(
        CooperationItem,
        on_delete=models.CASCADE,
        related_name="supervision_slips",
        verbose_name=_("item"),
    )
    colour = models.CharField(_("colour"), max_length=8, choices=SlipColour.choices)
    cause = models.CharField(_("cause"), max_length=32, choices=SlipCause.choices)
    occasion = models.CharField(
        _("occasion"),
        max_length=64,
        blank=True,
        help_text=_("What the cause is about (a deadline, a quarter, a report): one chain each."),
    )
    facts = models.JSONField(
        _("facts"), default=dict, blank=True, help_text=_("The dates and figures the reason cites.")
    )
    addressed_to = models.ManyToManyField(
        Organization, related_name="supervision_slips", verbose_name=_("addressed to")
    )
    feedback_due = models.DateField(_("feedback due"))
    state = models.CharField(
        _("state"), max_length=16, choices=SlipState.choices, default=SlipState.OPEN
    )
    closure = models.CharField(_("closed because"), max_length=32, choices=SlipClosure.choices,
                               blank=True)  # fmt: skip
    escalated_from = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="escalated_to",
        verbose_name=_("escalated from"),
    )
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    history = HistoricalRecords(m2m_fields=[addressed_to])

    class Meta:
        ordering = ["-year", "-sequence"]
        verbose_name = _("supervision slip")
        verbose_name_plural = _("supervision slips")
        indexes = [
            models.Index(fields=["state", "colour"]),
            models.Index(fields=["item", "state"]),
            models.Index(fields=["item", "cause", "occasion"]),
            models.Index(fields=["issued_at"]),
            # The slip list's order (newest first, then by number): a daily run issues its
            # slips at one time, so without the pk PostgreSQL sorted every slip per page.
            models.Index(fields=["issued_at", "id"], name="slip_list_order"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "sequence"],
                name="slip_unique_number",
                violation_error_message=_("A slip with this number already exists."),
            ),
            models.UniqueConstraint(
                fields=["item", "colour", "cause"],
                condition=Q(state__in=OPEN_STATES),
                name="slip_one_open_per_item_colour_cause",
                violation_error_message=_(
                    "This item already has an open slip of this colour for this cause."
                ),
            ),
            models.CheckConstraint(
                condition=(Q(state=SlipState.CLOSED, closed_at__isnull=False) & ~Q(closure=""))
                | (~Q(state=SlipState.CLOSED) & Q(closed_at__isnull=True, closure="")),
                name="slip_closed_has_time",
                violation_error_message=_("A closed slip has a closing time and reason."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.get_colour_display()} · {self.item.code}"

    @property
    def number(self) -> str:
        """成宜督〔2026〕12号"""
        return f"{settings.CHENGYI_SLIP_PREFIX}〔{self.year}〕{self.sequence}号"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def get_absolute_url(self) -> str:
        return pk_url("cooperation:slip_detail", self.pk)


class FeedbackState(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for review")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned")


class SlipFeedback(models.Model):
    """反馈: an addressed organisation's answer to a slip, accepted or returned by a supervisor."""

    slip = models.ForeignKey(
        SupervisionSlip,
        on_delete=models.CASCADE,
        related_name="feedback",
        verbose_name=_("supervision slip"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="slip_feedback",
        verbose_name=_("organisation"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="slip_feedback",
        verbose_name=_("author"),
    )
    text = models.TextField(_("feedback"), max_length=4000)
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    state = models.CharField(
        _("state"), max_length=16, choices=FeedbackState.choices, default=FeedbackState.SUBMITTED
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewed_slip_feedback",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_note = models.TextField(_("review note"), max_length=2000, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["submitted_at", "pk"]
        verbose_name = _("slip feedback")
        verbose_name_plural = _("slip feedback")
        indexes = [models.Index(fields=["slip", "state"])]

    def __str__(self) -> str:
        return f"{self.slip.number} · {self.organization}"

    def get_absolute_url(self) -> str:
        return self.slip.get_absolute_url() + f"#feedback-{self.pk}"
