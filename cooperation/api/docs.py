"""Swagger UI from the sidecar's local files; its start-up script is a separate request, so
the page runs under the strict CSP (no inline script or style)."""

from drf_spectacular.settings import spectacular_settings
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.authentication import SessionAuthentication


class ApiDocsView(SpectacularSwaggerSplitView):
    """For signed-in people (the sign-in middleware sends others to the sign-in page)."""

    template_name = "api/swagger_ui.html"
    url_name = "api:schema"
    authentication_classes = [SessionAuthentication]
    title = "Chengyi Tracker API"

    def _dump(self, data):
        # Without deep links an operation's path is a plain <a> with no href: not focusable
        # inside the operation's toggle button (axe nested-interactive), and not a small
        # link target (axe target-size).
        if data is spectacular_settings.SWAGGER_UI_SETTINGS:
            data = {**data, "deepLinking": False}
        return super()._dump(data)
