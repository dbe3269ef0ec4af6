from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cooperation.choices import Category, DatePrecision, Health, ReviewState, Status
from cooperation.urlpaths import pk_url

from .base import BilingualMixin, HistoricalRecords
from .organizations import Organization


class Agreement(BilingualMixin, models.Model):
    code = models.SlugField(_("code"), max_length=64, unique=True)
    title_zh = models.CharField(_("Chinese title"), max_length=300)
    title_en = models.CharField(_("English title"), max_length=400, blank=True)
    short_title_zh = models.CharField(_("short Chinese title"), max_length=120, blank=True)
    short_title_en = models.CharField(_("short English title"), max_length=200, blank=True)
    signed_on = models.DateField(_("date"), null=True, blank=True)
    date_precision = models.CharField(
        _("date precision"), max_length=8, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    parties = models.ManyToManyField(
        Organization, related_name="agreements", blank=True, verbose_name=_("parties")
    )
    predecessors = models.ManyToManyField(
        "self",
        symmetrical=False,
        related_name="successors",
        blank=True,
        verbose_name=_("predecessor agreements"),
    )
    source = models.CharField(_("source"), max_length=300, blank=True)
    note = models.TextField(_("note"), blank=True)

    history = HistoricalRecords(m2m_fields=[parties])

    class Meta:
        ordering = ["signed_on"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")

    def __str__(self) -> str:
        return self.short_title or self.title

    @property
    def title(self) -> str:
        return self.localized("title")

    @property
    def short_title(self) -> str:
        return self.localized("short_title")

    def get_absolute_url(self) -> str:
        return reverse("cooperation:agreement_detail", args=[self.pk])


class CooperationItem(BilingualMixin, models.Model):
    agreement = models.ForeignKey(
        Agreement, on_delete=models.PROTECT, related_name="items", verbose_name=_("agreement")
    )
    category = models.CharField(_("category"), max_length=32, choices=Category.choices)
    code = models.CharField(_("code"), max_length=32, unique=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent item"),
    )
    title_zh = models.CharField(_("Chinese title"), max_length=300)
    title_en = models.CharField(_("English title"), max_length=400, blank=True)
    description_zh = models.TextField(_("Chinese description"), blank=True)
    description_en = models.TextField(_("English description"), blank=True)
    chengdu_lead = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="chengdu_led_items",
        verbose_name=_("Chengdu lead"),
        limit_choices_to={"city": "chengdu"},
    )
    yibin_lead = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="yibin_led_items",
        verbose_name=_("Yibin lead"),
        limit_choices_to={"city": "yibin"},
    )
    co_owners = models.ManyToManyField(
        Organization, related_name="co_owned_items", blank=True, verbose_name=_("co-owners")
    )
    responsible_people = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="responsible_items",
        blank=True,
        verbose_name=_("responsible people"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.NOT_STARTED
    )
    health = models.CharField(
        _("health"), max_length=16, choices=Health.choices, default=Health.NOT_ASSESSED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=1, help_text=_("Weight of this item in its parent's progress.")
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    source_meeting = models.ForeignKey(
        "cooperation.Meeting",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="followup_items",
        verbose_name=_("decided at meeting"),
    )
    source_note = models.TextField(
        _("source and confidence"),
        blank=True,
        help_text=_("Where the item comes from in the agreement and how certain the wording is."),
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # (id, history_date): the state of each item at a moment (``as_of``) looks for a later
    # row of the same item, once per row read.
    history = HistoricalRecords(
        m2m_fields=[co_owners],
        excluded_fields=["updated_at", "version"],
        indexes=[models.Index(fields=["id", "history_date"], name="hist_item_id_date")],
    )

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("cooperation item")
        verbose_name_plural = _("cooperation items")
        # A plain string: Django stores permission names as given, and a lazy one would be
        # stored in whatever language is active when permissions are (re)created.
        permissions = [("view_reports", "Can view reports and exports")]
        indexes = [
            models.Index(fields=["status"]),
            models.Index(fields=["health"]),
            models.Index(fields=["category", "sort_order"]),
            models.Index(fields=["target_date"]),
            models.Index(fields=["agreement", "category"]),
            # The list's own order: an export of every item reads it in order, not sorted.
            models.Index(fields=["sort_order", "code"], name="item_list_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=100),
                name="item_progress_0_100",
                violation_error_message=_("Progress must be between 0 and 100."),
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.COMPLETED) | Q(progress=100),
                name="item_completed_means_100",
                violation_error_message=_("A completed item must have progress 100."),
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(target_date__isnull=True)
                | Q(target_date__gte=models.F("start_date")),
                name="item_target_after_start",
                violation_error_message=_("The target date cannot be before the start date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def title(self) -> str:
        return self.localized("title")

    @property
    def description(self) -> str:
        return self.localized("description")

    def get_absolute_url(self) -> str:
        return pk_url("cooperation:item_detail", self.pk)

    def owner_organization_ids(self) -> set[int]:
        ids = {pk for pk in (self.chengdu_lead_id, self.yibin_lead_id) if pk}
        ids.update(org.pk for org in self.co_owners.all())
        return ids


class Milestone(BilingualMixin, models.Model):
    item = models.ForeignKey(
        CooperationItem,
        on_delete=models.CASCADE,
        related_name="milestones",
        verbose_name=_("item"),
    )
    title_zh = models.CharField(_("Chinese title"), max_length=300)
    title_en = models.CharField(_("English title"), max_length=400, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    done_date = models.DateField(_("done date"), null=True, blank=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    history = HistoricalRecords(
        indexes=[models.Index(fields=["id", "history_date"], name="hist_milestone_id_date")]
    )

    class Meta:
        ordering = ["item", "sort_order", "due_date", "pk"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        indexes = [models.Index(fields=["due_date", "done_date"])]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return self.localized("title")

    @property
    def is_done(self) -> bool:
        return self.done_date is not None

    @property
    def is_overdue(self) -> bool:
        return (
            self.done_date is None
            and self.due_date is not None
            and (self.due_date < timezone.localdate())
        )

    def get_absolute_url(self) -> str:
        return self.item.get_absolute_url()


class StatusUpdate(models.Model):
    """One coordinator's report on an item."""

    item = models.ForeignKey(
        CooperationItem,
        on_delete=models.CASCADE,
        related_name="status_updates",
        verbose_name=_("item"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="status_updates",
        verbose_name=_("author"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="status_updates",
        verbose_name=_("organisation"),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    health = models.CharField(_("health"), max_length=16, choices=Health.choices)
    progress = models.PositiveSmallIntegerField(_("progress (%)"))
    narrative = models.TextField(_("progress narrative"), blank=True)
    risks = models.TextField(_("risks and blockers"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now)
    # 审核 (cooperation/workflow/reviews.py): pending until accepted or returned with a reason.
    review_state = models.CharField(
        _("review"), max_length=16, choices=ReviewState.choices, default=ReviewState.PENDING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    return_reason = models.TextField(_("reason for returning"), blank=True)
    corrects = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("corrects the returned report"),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-reported_at", "-pk"]
        get_latest_by = "reported_at"
        verbose_name = _("status update")
        verbose_name_plural = _("status updates")
        indexes = [
            models.Index(fields=["item", "-reported_at"]),
            models.Index(fields=["organization", "reported_at"]),
            models.Index(fields=["reported_at"]),
            models.Index(fields=["review_state", "item"]),
            # The reports awaiting review, oldest first (to-do page, digest): without it
            # PostgreSQL walked every report by date to find the few pending ones.
            models.Index(
                fields=["reported_at", "id"],
                condition=Q(review_state="pending"),
                name="statusupdate_pending_review",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=100),
                name="update_progress_0_100",
                violation_error_message=_("Progress must be between 0 and 100."),
            ),
            models.CheckConstraint(
                condition=~Q(review_state=ReviewState.RETURNED) | ~Q(return_reason=""),
                name="update_return_has_reason",
                violation_error_message=_("A returned report needs a reason."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item.code} · {timezone.localtime(self.reported_at):%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return self.item.get_absolute_url() + f"#update-{self.pk}"
