from django.urls import path
from django.views.generic import RedirectView

from cooperation.meetings.urls import urlpatterns as meeting_urlpatterns

from . import views

app_name = "cooperation"

urlpatterns = [
    # Replaced by the dashboard (reports issue); until then sign-in lands on the item list.
    path("", RedirectView.as_view(pattern_name="cooperation:item_list"), name="dashboard"),
    path("items/", views.item_list, name="item_list"),
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
]

# The consultation calendar, reminders and notifications (cooperation/meetings/).
urlpatterns += meeting_urlpatterns
