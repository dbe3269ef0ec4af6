"""The dispatcher: claim a due reminder, compose it, deliver it, record the outcome; repeat.

Any number of dispatchers may run at once (two beats, several workers, a cron job): each row
is claimed by exactly one of them (see outbox). A dispatcher killed in the middle of a send
leaves its row claimed; the lease runs out and the next dispatch sends it.
"""

import logging
import os
import socket
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone, translation

from cooperation.models import Reminder

from . import delivery, outbox
from .messages import NotRelevant, compose, language_of

logger = logging.getLogger("cooperation.reminders")


@dataclass
class DispatchResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    released: int = 0
    more: bool = False

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def reminders_dispatch_due(*, limit: int | None = None, worker: str | None = None):
    """Send the reminders that are due, up to ``limit``; ``more`` says whether some remain."""
    limit = settings.CHENGYI_DISPATCH_BATCH if limit is None else limit
    worker = worker or worker_name()
    result = DispatchResult(released=outbox.leases_expire())
    handled = 0
    while handled < limit:
        claimed = outbox.claim(worker=worker, limit=1)
        if not claimed:
            return result
        result.count(reminder_deliver(reminder_id=claimed[0], worker=worker))
        handled += 1
    result.more = True
    return result


def reminder_deliver(*, reminder_id: int, worker: str) -> str:
    """Deliver one claimed reminder. Returns sent, retried, failed or cancelled.

    Whatever goes wrong with one row (a broken context, a template error, a refused send) is
    recorded on that row as a failed attempt, with its retries and backoff; the dispatcher
    goes on with the next row instead of leaving this one claimed until the lease runs out.
    """
    reminder = Reminder.objects.select_related(
        "recipient__profile", "meeting__mechanism", "item__parent"
    ).get(pk=reminder_id)
    try:
        note = _compose_and_deliver(reminder)
    except NotRelevant as exc:
        outbox.mark_cancelled(reminder_id, worker=worker, reason=str(exc))
        return "cancelled"
    except delivery.DeliveryError as exc:
        return _attempt_failed(reminder_id, worker=worker, error=str(exc))
    except Exception as exc:
        logger.exception(
            "reminder could not be composed or delivered",
            extra={"event": "reminder_broken", "reminder": reminder_id, "kind": reminder.kind},
        )
        return _attempt_failed(reminder_id, worker=worker, error=f"{type(exc).__name__}: {exc}")
    outbox.mark_sent(reminder_id, worker=worker, note=note)
    logger.info(
        "reminder sent",
        extra={
            "event": "reminder_sent",
            "reminder": reminder_id,
            "kind": reminder.kind,
            "late_seconds": int((timezone.now() - reminder.due_at).total_seconds()),
        },
    )
    return "sent"


def _compose_and_deliver(reminder: Reminder) -> str:
    with translation.override(language_of(reminder)):
        message = compose(reminder)
        rendered = delivery.render(message, recipient=reminder.recipient)
    return delivery.deliver(reminder=reminder, message=message, rendered=rendered)


def _attempt_failed(reminder_id: int, *, worker: str, error: str) -> str:
    state = outbox.mark_attempt_failed(reminder_id, worker=worker, error=error)
    return "failed" if state == "failed" else "retried"
