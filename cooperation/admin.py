from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Agreement,
    ChatRobot,
    ConsultationMechanism,
    CooperationItem,
    Meeting,
    Membership,
    Milestone,
    Notification,
    Organization,
    Profile,
    Reminder,
    StatusUpdate,
)
from .reports.admin_actions import (
    ReportsPermissionMixin,
    export_items_csv,
    export_items_xlsx,
    freeze_if_held,
)


class ChangeReasonAdmin(SimpleHistoryAdmin):
    """Records the admin user and a reason on every history row made in the admin."""

    def save_model(self, request, obj, form, change):
        # Stored in English (msgids), translated when the history is shown.
        obj._change_reason = (
            gettext_noop("Edited in the admin") if change else gettext_noop("Created in the admin")
        )
        super().save_model(request, obj, form, change)


@admin.register(Organization)
class OrganizationAdmin(ChangeReasonAdmin):
    list_display = ["name_zh", "name_en", "short_name_zh", "city", "kind"]
    list_filter = ["city", "kind"]
    search_fields = ["name_zh", "name_en", "short_name_zh", "short_name_en", "code"]
    ordering = ["city", "name_zh"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Membership)
class MembershipAdmin(ChangeReasonAdmin):
    list_display = ["user", "organization", "role", "title"]
    list_filter = ["role", "organization__city"]
    search_fields = ["user__username", "user__first_name", "organization__name_zh"]
    autocomplete_fields = ["user", "organization"]
    list_select_related = ["user", "organization"]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "language"]
    search_fields = ["user__username"]
    readonly_fields = ["calendar_token"]


@admin.register(Agreement)
class AgreementAdmin(ChangeReasonAdmin):
    list_display = ["code", "short_title_zh", "short_title_en", "signed_on", "date_precision"]
    search_fields = ["title_zh", "title_en", "short_title_zh", "short_title_en", "code"]
    filter_horizontal = ["parties", "predecessors"]


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ["title_zh", "title_en", "due_date", "done_date", "sort_order"]


class StatusUpdateInline(admin.StackedInline):
    model = StatusUpdate
    extra = 0
    fields = [
        ("author", "organization", "reported_at"),
        ("status", "health", "progress"),
        "narrative",
        "risks",
        "next_steps",
    ]
    # Reports are the record of what a coordinator said: written through the report page,
    # which updates the item with them; the admin shows them only.
    readonly_fields = [
        "author",
        "organization",
        "reported_at",
        "status",
        "health",
        "progress",
        "narrative",
        "risks",
        "next_steps",
    ]
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


# Changed only through status reports (services.status_report_submit), which check the
# transition table and the open milestones, and bump the version an open report form holds.
REPORTED_FIELDS = ["status", "health", "progress"]


class SubItemInline(admin.TabularInline):
    model = CooperationItem
    fk_name = "parent"
    extra = 0
    fields = ["code", "title_zh", "status", "health", "progress", "weight"]
    readonly_fields = REPORTED_FIELDS
    show_change_link = True
    verbose_name = _("sub-item")
    verbose_name_plural = _("sub-items")


@admin.register(CooperationItem)
class CooperationItemAdmin(ReportsPermissionMixin, ChangeReasonAdmin):
    actions = [export_items_xlsx, export_items_csv]
    list_display = [
        "code",
        "title_zh",
        "title_en",
        "category",
        "chengdu_lead",
        "yibin_lead",
        "status",
        "health",
        "progress",
        "target_date",
    ]
    list_filter = [
        "category",
        "status",
        "health",
        "agreement",
        ("chengdu_lead", admin.RelatedOnlyFieldListFilter),
        ("yibin_lead", admin.RelatedOnlyFieldListFilter),
        "chengdu_lead__city",
    ]
    search_fields = ["code", "title_zh", "title_en", "description_zh", "description_en"]
    list_select_related = ["chengdu_lead", "yibin_lead"]
    autocomplete_fields = [
        "parent",
        "chengdu_lead",
        "yibin_lead",
        "co_owners",
        "responsible_people",
    ]
    readonly_fields = [*REPORTED_FIELDS, "version", "created_at", "updated_at"]
    inlines = [SubItemInline, MilestoneInline, StatusUpdateInline]
    fieldsets = [
        (None, {"fields": ["agreement", "category", "code", "parent", "sort_order", "weight"]}),
        (_("Titles"), {"fields": ["title_zh", "title_en", "description_zh", "description_en"]}),
        (
            _("Owners"),
            {"fields": ["chengdu_lead", "yibin_lead", "co_owners", "responsible_people"]},
        ),
        (
            _("Progress"),
            {
                "fields": [*REPORTED_FIELDS, "start_date", "target_date"],
                "description": _(
                    "Status, health and progress change only through coordinators' status "
                    "reports (the item's “Report progress” page)."
                ),
            },
        ),
        (_("Source"), {"fields": ["source_meeting", "source_note"]}),
        (_("Record"), {"fields": ["version", "created_at", "updated_at"]}),
    ]

    def save_model(self, request, obj, form, change):
        if change and form.has_changed():
            # Like services.item_update: any change makes forms opened before it stale.
            locked = CooperationItem.objects.select_for_update().values_list("version", flat=True)
            obj.version = locked.get(pk=obj.pk) + 1
        super().save_model(request, obj, form, change)


@admin.register(Milestone)
class MilestoneAdmin(ChangeReasonAdmin):
    list_display = ["title_zh", "item", "due_date", "done_date"]
    list_filter = ["item__category"]
    search_fields = ["title_zh", "title_en", "item__code"]
    list_select_related = ["item"]
    autocomplete_fields = ["item"]


@admin.register(StatusUpdate)
class StatusUpdateAdmin(ChangeReasonAdmin):
    list_display = ["item", "author", "organization", "status", "health", "progress", "reported_at"]
    list_filter = ["status", "health", "organization__city"]
    search_fields = ["item__code", "item__title_zh", "narrative"]
    list_select_related = ["item", "author", "organization"]
    autocomplete_fields = ["item", "author", "organization"]
    date_hierarchy = "reported_at"


@admin.register(ConsultationMechanism)
class ConsultationMechanismAdmin(ChangeReasonAdmin):
    list_display = ["name_zh", "name_en", "tier", "recurrence", "first_host_city", "is_active"]
    filter_horizontal = ["participant_organizations", "participants"]


class ReminderInline(admin.TabularInline):
    model = Reminder
    extra = 0
    fields = ["kind", "recipient", "due_at", "state", "attempts", "last_error", "sent_at"]
    readonly_fields = fields
    can_delete = False


@admin.register(Meeting)
class MeetingAdmin(ChangeReasonAdmin):
    list_display = ["mechanism", "sequence", "starts_at", "host_city", "state"]
    list_filter = ["mechanism", "state", "host_city"]
    search_fields = ["agenda", "minutes", "decisions", "location"]
    list_select_related = ["mechanism"]
    date_hierarchy = "starts_at"
    inlines = [ReminderInline]
    exclude = ["briefing_snapshot"]
    # Moving or cancelling a meeting must bump its revision, re-time its reminders and notify
    # those already reminded: people do that on the meeting's own pages, which call the
    # services (meetings/changes.py). Here these fields are shown, not edited.
    service_only_fields = ["mechanism", "sequence", "starts_at", "planned_for", "state"]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return readonly + self.service_only_fields if obj is not None else readonly

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        freeze_if_held(request, obj)


@admin.register(Reminder)
class ReminderAdmin(ChangeReasonAdmin):
    list_display = [
        "kind",
        "recipient",
        "robot",
        "meeting",
        "item",
        "due_at",
        "state",
        "attempts",
        "last_error",
        "sent_at",
    ]
    list_filter = ["state", "kind", "channel"]
    search_fields = ["key", "recipient__username", "last_error"]
    list_select_related = ["recipient", "robot", "meeting__mechanism", "item"]
    date_hierarchy = "due_at"
    readonly_fields = ["key", "claimed_at", "claimed_by", "sent_at", "created_at"]
    actions = ["send_again"]

    @admin.action(description=_("Send the selected failed reminders again"))
    def send_again(self, request, queryset):
        from .meetings.outbox import reminders_retry

        count = reminders_retry(queryset, user=request.user)
        self.message_user(request, _("%(count)d reminders will be sent again.") % {"count": count})


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "user", "created_at", "read_at"]
    search_fields = ["title", "user__username"]
    list_select_related = ["user"]


@admin.register(ChatRobot)
class ChatRobotAdmin(ChangeReasonAdmin):
    """Group robots; each one's messages waiting and failed are shown (README, "Group robots")."""

    list_display = ["name", "platform", "organization", "leaders_city", "is_active", "failing"]
    list_filter = ["platform", "is_active", "leaders_city"]
    search_fields = ["name", "organization__name_zh", "organization__short_name_zh"]
    autocomplete_fields = ["organization"]
    list_select_related = ["organization"]

    @admin.display(description=_("waiting after a failure / failed"))
    def failing(self, robot) -> str:
        from .choices import ReminderState

        rows = robot.reminders.exclude(last_error="")
        waiting = rows.filter(state=ReminderState.PENDING).count()
        failed = rows.filter(state=ReminderState.FAILED).count()
        return f"{waiting} / {failed}"


# Webhook subscriptions, events and deliveries (cooperation/webhooks/).
from .webhooks import admin as webhook_admin  # noqa: E402, F401
