from django.urls import path

from cooperation.meetings.urls import urlpatterns as meeting_urlpatterns
from cooperation.workflow.urls import urlpatterns as workflow_urlpatterns

from . import views
from .views import agreement, api_tokens, bulk, documents, imports, reports, supervision

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
    # The agreement's clauses and the sources they rest on.
    path("agreements/", agreement.agreement_list, name="agreement_list"),
    path("agreements/<int:pk>/", agreement.agreement_detail, name="agreement_detail"),
    path("sources/", agreement.source_list, name="source_list"),
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
    # Official documents (公文) as Word files.
    path(
        "meetings/<int:pk>/notice.docx", documents.meeting_notice_docx, name="meeting_notice_docx"
    ),
    path(
        "meetings/<int:pk>/minutes.docx",
        documents.meeting_minutes_docx,
        name="meeting_minutes_docx",
    ),
    path("reports/circular.docx", documents.report_circular_docx, name="report_circular_docx"),
    path("slips/<int:pk>/slip.docx", documents.slip_docx, name="slip_docx"),
    path("documents/<int:pk>/", documents.documentjob_detail, name="documentjob_detail"),
    path(
        "documents/<int:pk>/download.docx",
        documents.documentjob_download,
        name="documentjob_download",
    ),
    path(
        "reports/status-updates.xlsx",
        reports.statusupdate_export,
        name="statusupdate_export",
    ),
]

# The profile page's personal API tokens (cooperation/api/).
urlpatterns += [
    path("profile/api-tokens/", api_tokens.apitoken_list, name="apitoken_list"),
    path("profile/api-tokens/new/", api_tokens.apitoken_create, name="apitoken_create"),
    path(
        "profile/api-tokens/<int:pk>/revoke/",
        api_tokens.apitoken_revoke,
        name="apitoken_revoke",
    ),
]

# Supervision: slips (督办单) and the scorecard (考评) (cooperation/supervision/).
urlpatterns += [
    path("slips/", supervision.slip_list, name="slip_list"),
    path("slips/<int:pk>/", supervision.slip_detail, name="slip_detail"),
    path("slips/<int:pk>/feedback/", supervision.slip_feedback_create, name="slip_feedback"),
    path("slips/<int:pk>/review/", supervision.slip_review, name="slip_review"),
    path("reports/scorecard/", supervision.scorecard, name="scorecard"),
    path("reports/scorecard.xlsx", supervision.scorecard_xlsx, name="scorecard_xlsx"),
    path("reports/scorecard/rows/", supervision.scorecard_rows, name="scorecard_rows"),
]

# The consultation calendar, reminders and notifications (cooperation/meetings/).
urlpatterns += meeting_urlpatterns

# The supervision loop: acknowledgements, reviews, completion, evidence, comments (workflow/).
urlpatterns += workflow_urlpatterns
