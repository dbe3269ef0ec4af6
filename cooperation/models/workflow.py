"""The supervision loop's records (交办 / 签收, 审核, 办结 / 销号, 佐证材料, comments, preferences).

The facts other features read, with the queries they need:

- ``Acknowledgement``: one row per item and lead organisation. Missed:
  ``Acknowledgement.objects.missed(today)`` (not acknowledged, due date passed), or
  ``acknowledged_at__date__gt=F("due_date")`` for a late one.
- ``StatusUpdate.review_state`` / ``reviewed_by`` / ``reviewed_at`` / ``return_reason``
  (in ``items.py``): a report returned twice is
  ``StatusUpdate.objects.filter(item=..., review_state="returned").count() >= 2``.
- ``CompletionRequest``: pending requests are the items shown as 办结待确认.
"""

import datetime
import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cooperation.choices import (
    DEFAULT_IMMEDIATE_KINDS,
    City,
    CompletionState,
    Status,
)
from cooperation.urlpaths import pk_url

from .base import HistoricalRecords
from .items import CooperationItem, StatusUpdate
from .organizations import Organization

COMMENT_MAX_LENGTH = 2000


class AcknowledgementQuerySet(models.QuerySet):
    def open(self):
        return self.filter(active=True, acknowledged_at__isnull=True)

    def missed(self, today: datetime.date):
        """Not acknowledged and past the due date (a yellow slip's cause)."""
        return self.open().filter(due_date__lt=today)


class Acknowledgement(models.Model):
    """交办 / 签收: an item handed to one lead organisation, and its acknowledgement."""

    item = models.ForeignKey(
        CooperationItem,
        on_delete=models.CASCADE,
        related_name="acknowledgements",
        verbose_name=_("item"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="acknowledgements",
        verbose_name=_("lead organisation"),
    )
    city = models.CharField(_("city"), max_length=16, choices=City.choices)
    active = models.BooleanField(
        _("current lead"),
        default=True,
        help_text=_("Off when the organisation is no longer the item's lead."),
    )
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)
    due_date = models.DateField(_("acknowledge by"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )

    objects = AcknowledgementQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["item", "city"]
        verbose_name = _("acknowledgement")
        verbose_name_plural = _("acknowledgements")
        constraints = [
            models.UniqueConstraint(
                fields=["item", "organization"],
                name="acknowledgement_unique_item_organization",
                violation_error_message=_("This organisation was already assigned this item."),
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | Q(acknowledged_by__isnull=False),
                name="acknowledgement_has_person",
                violation_error_message=_("An acknowledgement records who gave it."),
            ),
        ]
        indexes = [models.Index(fields=["active", "acknowledged_at", "due_date"])]

    def __str__(self) -> str:
        return f"{self.item.code} · {self.organization}"

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_at is not None

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.acknowledged_at is None and self.due_date < today

    def get_absolute_url(self) -> str:
        return self.item.get_absolute_url() + "#assignment"


class CompletionRequest(models.Model):
    """办结报告: asks for an item to be completed, cancelled or reopened, until confirmed.

    ``required_cities`` are the sides whose lead must still confirm (the requester's own side
    is not asked); a supervisor's confirmation settles the request whatever remains.
    """

    item = models.ForeignKey(
        CooperationItem,
        on_delete=models.CASCADE,
        related_name="completion_requests",
        verbose_name=_("item"),
    )
    status_update = models.OneToOneField(
        StatusUpdate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="completion_request",
        verbose_name=_("status report"),
    )
    requested_status = models.CharField(
        _("requested status"), max_length=16, choices=Status.choices
    )
    previous_status = models.CharField(_("status before"), max_length=16, choices=Status.choices)
    reason = models.TextField(_("explanation"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="completion_requests",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    required_cities = models.JSONField(_("cities to confirm"), default=list, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=CompletionState.choices, default=CompletionState.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    refusal_reason = models.TextField(_("reason for refusing"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("completion request")
        verbose_name_plural = _("completion requests")
        constraints = [
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(state="pending"),
                name="completion_one_pending_per_item",
                violation_error_message=_("This item already has a request awaiting confirmation."),
            ),
            models.CheckConstraint(
                condition=~Q(state="refused") | ~Q(refusal_reason=""),
                name="completion_refusal_has_reason",
                violation_error_message=_("A refusal needs a reason."),
            ),
        ]
        indexes = [models.Index(fields=["state", "requested_at"])]

    def __str__(self) -> str:
        return f"{self.item.code} → {self.get_requested_status_display()}"

    def get_absolute_url(self) -> str:
        return pk_url("cooperation:completion_detail", self.pk)


class CompletionConfirmation(models.Model):
    """双方确认: one side's (or a supervisor's) confirmation of a completion request."""

    request = models.ForeignKey(
        CompletionRequest,
        on_delete=models.CASCADE,
        related_name="confirmations",
        verbose_name=_("completion request"),
    )
    city = models.CharField(
        _("side"), max_length=16, blank=True, help_text=_("Empty for a supervisor.")
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["confirmed_at", "pk"]
        verbose_name = _("confirmation")
        verbose_name_plural = _("confirmations")
        constraints = [
            models.UniqueConstraint(
                fields=["request", "city"],
                name="confirmation_unique_side",
                violation_error_message=_("This side has already confirmed."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.request} ✓ {self.user}"


def evidence_upload_to(instance, filename: str) -> str:
    """A fresh folder per file, so names never collide and are never guessed from the URL."""
    return f"evidence/{timezone.now():%Y/%m}/{uuid.uuid4().hex}/{filename}"


def evidence_storage():
    """The ``evidence`` storage when settings define one (e.g. S3), else the default."""
    return storages["evidence"] if "evidence" in settings.STORAGES else storages["default"]


class Evidence(models.Model):
    """佐证材料: a file supporting a status report or a completion request."""

    item = models.ForeignKey(
        CooperationItem,
        on_delete=models.CASCADE,
        related_name="evidence",
        verbose_name=_("item"),
    )
    status_update = models.ForeignKey(
        StatusUpdate,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="evidence",
        verbose_name=_("status report"),
    )
    completion_request = models.ForeignKey(
        CompletionRequest,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="evidence",
        verbose_name=_("completion request"),
    )
    file = models.FileField(
        _("file"), upload_to=evidence_upload_to, storage=evidence_storage, max_length=300
    )
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        constraints = [
            models.CheckConstraint(
                condition=Q(status_update__isnull=False) | Q(completion_request__isnull=False),
                name="evidence_has_subject",
                violation_error_message=_(
                    "Evidence belongs to a status report or a completion request."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("cooperation:evidence_download", args=[self.pk])


class Comment(models.Model):
    """A comment on an item or one of its reports (审核意见, discussion), with @mentions."""

    item = models.ForeignKey(
        CooperationItem,
        on_delete=models.CASCADE,
        related_name="comments",
        verbose_name=_("item"),
    )
    status_update = models.ForeignKey(
        StatusUpdate,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="comments",
        verbose_name=_("status report"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="comments",
        verbose_name=_("author"),
    )
    body = models.CharField(_("comment"), max_length=COMMENT_MAX_LENGTH)
    mentions = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="comment_mentions",
        blank=True,
        verbose_name=_("mentioned"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)

    history = HistoricalRecords(m2m_fields=[mentions])

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        indexes = [models.Index(fields=["item", "created_at"])]

    def __str__(self) -> str:
        return self.body[:50]

    def get_absolute_url(self) -> str:
        return self.item.get_absolute_url() + f"#comment-{self.pk}"


def default_immediate_kinds() -> list[str]:
    return list(DEFAULT_IMMEDIATE_KINDS)


class NotificationPreference(models.Model):
    """How a person hears from the loop: channels, digest time, what comes at once."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        verbose_name=_("user"),
    )
    by_email = models.BooleanField(_("by e-mail"), default=True)
    in_app = models.BooleanField(_("in the notification list"), default=True)
    by_chat = models.BooleanField(
        _("by chat robot"), default=False, help_text=_("Only when a chat robot is configured.")
    )
    digest_time = models.TimeField(_("daily digest at"), default=datetime.time(8, 30))
    immediate_kinds = models.JSONField(
        _("sent at once"), default=default_immediate_kinds, blank=True
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)
