"""The reminder outbox's state machine, safe with any number of dispatchers.

pending ──claim──▶ sending ──▶ sent
   ▲                  │ ├────▶ cancelled (no longer relevant)
   └── retry later ◀──┤ └────▶ failed (after CHENGYI_REMINDER_MAX_ATTEMPTS)
   └── lease expired ◀┘ (the sender vanished: a killed worker)

A dispatcher claims a row with one conditional UPDATE (``WHERE state = 'pending' ...``), so
of two dispatchers only one can win a row, on PostgreSQL and on SQLite alike; PostgreSQL first
picks candidates with ``SELECT ... FOR UPDATE SKIP LOCKED`` so racing dispatchers take
different rows instead of queueing behind each other. Every outcome is again a conditional
UPDATE that only the holder of the claim can make, followed by a history row: the UPDATE is
the concurrency guard, and the history keeps each attempt's error.
"""

import datetime
import logging

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from cooperation.choices import ReminderState
from cooperation.models import Reminder
from cooperation.services import system_user

logger = logging.getLogger("cooperation.reminders")

# Operator-facing (admin, logs), like the exception texts stored next to them: not translated.
LEASE_EXPIRED = "The sender stopped during the send (lease expired); it is tried again."
LEASE_EXPIRED_FINAL = "The sender stopped during the send (lease expired) too many times."


def _claimable(now: datetime.datetime) -> Q:
    return Q(state=ReminderState.PENDING, due_at__lte=now) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


def _record(pks, reason: str) -> None:
    """One history row per reminder in ``pks``, with its state after the change."""
    rows = list(Reminder.objects.filter(pk__in=pks))
    if rows:
        Reminder.history.bulk_history_create(
            rows, default_user=system_user(), default_change_reason=str(reason)[:100]
        )


def _transition(pk: int, *, expect: Q, fields: dict, reason: str) -> bool:
    """Apply ``fields`` to the row if it still matches ``expect``; True when it did."""
    with transaction.atomic():
        changed = Reminder.objects.filter(expect, pk=pk).update(**fields)
        if changed:
            _record([pk], reason)
    return bool(changed)


def claim(*, worker: str, now: datetime.datetime | None = None, limit: int = 1) -> list[int]:
    """Take up to ``limit`` due rows for ``worker``; no other dispatcher gets them."""
    now = now or timezone.now()
    claim_fields = {
        "state": ReminderState.SENDING,
        "claimed_by": worker,
        "claimed_at": now,
        "attempts": F("attempts") + 1,
    }
    due = Reminder.objects.filter(_claimable(now)).order_by("due_at", "pk")
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            pks = list(due.select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit])
            Reminder.objects.filter(_claimable(now), pk__in=pks).update(**claim_fields)
        return pks
    claimed: list[int] = []
    for pk in due.values_list("pk", flat=True)[: limit * 4]:
        # SQLite: the WHERE clause is the lock. A row someone else took no longer matches.
        if Reminder.objects.filter(_claimable(now), pk=pk).update(**claim_fields):
            claimed.append(pk)
            if len(claimed) == limit:
                break
    return claimed


def leases_expire(*, now: datetime.datetime | None = None) -> int:
    """Rows claimed longer ago than the lease: back to pending, or failed after too many tries."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=settings.CHENGYI_REMINDER_LEASE_SECONDS)
    expect = Q(state=ReminderState.SENDING, claimed_at__lt=cutoff)
    released = 0
    for pk, attempts, worker in Reminder.objects.filter(expect).values_list(
        "pk", "attempts", "claimed_by"
    ):
        final = attempts >= settings.CHENGYI_REMINDER_MAX_ATTEMPTS
        error = LEASE_EXPIRED_FINAL if final else LEASE_EXPIRED
        fields = {
            "state": ReminderState.FAILED if final else ReminderState.PENDING,
            "next_attempt_at": None if final else now,
            "last_error": f"{error} ({worker})",
            "claimed_by": "",
            "claimed_at": None,
        }
        if _transition(pk, expect=expect, fields=fields, reason="Lease expired"):
            released += 1
            logger.warning(
                "reminder lease expired",
                extra={"event": "reminder_lease_expired", "reminder": pk, "worker": worker},
            )
    return released


def _held_by(worker: str) -> Q:
    return Q(state=ReminderState.SENDING, claimed_by=worker)


def _lost(pk: int, worker: str, outcome: str) -> None:
    logger.warning(
        "reminder claim lost before it was recorded",
        extra={"event": "reminder_claim_lost", "reminder": pk, "worker": worker, "to": outcome},
    )


def mark_sent(pk: int, *, worker: str, note: str = "") -> bool:
    fields = {
        "state": ReminderState.SENT,
        "sent_at": timezone.now(),
        "next_attempt_at": None,
        "last_error": note,
    }
    done = _transition(pk, expect=_held_by(worker), fields=fields, reason="Sent")
    if not done:
        _lost(pk, worker, "sent")
    return done


def mark_cancelled(pk: int, *, worker: str, reason: str) -> bool:
    fields = {"state": ReminderState.CANCELLED, "last_error": reason, "next_attempt_at": None}
    done = _transition(pk, expect=_held_by(worker), fields=fields, reason="No longer relevant")
    if not done:
        _lost(pk, worker, "cancelled")
    return done


def retry_delay(attempts: int) -> datetime.timedelta:
    """60 s, 120 s, 240 s ... (CHENGYI_REMINDER_RETRY_SECONDS doubling), capped."""
    seconds = settings.CHENGYI_REMINDER_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return datetime.timedelta(seconds=min(seconds, settings.CHENGYI_REMINDER_RETRY_MAX_SECONDS))


def mark_attempt_failed(pk: int, *, worker: str, error: str) -> str:
    """Record a failed attempt: try again after the backoff, or give up. Returns the state."""
    attempts = Reminder.objects.filter(pk=pk).values_list("attempts", flat=True).first() or 0
    final = attempts >= settings.CHENGYI_REMINDER_MAX_ATTEMPTS
    fields = {
        "state": ReminderState.FAILED if final else ReminderState.PENDING,
        "next_attempt_at": None if final else timezone.now() + retry_delay(attempts),
        "last_error": error[:2000],
    }
    reason = "Failed, gave up" if final else "Failed, will retry"
    if not _transition(pk, expect=_held_by(worker), fields=fields, reason=reason):
        _lost(pk, worker, fields["state"])
    log = logger.error if final else logger.warning
    log(
        "reminder send failed",
        extra={"event": "reminder_failed", "reminder": pk, "attempts": attempts, "final": final},
    )
    return fields["state"]


def pending_cancel(queryset, *, reason: str) -> int:
    """Cancel the pending rows of ``queryset`` (rows being sent are caught when composed)."""
    pks = list(queryset.filter(state=ReminderState.PENDING).values_list("pk", flat=True))
    if not pks:
        return 0
    with transaction.atomic():
        changed = Reminder.objects.filter(pk__in=pks, state=ReminderState.PENDING).update(
            state=ReminderState.CANCELLED, last_error=reason, next_attempt_at=None
        )
        _record(
            Reminder.objects.filter(pk__in=pks, state=ReminderState.CANCELLED).values("pk"),
            reason,
        )
    return changed


def pending_retime(pk: int, *, due_at: datetime.datetime) -> bool:
    """Move a pending row to a new due time (its meeting moved)."""
    return _transition(
        pk,
        expect=Q(state=ReminderState.PENDING),
        fields={"due_at": due_at, "next_attempt_at": None},
        reason="Re-timed: the meeting moved",
    )


def reminders_retry(queryset, *, user) -> int:
    """Give failed rows a fresh set of attempts (the admin's “send again”)."""
    pks = list(queryset.filter(state=ReminderState.FAILED).values_list("pk", flat=True))
    with transaction.atomic():
        changed = Reminder.objects.filter(pk__in=pks, state=ReminderState.FAILED).update(
            state=ReminderState.PENDING, attempts=0, next_attempt_at=None
        )
        rows = list(Reminder.objects.filter(pk__in=pks, state=ReminderState.PENDING))
        if rows:
            Reminder.history.bulk_history_create(
                rows, default_user=user, default_change_reason="Sent again from the admin"
            )
    return changed
