"""Sending work to Celery from a request without ever failing the request.

What must happen lives in the database (a Reminder row, a pending state); a task only says
"look now". So when the broker is down the message is dropped with a warning and the
periodic dispatcher (beat) picks the row up once the broker is back. Enqueue with
``enqueue(task, *ids)``, never ``task.delay`` in a view or service.
"""

import logging
from functools import partial

from django.db import transaction
from kombu.exceptions import KombuError

log = logging.getLogger("cooperation.queue")

# What a publish raises when the broker cannot be reached: kombu's OperationalError, or the
# socket error itself when it slips through (redis-py's ConnectionError is an OSError too).
BROKER_ERRORS = (KombuError, OSError)


def send_now(task, args: tuple = (), kwargs: dict | None = None) -> bool:
    """Publish at once; False (and a warning) when the broker is unavailable."""
    try:
        task.apply_async(args=args, kwargs=kwargs or {})
    except BROKER_ERRORS as exc:
        log.warning(
            "broker unavailable: task not sent, the periodic dispatcher will catch up",
            extra={"event": "enqueue_failed", "task": task.name, "error": str(exc)[:200]},
        )
        return False
    return True


def enqueue(task, *args, **kwargs) -> None:
    """Publish ``task`` once the current transaction commits (at once outside one)."""
    transaction.on_commit(partial(send_now, task, args, kwargs))
