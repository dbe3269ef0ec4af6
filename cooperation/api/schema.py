"""The OpenAPI schema, generated once per process, API version and language.

drf-spectacular generates it afresh for each request: about 200 ms of CPU here, for a
document that depends only on the code, the settings and the language (it is served public:
the same for every signed-in user, which a test checks role by role). A deploy restarts the
processes, which is when the code changes.
"""

import threading

from django.utils import translation
from drf_spectacular.views import SpectacularAPIView
from rest_framework.response import Response

_SCHEMAS: dict[tuple, dict] = {}
_LOCK = threading.Lock()


class SchemaView(SpectacularAPIView):
    def _get_schema_response(self, request):
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (version, translation.get_language(), self.serve_public)
        schema = _SCHEMAS.get(key)
        if schema is None:
            with _LOCK:  # two threads of one worker: generated once
                schema = _SCHEMAS.get(key)
                if schema is None:
                    generator = self.generator_class(
                        urlconf=self.urlconf, api_version=version, patterns=self.patterns
                    )
                    schema = _SCHEMAS[key] = generator.get_schema(
                        request=request, public=self.serve_public
                    )
        filename = self._get_filename(request, version)
        return Response(
            data=schema, headers={"Content-Disposition": f'inline; filename="{filename}"'}
        )
