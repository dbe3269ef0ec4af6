from django.urls import path
from django.views.generic import RedirectView

from .views import reports

app_name = "cooperation"

urlpatterns = [
    path("", reports.dashboard, name="dashboard"),
    # TEMPORARY placeholders until the items and meetings branches land (their URL names).
    path("items/", RedirectView.as_view(url="/admin/"), name="item_list"),
    path("items/<int:pk>/", RedirectView.as_view(url="/admin/"), name="item_detail"),
    path("meetings/", RedirectView.as_view(url="/admin/"), name="meeting_list"),
    path("meetings/<int:pk>/", RedirectView.as_view(url="/admin/"), name="meeting_detail"),
    # Reports (issue 5).
    path("items/export.<str:fmt>", reports.item_export, name="item_export"),
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
