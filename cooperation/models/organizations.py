import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cooperation.choices import City, OrganizationKind, Role

from .base import BilingualMixin, HistoricalRecords


class Organization(BilingualMixin, models.Model):
    code = models.SlugField(_("code"), max_length=64, unique=True)
    name_zh = models.CharField(_("official Chinese name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=300, blank=True)
    short_name_zh = models.CharField(_("short Chinese name"), max_length=100, blank=True)
    short_name_en = models.CharField(_("short English name"), max_length=150, blank=True)
    city = models.CharField(_("city"), max_length=16, choices=City.choices, db_index=True)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganizationKind.choices)
    note = models.TextField(_("note"), blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["city", "name_zh"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.localized("name")

    @property
    def short_name(self) -> str:
        return self.localized("short_name") or self.name

    def get_absolute_url(self) -> str:
        return reverse("cooperation:item_list") + f"?organization={self.pk}"


class Membership(models.Model):
    """A user works for an organisation in a role (coordinator, supervisor or viewer)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.VIEWER)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"],
                name="membership_unique_user_organization",
                violation_error_message=_("This user already belongs to this organisation."),
            )
        ]
        indexes = [models.Index(fields=["organization", "role"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.organization} · {self.get_role_display()}"


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class Profile(models.Model):
    """Per-user preferences: the language of e-mails and the secret calendar-feed token."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="profile",
        verbose_name=_("user"),
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans"
    )
    calendar_token = models.CharField(
        _("calendar token"), max_length=64, unique=True, default=new_calendar_token
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return str(self.user)
