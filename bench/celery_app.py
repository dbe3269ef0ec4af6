"""The worker of the reminder measurement: the project's Celery app plus one no-op task.

``celery -A bench.celery_app worker`` runs the project's tasks exactly as production does; the
no-op task gives the raw throughput of the same worker, broker and settings.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

from tracker.celery import app

__all__ = ["app", "noop"]


@app.task(name="bench.noop", ignore_result=True)
def noop() -> None:
    """Does nothing: what a task costs on its own (broker round trip, ack, bookkeeping)."""
