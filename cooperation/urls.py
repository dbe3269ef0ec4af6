from django.urls import path
from django.views.generic import RedirectView

app_name = "cooperation"

urlpatterns = [
    # Replaced by the dashboard (reports issue); until then sign-in lands in the admin.
    path("", RedirectView.as_view(pattern_name="admin:index"), name="dashboard"),
]
