"""What a load balancer needs to know, and what an operator may ask for more.

The public check (``health_report``) costs one database query: it proves the database
answers and counts the workers whose heartbeat (written by each worker every
CHENGYI_HEARTBEAT_SECONDS, tracker/celery.py) is recent. It never talks to the broker, so
no caller can hold a thread on a broker round trip. The detailed check (``health_detail``,
staff or a token) also asks the broker and pings the workers, within CHENGYI_HEALTH_TIMEOUT.
Reads only; never raises.
"""

import datetime
import logging

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone

from cooperation.models import WorkerHeartbeat

log = logging.getLogger("cooperation.health")

BROKER_ERRORS = (OSError, ConnectionError)


def _fresh_since() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=settings.CHENGYI_HEARTBEAT_STALE_SECONDS)


def live_workers() -> int | None:
    """Workers with a recent heartbeat; None when the database does not answer."""
    try:
        return WorkerHeartbeat.objects.filter(seen_at__gte=_fresh_since()).count()
    except DatabaseError as exc:
        log.warning("health: database unavailable", extra={"error": type(exc).__name__})
        return None


def heartbeat_record(hostname: str) -> None:
    """A worker's sign of life (called by the worker itself, on a timer)."""
    close_old_connections()
    try:
        WorkerHeartbeat.objects.update_or_create(
            hostname=hostname[:200], defaults={"seen_at": timezone.now()}
        )
        WorkerHeartbeat.objects.filter(
            seen_at__lt=timezone.now() - datetime.timedelta(days=1)
        ).delete()  # workers gone for a day
    except DatabaseError as exc:
        log.warning("heartbeat not recorded", extra={"error": type(exc).__name__})
        connection.close()


def health_report() -> tuple[dict, bool]:
    """The public report and whether this instance can serve requests (not without a
    database). No live worker only delays reminders (they wait in the database): the
    instance stays in service and the report says "degraded"."""
    workers = live_workers()
    status = {None: "unavailable", 0: "degraded"}.get(workers, "ok")
    report = {
        "status": status,
        "database": "unavailable" if workers is None else "ok",
        "workers": workers if workers is not None else "unknown",
    }
    return report, workers is not None


def broker_and_workers() -> tuple[bool, int | None]:
    """(broker reachable, number of workers that answered a ping; None when not asked)."""
    from kombu.exceptions import KombuError

    from tracker.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=0, timeout=settings.CHENGYI_HEALTH_TIMEOUT)
            replies = app.control.ping(timeout=settings.CHENGYI_HEALTH_TIMEOUT, connection=conn)
    except (KombuError, *BROKER_ERRORS) as exc:
        log.warning("health: broker unavailable", extra={"error": type(exc).__name__})
        return False, None
    return True, len(replies or [])


def health_detail() -> tuple[dict, bool]:
    """The public report plus the broker and the workers that answer a ping now."""
    report, serving = health_report()
    broker, answering = broker_and_workers()
    report["broker"] = "ok" if broker else "unavailable"
    report["workers_answering"] = answering if answering is not None else "unknown"
    if report["status"] == "ok" and not (broker and answering):
        report["status"] = "degraded"
    return report, serving
