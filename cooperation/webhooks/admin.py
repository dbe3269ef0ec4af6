"""Webhook subscriptions, managed by supervisors in the admin; deliveries with "send again"."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cooperation import permissions
from cooperation.models import WebhookDelivery, WebhookEvent, WebhookSubscription

from .events import event_type_choices
from .outbox import deliveries_send_again


class SupervisorsOnly:
    """Supervisors (and superusers) manage webhooks; the admin site itself needs staff."""

    def has_module_permission(self, request):
        return permissions.is_supervisor(request.user)

    def has_view_permission(self, request, obj=None):
        return permissions.is_supervisor(request.user)

    def has_add_permission(self, request, obj=None):
        return permissions.is_supervisor(request.user)

    def has_change_permission(self, request, obj=None):
        return permissions.is_supervisor(request.user)

    def has_delete_permission(self, request, obj=None):
        return permissions.is_supervisor(request.user)


class SubscriptionForm(forms.ModelForm):
    url = forms.URLField(label=_("web address"), max_length=500, assume_scheme="https")
    event_types = forms.MultipleChoiceField(
        label=_("event types"), choices=event_type_choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookSubscription
        fields = ["name", "url", "event_types", "secret", "is_active"]


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(SupervisorsOnly, admin.ModelAdmin):
    form = SubscriptionForm
    list_display = ["name", "url", "is_active", "created_at"]
    list_filter = ["is_active"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.action(description=_("Send again"))
def send_again(modeladmin, request, queryset):
    count = deliveries_send_again(queryset=queryset)
    modeladmin.message_user(
        request,
        ngettext(
            "%(count)d failed delivery will be sent again.",
            "%(count)d failed deliveries will be sent again.",
            count,
        )
        % {"count": count},
        messages.SUCCESS if count else messages.WARNING,
    )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(SupervisorsOnly, admin.ModelAdmin):
    list_display = ["pk", "event", "subscription", "state", "attempts", "last_status",
                    "next_attempt_at", "delivered_at", "last_error"]  # fmt: skip
    list_filter = ["state", "subscription"]
    list_select_related = ["event", "subscription"]
    actions = [send_again]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # read-only; the action changes state through the outbox


@admin.register(WebhookEvent)
class WebhookEventAdmin(SupervisorsOnly, admin.ModelAdmin):
    list_display = ["event_id", "type", "resource_type", "resource_id", "occurred_at"]
    list_filter = ["type"]
    readonly_fields = [f.name for f in WebhookEvent._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
