"""The suite's settings: the project's own (tracker.settings), read after one change.

Under pytest-xdist each worker is a process of its own with its own test database
(pytest-django adds ``_gw0``, ``_gw1``, ... to its name). It gets its own Redis database too:
the number in REDIS_URL / CELERY_BROKER_URL plus the worker's index (``make test``: DB 14 for
gw0, 15 for gw1). The URLs are rewritten in ``os.environ`` before the settings read them, so
every process a test starts (Celery workers and beats, gunicorn, manage.py) inherits the
worker's own queue; CHENGYI_TEST_REDIS_WORKER records that it was done, so such a process,
which imports these settings again, does not add the index a second time.
"""

import os
import re


def _worker_redis_url(url: str, index: int) -> str:
    """``redis://host:port/14`` for worker 1 → ``redis://host:port/15``."""
    match = re.fullmatch(r"(rediss?://[^/]+)(?:/(\d*))?", url)
    if not match:
        return url
    return f"{match.group(1)}/{int(match.group(2) or 0) + index}"


def _use_worker_redis(environ) -> None:
    worker = environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw") or environ.get("CHENGYI_TEST_REDIS_WORKER") == worker:
        return
    index = int(worker[2:])
    for name in ("REDIS_URL", "CELERY_BROKER_URL"):
        if environ.get(name):
            environ[name] = _worker_redis_url(environ[name], index)
    environ["CHENGYI_TEST_REDIS_WORKER"] = worker


_use_worker_redis(os.environ)

from tracker.settings import *  # noqa: E402, F403
