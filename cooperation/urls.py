from django.urls import path
from django.views.generic import RedirectView

from cooperation.meetings.urls import urlpatterns as meeting_urlpatterns

app_name = "cooperation"

urlpatterns = [
    # Replaced by the dashboard (reports issue); until then sign-in lands in the admin.
    path("", RedirectView.as_view(pattern_name="admin:index"), name="dashboard"),
]

# The consultation calendar, reminders and notifications (cooperation/meetings/).
urlpatterns += meeting_urlpatterns
