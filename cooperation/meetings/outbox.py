"""The reminder outbox's state machine, safe with any number of dispatchers.

pending ──claim──▶ sending ──▶ sent
   ▲                  │ ├────▶ cancelled (no longer relevant)
   └── retry later ◀──┤ └────▶ failed (after CHENGYI_REMINDER_MAX_ATTEMPTS)
   └── lease expired ◀┘ (the sender vanished: a killed worker)

A dispatcher claims a batch of rows with a conditional UPDATE (``WHERE state = 'pending'
...``), so of two dispatchers only one can win a row, on PostgreSQL and on SQLite alike;
PostgreSQL first picks candidates with ``SELECT ... FOR UPDATE SKIP LOCKED`` so racing
dispatchers take different rows instead of queueing behind each other. Every outcome is again
a conditional UPDATE that only the holder of the claim can make, with a history row in the
same transaction: the UPDATE is the concurrency guard, and the history keeps each attempt's
error. Rows given the same change share one UPDATE.
"""

import datetime
import functools
import json
import logging
from dataclasses import dataclass, field

import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from cooperation.choices import ReminderState
from cooperation.models import Notification, Reminder
from cooperation.services import system_user
from cooperation.webhooks.events import event_record

logger = logging.getLogger("cooperation.reminders")

# Operator-facing (admin, logs), like the exception texts stored next to them: not translated.
LEASE_EXPIRED = "The sender stopped during the send (lease expired); it is tried again."
LEASE_EXPIRED_FINAL = "The sender stopped during the send (lease expired) too many times."


def _claimable(now: datetime.datetime) -> Q:
    return Q(state=ReminderState.PENDING, due_at__lte=now) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


def _record(pks, reason: str, *, user=None) -> None:
    """One history row per reminder in ``pks``, with its state after the change."""
    rows = list(Reminder.objects.filter(pk__in=pks))
    if rows:
        _history(rows, reason=reason, user=user)


@functools.cache
def _history_manager():
    # Reminder.history builds a new manager class at each access (inspect.getmembers): too
    # dear for a call per batch of sends.
    return Reminder.history


def _history(rows: list[Reminder], *, reason: str = "", user=None) -> None:
    """History rows of ``rows`` as they are in memory (each may carry a ``_change_reason``)."""
    _history_manager().bulk_history_create(
        rows,
        update=True,
        default_user=user or system_user(),
        default_change_reason=str(reason)[:100],
    )


def _transition(pk: int, *, expect: Q, fields: dict, reason: str) -> bool:
    """Apply ``fields`` to the row if it still matches ``expect``; True when it did."""
    with transaction.atomic():
        changed = Reminder.objects.filter(expect, pk=pk).update(**fields)
        if changed:
            _record([pk], reason)
    return bool(changed)


def backlog(*, more_than: int) -> bool:
    """Whether more than ``more_than`` rows can be claimed now."""
    due = Reminder.objects.filter(_claimable(timezone.now())).order_by()
    return due[: more_than + 1].count() > more_than


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
            if final:
                event_record(type="reminder.failed", obj=Reminder.objects.get(pk=pk))
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


def _apply(reminder: Reminder, fields: dict, reason: str) -> None:
    for name, value in fields.items():
        setattr(reminder, name, value)
    reminder._change_reason = reason[:100]


def sent_record(
    delivered: list[tuple[Reminder, str, Notification | None]], *, worker: str, user=None
) -> int:
    """Record delivered rows, each with its note and in-app copy, at once; returns how many.

    The dispatcher calls this within moments of the mail server's acceptance, while the next
    messages go out. Only the rows this worker still holds are recorded, and only they get
    their in-app copy (one per reminder: a copy that exists is kept).
    """
    user = user or system_user()
    now = timezone.now()
    if connection.vendor == "postgresql":
        recorded = _sent_record_postgresql(delivered, worker=worker, user=user, now=now)
    else:
        recorded = _sent_record_orm(delivered, worker=worker, user=user, now=now)
    fields = {"state": ReminderState.SENT, "sent_at": now, "next_attempt_at": None}
    for reminder, note, _copy in delivered:
        if reminder.pk in recorded:
            _apply(reminder, {**fields, "last_error": note}, "Sent")
        else:
            _lost(reminder.pk, worker, ReminderState.SENT)
    return len(recorded)


def _sent_record_orm(delivered, *, worker: str, user, now) -> set[int]:
    changes: dict[tuple, list[Reminder]] = {}
    for reminder, note, _copy in delivered:
        fields = {
            "state": ReminderState.SENT,
            "sent_at": now,
            "next_attempt_at": None,
            "last_error": note,
        }
        changes.setdefault(_change_key(fields, "Sent"), []).append(reminder)
    with transaction.atomic(savepoint=False):  # part of the caller's transaction, if any
        recorded = {reminder.pk for reminder in _change(changes, worker=worker, user=user)}
        copies = [copy for reminder, _n, copy in delivered if copy and reminder.pk in recorded]
        Notification.objects.bulk_create(copies, ignore_conflicts=True)
    return recorded


def _sent_record_postgresql(delivered, *, worker: str, user, now) -> set[int]:
    """The conditional UPDATE, the history rows and the in-app copies in one statement: the
    send path runs it for every message or two, and through the ORM (three statements and a
    transaction) it took more CPU than the send itself."""
    copies = [copy for _reminder, _note, copy in delivered if copy is not None]
    with _prepared_cursor() as cursor:
        cursor.execute(
            _sent_sql(),
            {
                "ids": [reminder.pk for reminder, _note, _copy in delivered],
                "notes": [note for _reminder, note, _copy in delivered],
                "sent": ReminderState.SENT,
                "sending": ReminderState.SENDING,
                "worker": worker,
                "now": now,
                "reason": "Sent",
                "user": user.pk,
                "copy_reminders": [copy.reminder_id for copy in copies],
                "copy_users": [copy.user_id for copy in copies],
                "kinds": [copy.kind for copy in copies],
                "params": [json.dumps(copy.params, ensure_ascii=False) for copy in copies],
                "titles": [copy.title for copy in copies],
                "bodies": [copy.body for copy in copies],
                "urls": [copy.url for copy in copies],
            },
        )
        return {row[0] for row in cursor.fetchall()}


class _Prepared(psycopg.Cursor):
    """Parameters bound by the server and the statement prepared once per connection: the
    send path runs one statement per message, and quoting its arrays on the client and
    planning it afresh each time cost more than running it (profiled)."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)


def _prepared_cursor():
    """A cursor like ``connection.cursor()`` (the same error wrapping, query log and execute
    wrappers) that prepares its statements."""
    connection.ensure_connection()
    raw = _Prepared(connection.connection)
    if connection.queries_logged:
        return connection.make_debug_cursor(raw)
    return connection.make_cursor(raw)


@functools.cache
def _sent_sql() -> str:
    quote = connection.ops.quote_name
    history = _history_manager().model
    columns = ", ".join(quote(f.column) for f in history.tracked_fields)
    # Only table and column names from the models are formatted in; values are parameters.
    return f"""
        WITH delivered AS (
            SELECT * FROM unnest(%(ids)s::bigint[], %(notes)s::text[]) AS d(id, note)
        ), sent AS (
            UPDATE {quote(Reminder._meta.db_table)} AS r
            SET state = %(sent)s, sent_at = %(now)s, next_attempt_at = NULL,
                last_error = delivered.note
            FROM delivered
            WHERE r.id = ANY(%(ids)s::bigint[]) AND r.id = delivered.id
                AND r.state = %(sending)s AND r.claimed_by = %(worker)s
            RETURNING r.*
        ), history AS (
            INSERT INTO {quote(history._meta.db_table)} ({columns}, history_date,
                history_change_reason, history_type, history_user_id)
            SELECT {columns}, %(now)s, %(reason)s, '~', %(user)s FROM sent
        ), copies AS (
            INSERT INTO {quote(Notification._meta.db_table)}
                (reminder_id, user_id, kind, params, title, body, url, created_at)
            SELECT c.reminder_id, c.user_id, c.kind, c.params::jsonb, c.title, c.body, c.url,
                %(now)s
            FROM unnest(%(copy_reminders)s::bigint[], %(copy_users)s::integer[],
                %(kinds)s::text[], %(params)s::text[], %(titles)s::text[], %(bodies)s::text[],
                %(urls)s::text[])
                AS c(reminder_id, user_id, kind, params, title, body, url)
            JOIN sent ON sent.id = c.reminder_id
            ON CONFLICT (reminder_id) DO NOTHING
        )
        SELECT id FROM sent
    """  # noqa: S608


def retry_delay(attempts: int) -> datetime.timedelta:
    """60 s, 120 s, 240 s ... (CHENGYI_REMINDER_RETRY_SECONDS doubling), capped."""
    seconds = settings.CHENGYI_REMINDER_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return datetime.timedelta(seconds=min(seconds, settings.CHENGYI_REMINDER_RETRY_MAX_SECONDS))


@dataclass
class Outcomes:
    """What a batch decided about the rows it did not send, recorded together."""

    cancelled: list[tuple[Reminder, str]] = field(default_factory=list)  # with the reason
    failed: list[tuple[Reminder, str]] = field(default_factory=list)  # with the error
    released: list[Reminder] = field(default_factory=list)  # not attempted: back to pending
    # not attempted, waiting for a robot's next minute: back to pending until then
    deferred: list[tuple[Reminder, datetime.datetime]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.cancelled or self.failed or self.released or self.deferred)


def _failure(reminder: Reminder, error: str, now: datetime.datetime) -> tuple[dict, str]:
    final = reminder.attempts >= settings.CHENGYI_REMINDER_MAX_ATTEMPTS
    fields = {
        "state": ReminderState.FAILED if final else ReminderState.PENDING,
        "next_attempt_at": None if final else now + retry_delay(reminder.attempts),
        "last_error": error[:2000],
    }
    return fields, "Failed, gave up" if final else "Failed, will retry"


def outcomes_record(outcomes: Outcomes, *, worker: str, user=None) -> dict[int, str]:
    """Record a batch's cancelled, failed and released rows in one transaction.

    Rows with the same change share one conditional UPDATE (only the holder of the claim can
    make it); each changed row gets its history row. Returns the state each row was given.
    """
    now = timezone.now()
    changes: dict[tuple, list[Reminder]] = {}
    states: dict[int, str] = {}
    cancelled = [
        (
            reminder,
            {"state": ReminderState.CANCELLED, "last_error": reason, "next_attempt_at": None},
            "No longer relevant",
        )
        for reminder, reason in outcomes.cancelled
    ]
    failed = [(reminder, *_failure(reminder, error, now)) for reminder, error in outcomes.failed]
    for reminder, fields, reason in cancelled + failed:
        changes.setdefault(_change_key(fields, reason), []).append(reminder)
        states[reminder.pk] = fields["state"]
    with transaction.atomic(savepoint=False):  # part of the caller's transaction, if any
        for reminder in _change(changes, worker=worker, user=user):
            if states[reminder.pk] == ReminderState.FAILED:
                event_record(type="reminder.failed", obj=reminder)
        if outcomes.released:
            # Never attempted: the claim is undone, attempt count included. A claim writes no
            # history row, so neither does its undoing.
            Reminder.objects.filter(
                _held_by(worker), pk__in=[reminder.pk for reminder in outcomes.released]
            ).update(
                state=ReminderState.PENDING,
                attempts=F("attempts") - 1,
                claimed_by="",
                claimed_at=None,
            )
        for reminder, wait in outcomes.deferred:
            Reminder.objects.filter(_held_by(worker), pk=reminder.pk).update(
                state=ReminderState.PENDING,
                attempts=F("attempts") - 1,
                next_attempt_at=wait,
                claimed_by="",
                claimed_at=None,
            )
    for reminder, _error in outcomes.failed:
        _failure_log(reminder, states.get(reminder.pk))
    return states


def _change_key(fields: dict, reason: str) -> tuple:
    return tuple(sorted(fields.items())), reason


def _change(changes: dict[tuple, list[Reminder]], *, worker: str, user) -> list[Reminder]:
    """Apply each change to its rows that this worker still holds, one conditional UPDATE per
    change, and write their history rows; returns the rows changed. Call it in a transaction."""
    changed: list[Reminder] = []
    for (items, reason), rows in changes.items():
        fields = dict(items)
        for reminder in _update_held(rows, worker=worker, fields=fields):
            _apply(reminder, fields, reason)
            changed.append(reminder)
    if changed:
        _history(changed, user=user)
    return changed


def _update_held(rows: list[Reminder], *, worker: str, fields: dict) -> list[Reminder]:
    """Apply ``fields`` to the rows this worker still holds; returns those rows."""
    pks = [reminder.pk for reminder in rows]
    done = Reminder.objects.filter(_held_by(worker), pk__in=pks).update(**fields)
    if done == len(rows):
        return rows
    # A claim was lost (its lease ran out and someone else took the row): find which.
    ours = set(
        Reminder.objects.filter(pk__in=pks, claimed_by=worker, state=fields["state"]).values_list(
            "pk", flat=True
        )
    )
    for reminder in rows:
        if reminder.pk not in ours:
            _lost(reminder.pk, worker, fields["state"])
    return [reminder for reminder in rows if reminder.pk in ours]


def _failure_log(reminder: Reminder, state: str | None) -> None:
    final = state == ReminderState.FAILED
    log = logger.error if final else logger.warning
    log(
        "reminder send failed",
        extra={
            "event": "reminder_failed",
            "reminder": reminder.pk,
            "attempts": reminder.attempts,
            "final": final,
        },
    )


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
