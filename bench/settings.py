"""Settings of the benchmark server: the production settings, plus one bench-only URL.

Only ``ROOT_URLCONF`` differs, so the server runs the same middleware, templates and
storage as production; the trivial "ok" view lives in ``bench/urls.py`` and never in the
production URLs.
"""

from tracker.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
