from django.urls import path

from cooperation.views import workflow as views

urlpatterns = [
    path("todo/", views.todo_list, name="todo_list"),
    path(
        "acknowledgements/<int:pk>/acknowledge/",
        views.acknowledgement_acknowledge_view,
        name="acknowledgement_acknowledge",
    ),
    path("status-updates/<int:pk>/review/", views.statusupdate_review, name="statusupdate_review"),
    path("completions/<int:pk>/", views.completion_detail, name="completion_detail"),
    path("completions/<int:pk>/confirm/", views.completion_confirm_view, name="completion_confirm"),
    path("completions/<int:pk>/refuse/", views.completion_refuse_view, name="completion_refuse"),
    path(
        "completions/<int:pk>/withdraw/", views.completion_withdraw_view, name="completion_withdraw"
    ),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("items/<int:pk>/comments/", views.comment_create, name="comment_create"),
    path("comments/<int:pk>/edit/", views.comment_update, name="comment_update"),
    path(
        "account/notification-preferences/",
        views.notification_preferences,
        name="notification_preferences",
    ),
]
