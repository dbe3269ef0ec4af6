"""Swagger UI from the sidecar's local files; its start-up script is a separate request, so
the page runs under the strict CSP (no inline script or style)."""

from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.authentication import SessionAuthentication


class ApiDocsView(SpectacularSwaggerSplitView):
    """For signed-in people (the sign-in middleware sends others to the sign-in page)."""

    template_name = "api/swagger_ui.html"
    url_name = "api:schema"
    authentication_classes = [SessionAuthentication]
    title = "Chengyi Tracker API"
