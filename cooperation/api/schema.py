"""The OpenAPI schema, generated once per process, API version and language.

drf-spectacular generates it afresh for each request: about 200 ms of CPU here, for a
document that depends only on the code, the settings and the language (it is served public:
the same for every signed-in user, which a test checks role by role). A deploy restarts the
processes, which is when the code changes.
"""

import threading

from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.views import SpectacularAPIView

_SCHEMAS: dict[tuple, dict] = {}
_LOCK = threading.Lock()


class KeptSchemaGenerator(SchemaGenerator):
    def get_schema(self, request=None, public=False):
        key = (self.api_version, translation.get_language(), public)
        with _LOCK:  # two threads of one worker: generated once
            if key not in _SCHEMAS:
                _SCHEMAS[key] = super().get_schema(request=request, public=public)
            return _SCHEMAS[key]


class SchemaView(SpectacularAPIView):
    generator_class = KeptSchemaGenerator
