"""/api/v1/: one path per operation, named <model>_<action> like the web's URLs."""

from django.urls import path, re_path

from . import loop, views
from .schema import SchemaView

app_name = "api"


def _view(viewset, **actions):
    return viewset.as_view(actions)


LIST, DETAIL = {"get": "list"}, {"get": "retrieve"}

urlpatterns = [
    path("schema/", SchemaView.as_view(), name="schema"),
    path("v1/agreements/", _view(views.AgreementViewSet, **LIST), name="agreement_list"),
    path(
        "v1/agreements/<int:pk>/",
        _view(views.AgreementViewSet, **DETAIL),
        name="agreement_detail",
    ),
    path("v1/organisations/", _view(views.OrganizationViewSet, **LIST), name="organization_list"),
    path(
        "v1/organisations/<int:pk>/",
        _view(views.OrganizationViewSet, **DETAIL),
        name="organization_detail",
    ),
    path("v1/items/", _view(views.ItemViewSet, **LIST), name="item_list"),
    path("v1/items/<int:pk>/", _view(views.ItemViewSet, **DETAIL), name="item_detail"),
    path(
        "v1/items/<int:pk>/history/",
        _view(views.ItemViewSet, get="history"),
        name="item_history",
    ),
    path(
        "v1/status-reports/",
        _view(views.StatusReportViewSet, get="list", post="create"),
        name="statusupdate_list",
    ),
    path(
        "v1/status-reports/<int:pk>/",
        _view(views.StatusReportViewSet, **DETAIL),
        name="statusupdate_detail",
    ),
    path("v1/milestones/", _view(views.MilestoneViewSet, **LIST), name="milestone_list"),
    path(
        "v1/milestones/<int:pk>/",
        _view(views.MilestoneViewSet, **DETAIL),
        name="milestone_detail",
    ),
    path("v1/meetings/", _view(views.MeetingViewSet, **LIST), name="meeting_list"),
    path("v1/meetings/<int:pk>/", _view(views.MeetingViewSet, **DETAIL), name="meeting_detail"),
    path("v1/reminders/", _view(views.ReminderViewSet, **LIST), name="reminder_list"),
    path("v1/reminders/<int:pk>/", _view(views.ReminderViewSet, **DETAIL), name="reminder_detail"),
    path(
        "v1/status-reports/<int:pk>/review/",
        _view(loop.StatusReportReview, post="review"),
        name="statusupdate_review",
    ),
    path("v1/reviews/", _view(loop.ReviewViewSet, **LIST), name="review_list"),
    path("v1/completions/", _view(loop.CompletionViewSet, **LIST), name="completion_list"),
    path(
        "v1/completions/<int:pk>/",
        _view(loop.CompletionViewSet, **DETAIL),
        name="completion_detail",
    ),
    path(
        "v1/completions/<int:pk>/confirm/",
        _view(loop.CompletionViewSet, post="confirm"),
        name="completion_confirm",
    ),
    path(
        "v1/completions/<int:pk>/refuse/",
        _view(loop.CompletionViewSet, post="refuse"),
        name="completion_refuse",
    ),
    path("v1/slips/", _view(loop.SlipViewSet, **LIST), name="slip_list"),
    path("v1/slips/<int:pk>/", _view(loop.SlipViewSet, **DETAIL), name="slip_detail"),
    path(
        "v1/slips/<int:pk>/feedback/",
        _view(loop.SlipViewSet, post="feedback"),
        name="slip_feedback",
    ),
    path("v1/slips/<int:pk>/review/", _view(loop.SlipViewSet, post="review"), name="slip_review"),
    path("v1/scorecard/", loop.ScorecardView.as_view(), name="scorecard"),
    # Anything else under /api/ answers a JSON 404, not the web's HTML page.
    re_path(r"^", views.api_not_found, name="not_found"),
]
