"""The dashboard's summary: counts kept up to date, so the figures cost the same at any size.

Written only by ``cooperation.reports.summary``; the database's triggers (migration
0013_dash_summary) append to ``DashboardChange`` whatever item a write touched.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class DashboardChange(models.Model):
    """An item some write touched since the summary last counted it (written by triggers).

    An append-only log, not a set: a row seen and counted is deleted by its id, so a write
    committed meanwhile keeps its own row and is counted next time.
    """

    id = models.BigAutoField(primary_key=True)
    item_id = models.IntegerField(_("item"))

    class Meta:
        verbose_name = _("dashboard change")
        verbose_name_plural = _("dashboard changes")

    def __str__(self) -> str:
        return f"{self.pk}: item {self.item_id}"


class DashboardState(models.Model):
    """The one row saying which day and settings the summary's cells were counted for.

    Its row lock serialises everything that writes the summary.
    """

    base = models.DateField(_("counted for"))
    window_days = models.PositiveSmallIntegerField(_("days counted exactly"))
    stale_days = models.PositiveSmallIntegerField(_("stale after days"))
    behind_points = models.PositiveSmallIntegerField(_("behind by points"))
    built_at = models.DateTimeField(_("rebuilt at"))
    since_meeting_id = models.IntegerField(_("last consultation"), null=True)
    since_at = models.DateTimeField(_("last consultation's start"), null=True)

    class Meta:
        verbose_name = _("dashboard summary state")
        verbose_name_plural = _("dashboard summary states")

    def __str__(self) -> str:
        return f"{self.base:%Y-%m-%d}"


class DashboardItem(models.Model):
    """What one item adds to the dashboard's figures, as of its last change.

    Dates are stored as they are (not bucketed), so the cells can be counted again for a
    new day from this table alone, and a check compares it with the items field by field.
    """

    item = models.OneToOneField(
        "cooperation.CooperationItem",
        on_delete=models.DO_NOTHING,
        db_constraint=False,  # the item may be gone before the summary counts its deletion
        primary_key=True,
        related_name="dashboard_fact",
        verbose_name=_("item"),
    )
    code = models.CharField(_("code"), max_length=32)
    category = models.CharField(_("category"), max_length=32)
    status = models.CharField(_("status"), max_length=16)
    health = models.CharField(_("health"), max_length=16)
    chengdu_lead_city = models.CharField(_("Chengdu lead's city"), max_length=16, blank=True)
    yibin_lead_city = models.CharField(_("Yibin lead's city"), max_length=16, blank=True)
    never_reported = models.BooleanField(_("never reported"))
    deadline = models.DateField(_("first open deadline"), null=True)
    behind_from = models.DateField(_("behind the time line from"), null=True)
    stale_since = models.DateTimeField(_("stale since"), null=True)
    stale_order = models.DateTimeField(_("last report or creation"), null=True)
    milestones = models.JSONField(_("open milestones' due dates"), default=list)
    weighted = models.BigIntegerField(_("weighted progress"))
    weight = models.IntegerField(_("weight"))
    slips_blue = models.SmallIntegerField(_("open blue slips"))
    slips_yellow = models.SmallIntegerField(_("open yellow slips"))
    slips_red = models.SmallIntegerField(_("open red slips"))
    awaiting_review = models.BooleanField(_("report awaiting review"))
    awaiting_confirmation = models.BooleanField(_("request awaiting confirmation"))
    # Since the last consultation (DashboardState.since_at): how the item moved.
    rolled = models.SmallIntegerField(_("rolled-up progress"))
    updates_since = models.IntegerField(_("status updates since"))
    since_changed = models.BooleanField(_("changed since"))
    since_new = models.BooleanField(_("new since"))
    since_status_changed = models.BooleanField(_("status changed since"))
    since_trend = models.SmallIntegerField(_("health trend since"))
    since_delta = models.SmallIntegerField(_("progress change since"))
    before_status = models.CharField(_("status then"), max_length=16, blank=True)
    before_health = models.CharField(_("health then"), max_length=16, blank=True)
    before_rolled = models.SmallIntegerField(_("progress then"), null=True)
    since_rank = models.CharField(_("order of the changes"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("dashboard item")
        verbose_name_plural = _("dashboard items")
        indexes = [
            models.Index(fields=["stale_since"]),
            models.Index(fields=["stale_order", "code"]),
            models.Index(
                fields=["since_rank"], condition=Q(since_changed=True), name="dashboard_since_rank"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class DashboardCell(models.Model):
    """How many items share one combination of what the dashboard counts, and their sums.

    ``key`` is the combination (``reports.summary.Key``); milestone cells count open
    milestones by due date.
    """

    key = models.CharField(_("key"), max_length=200, unique=True)
    n = models.IntegerField(_("count"))
    weighted = models.BigIntegerField(_("weighted progress"), default=0)
    weight = models.BigIntegerField(_("weight"), default=0)
    slips_blue = models.IntegerField(_("open blue slips"), default=0)
    slips_yellow = models.IntegerField(_("open yellow slips"), default=0)
    slips_red = models.IntegerField(_("open red slips"), default=0)
    awaiting_review = models.IntegerField(_("reports awaiting review"), default=0)
    awaiting_confirmation = models.IntegerField(_("requests awaiting confirmation"), default=0)
    since_changed = models.IntegerField(_("changed since"), default=0)
    since_new = models.IntegerField(_("new since"), default=0)
    since_status = models.IntegerField(_("status changed since"), default=0)
    since_completed = models.IntegerField(_("completed since"), default=0)
    since_worse = models.IntegerField(_("worse since"), default=0)
    since_better = models.IntegerField(_("better since"), default=0)
    since_advanced = models.IntegerField(_("advanced since"), default=0)
    updates_since = models.IntegerField(_("status updates since"), default=0)

    class Meta:
        verbose_name = _("dashboard cell")
        verbose_name_plural = _("dashboard cells")

    def __str__(self) -> str:
        return self.key
