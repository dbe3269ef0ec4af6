from django.urls import path

from cooperation.meetings.urls import urlpatterns as meeting_urlpatterns

from . import views
from .views import bulk, imports, reports

app_name = "cooperation"

urlpatterns = [
    path("", reports.dashboard, name="dashboard"),
    path("items/", views.item_list, name="item_list"),
    path("items/export.<str:fmt>", reports.item_export, name="item_export"),
    path("items/bulk/", bulk.item_bulk_update, name="item_bulk_update"),
    # The Excel ledger import (cooperation/imports/).
    path("items/import/", imports.import_index, name="import_index"),
    path("items/import/template.xlsx", imports.import_template, name="import_template"),
    path("items/import/<int:pk>/", imports.import_detail, name="import_detail"),
    path("items/import/<int:pk>/progress/", imports.import_progress, name="import_progress"),
    path("items/import/<int:pk>/apply/", imports.import_apply, name="import_apply"),
    path("items/<int:pk>/", views.item_detail, name="item_detail"),
    path("items/<int:pk>/history/", views.item_history_view, name="item_history"),
    path("items/<int:pk>/update/", views.item_update, name="item_update"),
    path("items/<int:pk>/milestones/add/", views.milestone_create, name="milestone_create"),
    path(
        "items/<int:pk>/milestones/<int:milestone_pk>/edit/",
        views.milestone_update,
        name="milestone_update",
    ),
    path(
        "items/<int:pk>/milestones/<int:milestone_pk>/delete/",
        views.milestone_delete,
        name="milestone_delete",
    ),
    # Reports: briefing packs, the period report, exports.
    path("meetings/<int:pk>/briefing/", reports.meeting_briefing, name="meeting_briefing"),
    path(
        "meetings/<int:pk>/briefing.xlsx",
        reports.meeting_briefing_xlsx,
        name="meeting_briefing_xlsx",
    ),
    path("reports/", reports.report_index, name="report_index"),
    path("reports/quarter/", reports.report_period, name="report_period"),
    path("reports/quarter.xlsx", reports.report_period_xlsx, name="report_period_xlsx"),
    path(
        "reports/status-updates.xlsx",
        reports.statusupdate_export,
        name="statusupdate_export",
    ),
]

# The consultation calendar, reminders and notifications (cooperation/meetings/).
urlpatterns += meeting_urlpatterns
