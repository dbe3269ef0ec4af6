"""The agreement's own text as numbered clauses, and the sources people can check.

A ``Clause`` is one statement of the agreement (or of the report of its signing), in Chinese
and English, with its confidence and the ``Source`` rows it rests on; items are linked to the
clause(s) they implement (traceability). Loaded from ``fixtures/agreement.json``, which is
built from the verified facts kept in ``fixtures/sources/``.
"""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .base import BilingualMixin
from .items import Agreement, CooperationItem
from .organizations import Organization


class Confidence(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM_HIGH = "medium_high", _("Medium to high")
    MEDIUM = "medium", _("Medium")
    LOW_MEDIUM = "low_medium", _("Low to medium")
    LOW = "low", _("Low")


class SourceKind(models.TextChoices):
    PRESS = "press", _("Press report")
    GOVERNMENT = "government", _("Government website")
    COMPANY = "company", _("Company website")
    REPOST = "repost", _("Repost")
    MACHINE_TRANSLATION = "machine_translation", _("Machine back-translation")
    BACKGROUND = "background", _("Background knowledge, not confirmed by a source")


class Source(BilingualMixin, models.Model):
    """A document a reader can look up: title, publisher, date and address."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=24, choices=SourceKind.choices)
    title_zh = models.CharField(_("Chinese title"), max_length=300)
    title_en = models.CharField(_("English title"), max_length=300, blank=True)
    publisher_zh = models.CharField(_("Chinese publisher"), max_length=200, blank=True)
    publisher_en = models.CharField(_("English publisher"), max_length=200, blank=True)
    published = models.CharField(
        _("date"), max_length=10, blank=True, help_text=_("YYYY, YYYY-MM or YYYY-MM-DD.")
    )
    url = models.URLField(_("web address"), max_length=300, blank=True)
    note_zh = models.TextField(_("Chinese note"), blank=True)
    note_en = models.TextField(_("English note"), blank=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    agreements = models.ManyToManyField(
        Agreement, related_name="sources", blank=True, verbose_name=_("agreements")
    )
    organizations = models.ManyToManyField(
        Organization, related_name="sources", blank=True, verbose_name=_("organisations")
    )

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return self.localized("title")

    @property
    def publisher(self) -> str:
        return self.localized("publisher")

    @property
    def note(self) -> str:
        return self.localized("note")

    @property
    def is_machine_translation(self) -> bool:
        return self.kind == SourceKind.MACHINE_TRANSLATION

    def get_absolute_url(self) -> str:
        return reverse("cooperation:source_list") + f"#source-{self.code}"


class Clause(BilingualMixin, models.Model):
    """One numbered statement of the agreement, with its confidence and sources."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="clauses", verbose_name=_("agreement")
    )
    number = models.CharField(_("number"), max_length=16)
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent clause"),
    )
    text_zh = models.TextField(_("Chinese text"))
    text_en = models.TextField(_("English text"), blank=True)
    confidence = models.CharField(
        _("confidence"), max_length=16, choices=Confidence.choices, blank=True
    )
    note_zh = models.TextField(_("Chinese note"), blank=True)
    note_en = models.TextField(_("English note"), blank=True)
    sources = models.ManyToManyField(
        Source, related_name="clauses", blank=True, verbose_name=_("sources")
    )
    items = models.ManyToManyField(
        CooperationItem,
        related_name="clauses",
        blank=True,
        verbose_name=_("items implementing it"),
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order"]
        verbose_name = _("clause")
        verbose_name_plural = _("clauses")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "number"],
                name="clause_number_unique_per_agreement",
                violation_error_message=_("This agreement already has a clause with this number."),
            )
        ]

    def __str__(self) -> str:
        text = self.text
        return f"{self.number} {text[:40]}{'…' if len(text) > 40 else ''}"

    @property
    def text(self) -> str:
        return self.localized("text")

    @property
    def note(self) -> str:
        return self.localized("note")

    @property
    def depth(self) -> int:
        return self.number.count(".")

    def get_absolute_url(self) -> str:
        return reverse("cooperation:agreement_detail", args=[self.agreement_id]) + (
            f"#clause-{self.number}"
        )
