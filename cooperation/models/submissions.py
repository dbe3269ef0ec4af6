from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class FormSubmission(models.Model):
    """A form's one-time token, used once: the Back button cannot save the same form twice.

    Written in the same transaction as what the form saved, so a refused submission (invalid,
    stale) leaves the token unused; ``result_url`` is where the saved result is shown.
    """

    token = models.UUIDField(_("form token"), unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="form_submissions",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("form"), max_length=40)
    result_url = models.CharField(_("result"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")

    def __str__(self) -> str:
        return f"{self.kind} {self.token}"
