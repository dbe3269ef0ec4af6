from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    MEETING_NOTICE = "meeting_notice", _("meeting notice")
    MINUTES = "minutes", _("minutes")
    CIRCULAR = "circular", _("progress circular")
    SUPERVISION_SLIP = "supervision_slip", _("supervision slip")


class DocumentNumber(models.Model):
    """发文字号: the number of one official document, e.g. 成宜办〔2026〕3号.

    One row per document (its kind and its subject, e.g. ``meeting:12`` or ``period:2026-Q3``),
    given the first time the document is made and kept: downloading it again shows the same
    number and date. Numbers count per prefix and year and are never reused.
    """

    kind = models.CharField(_("kind"), max_length=32, choices=DocumentKind.choices)
    subject = models.CharField(_("subject"), max_length=64)
    prefix = models.CharField(_("issuing-body code"), max_length=16)
    year = models.PositiveSmallIntegerField(_("year"))
    serial = models.PositiveIntegerField(_("serial number"))
    issued_on = models.DateField(_("issued on"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["prefix", "year", "serial"]
        verbose_name = _("document number")
        verbose_name_plural = _("document numbers")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject"],
                name="document_number_one_per_document",
                violation_error_message=_("This document already has a number."),
            ),
            models.UniqueConstraint(
                fields=["prefix", "year", "serial"],
                name="document_number_unique",
                violation_error_message=_("This document number is already taken."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}〔{self.year}〕{self.serial}号"


class JobState(models.TextChoices):
    PENDING = "pending", _("Being prepared")
    RUNNING = "running", _("Being prepared")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class DocumentJob(models.Model):
    """A document too large to make during a page view (the circular of thousands of items):
    asked for by a user, made once by a worker, downloaded by that user."""

    kind = models.CharField(_("kind"), max_length=32, choices=DocumentKind.choices)
    subject = models.CharField(_("subject"), max_length=64)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("requested by"),
    )
    state = models.CharField(
        _("state"), max_length=16, choices=JobState.choices, default=JobState.PENDING
    )
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    content = models.BinaryField(_("content"), null=True, blank=True, editable=False)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("document being prepared")
        verbose_name_plural = _("documents being prepared")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject", "requested_by"],
                condition=models.Q(state__in=["pending", "running"]),
                name="document_job_one_pending",
                violation_error_message=_("This document is already being prepared."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.subject}"
