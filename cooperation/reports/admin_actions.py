"""Admin actions: export the selected items; freeze a meeting's pack when it is held."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cooperation import permissions, selectors

from . import exports, tables
from .services import meeting_briefing_freeze


class ReportsPermissionMixin:
    """``allowed_permissions = ("view_reports",)`` on an action asks this."""

    def has_view_reports_permission(self, request) -> bool:
        return permissions.can_view_reports(request.user)


def _selected(request, queryset):
    visible = selectors.item_queryset(user=request.user).filter(pk__in=queryset.values("pk"))
    return tables.item_export_queryset(visible.order_by("sort_order", "code"))


@admin.action(description=_("Export the selected items as XLSX"), permissions=["view_reports"])
def export_items_xlsx(modeladmin, request, queryset):
    rows = tables.item_rows(_selected(request, queryset), request.build_absolute_uri)
    sheet = (_("Cooperation items"), tables.item_header(), rows, tables.ITEM_WIDTHS)
    return exports.xlsx_response(exports.export_name("items", "xlsx"), [sheet])


@admin.action(description=_("Export the selected items as CSV"), permissions=["view_reports"])
def export_items_csv(modeladmin, request, queryset):
    rows = tables.item_rows(_selected(request, queryset), request.build_absolute_uri)
    return exports.csv_response(exports.export_name("items", "csv"), tables.item_header(), rows)


def freeze_if_held(request, meeting) -> None:
    """After an admin saves a meeting: a held meeting gets its frozen briefing pack."""
    meeting_briefing_freeze(meeting=meeting, user=request.user)
