"""What a load balancer needs to know: can this instance reach its database and broker, and
is any Celery worker answering? Reads only; never raises."""

import logging

from django.conf import settings
from django.db import DatabaseError, connections

log = logging.getLogger("cooperation.health")

BROKER_ERRORS = (OSError, ConnectionError)


def database_ok(alias: str = "default") -> bool:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError as exc:
        log.warning("health: database unavailable", extra={"error": type(exc).__name__})
        return False


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


def health_report() -> tuple[dict, bool]:
    """The report and whether this instance can serve requests (it cannot without a database).

    A missing broker or worker only delays reminders (they wait in the database), so the
    instance stays in service and the report says "degraded".
    """
    db = database_ok()
    broker, workers = broker_and_workers()
    if not db:
        status = "unavailable"
    elif broker and workers:
        status = "ok"
    else:
        status = "degraded"
    report = {
        "status": status,
        "database": "ok" if db else "unavailable",
        "broker": "ok" if broker else "unavailable",
        "workers": workers if workers is not None else "unknown",
    }
    return report, db
