"""Chat-group robots (WeCom 企业微信, DingTalk 钉钉) that notices are posted to."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cooperation.choices import ROBOT_CHANNELS, Channel, City

from .base import HistoricalRecords
from .organizations import Organization


class ChatRobot(models.Model):
    """One group robot: an organisation's working group, or one city's leaders' group."""

    name = models.CharField(_("name"), max_length=100)
    platform = models.CharField(
        _("platform"),
        max_length=16,
        choices=[(c.value, c.label) for c in ROBOT_CHANNELS],
        default=Channel.WECOM,
    )
    webhook_url = models.URLField(
        _("webhook URL"),
        max_length=500,
        help_text=_(
            "As the group's robot settings show it, key or access token included: "
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=… (WeCom) or "
            "https://oapi.dingtalk.com/robot/send?access_token=… (DingTalk)."
        ),
    )
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        blank=True,
        help_text=_("DingTalk only: the SEC… secret of the robot's “sign” security setting."),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="robots",
        verbose_name=_("organisation"),
    )
    leaders_city = models.CharField(
        _("leaders of city"),
        max_length=16,
        choices=[(City.CHENGDU.value, City.CHENGDU.label), (City.YIBIN.value, City.YIBIN.label)],
        blank=True,
        help_text=_("For the group of a city's leaders: leave the organisation empty."),
    )
    kinds = models.JSONField(
        _("notices"),
        default=list,
        blank=True,
        help_text=_("The kinds of notice posted here (their codes); empty: every kind."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")
        constraints = [
            models.CheckConstraint(
                condition=(Q(organization__isnull=False) & Q(leaders_city=""))
                | (Q(organization__isnull=True) & ~Q(leaders_city="")),
                name="robot_one_audience",
                violation_error_message=_(
                    "A robot belongs to an organisation or to one city's leaders, not both."
                ),
            ),
            models.UniqueConstraint(
                fields=["leaders_city", "platform"],
                condition=~Q(leaders_city=""),
                name="robot_one_per_city_leaders",
                violation_error_message=_("That city's leaders already have a robot here."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_platform_display()})"

    def clean(self) -> None:
        from cooperation.choices import ReminderKind

        if not isinstance(self.kinds, list) or any(
            k not in ReminderKind.values for k in self.kinds
        ):
            raise ValidationError(
                {"kinds": _('Give a list of notice codes, e.g. ["meeting", "status_call"].')}
            )
        if self.secret and self.platform != Channel.DINGTALK:
            raise ValidationError({"secret": _("Only DingTalk robots sign their messages.")})

    def wants(self, kind: str) -> bool:
        return not self.kinds or kind in self.kinds
