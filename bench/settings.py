"""Settings of the benchmark server: the production settings, plus one bench-only URL.

Only ``ROOT_URLCONF`` (and the size above which a circular is left to a worker) differs, so
the server runs the same middleware, templates and
storage as production; the trivial "ok" view lives in ``bench/urls.py`` and never in the
production URLs.
"""

from tracker.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

# The circular of 10,000 items is made by a worker in production; the bench makes it in the
# page, so that the page's time is the worker's work (measurement "documents").
CHENGYI_DOCUMENT_SYNC_ITEMS = 10**9
