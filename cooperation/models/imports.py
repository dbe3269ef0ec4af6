"""An Excel ledger import (台账导入): the file, its dry run, and what was applied."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cooperation.choices import ImportState


class ItemImport(models.Model):
    """One uploaded workbook, checked (dry run) before anything is written, then applied.

    Not a history-tracked record itself: the items it changes are, with this import's user
    and the reason "Import".
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="item_imports",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    filename = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(_("file"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    state = models.CharField(
        _("state"), max_length=16, choices=ImportState.choices, default=ImportState.CHECKING
    )
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    # The dry run: {"rows": [...], "errors": [...], "counts": {...}, "ignored": [...]}
    preview = models.JSONField(_("dry run"), default=dict, blank=True)
    failure = models.TextField(_("failure"), blank=True)
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("item import")
        verbose_name_plural = _("item imports")

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse("cooperation:import_detail", args=[self.pk])

    @property
    def busy(self) -> bool:
        return self.state in (ImportState.CHECKING, ImportState.APPLYING)

    @property
    def percent(self) -> int:
        return round(100 * self.rows_done / self.rows_total) if self.rows_total else 0
