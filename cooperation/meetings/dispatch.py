"""The dispatcher: claim a batch of due reminders, compose them, deliver them, record each
outcome; repeat.

Any number of dispatchers may run at once (two beats, several workers, a cron job): each row
is claimed by exactly one of them (see outbox). A dispatcher killed in the middle of a batch
leaves its rows claimed; the lease runs out and the next dispatch sends them.

A batch (CHENGYI_DISPATCH_CLAIM rows) is claimed in one statement and looked up in one query.
Its messages go out from a sender thread, one after the other over one connection to the mail
server, while this thread composes the next ones and records what was sent: a row is marked
sent within RECORD_WITHIN of the mail server's acceptance, together with the others accepted
meanwhile, and the sender never waits for that commit. What was not sent (no longer relevant,
failed, held back) is recorded for the whole batch in one transaction at the end.
"""

import contextlib
import logging
import os
import queue
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from cooperation.choices import Channel, ReminderState
from cooperation.models import Notification, Reminder
from cooperation.services import system_user

from . import delivery, outbox
from .messages import BatchLookups, Message, NotRelevant, compose, language_of, meeting_slot

logger = logging.getLogger("cooperation.reminders")

SENT, FAILED, RELEASED = "sent", "failed", "released"

# A delivered row is marked sent this long (seconds) after the mail server accepted it, at
# the latest, with the others accepted meanwhile: one statement for several rows costs this
# process and the database a fraction of one per row. A worker that dies in between sends
# those messages again after the lease, with the same Message-ID (README, "Exactly once").
RECORD_WITHIN = 0.02


@dataclass
class DispatchResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    released: int = 0
    more: bool = False

    def count(self, outcome: str, n: int = 1) -> None:
        setattr(self, outcome, getattr(self, outcome) + n)


@dataclass
class Ready:
    """A claimed row, composed and rendered, waiting for its turn to be sent."""

    reminder: Reminder
    message: Message
    rendered: delivery.Rendered
    notification: Notification | None  # the in-app copy of an e-mail reminder


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def reminders_dispatch_due(*, limit: int | None = None, worker: str | None = None):
    """Send the reminders that are due, up to ``limit``; ``more`` says whether some remain."""
    limit = settings.CHENGYI_DISPATCH_BATCH if limit is None else limit
    worker = worker or worker_name()
    result = DispatchResult(released=outbox.leases_expire())
    user = system_user()  # the history's author, looked up once for every batch
    handled = 0
    while handled < limit:
        claimed = outbox.claim(
            worker=worker, limit=min(settings.CHENGYI_DISPATCH_CLAIM, limit - handled)
        )
        if not claimed:
            return result
        Batch(claimed, worker=worker, user=user, result=result).deliver()
        handled += len(claimed)
    result.more = True
    return result


class Batch:
    """The claimed rows ``pks`` of one round, delivered; what happened is added to ``result``.

    Whatever goes wrong with one row (a broken context, a template error, a refused send) is
    recorded on that row as a failed attempt, with its retries and backoff; the others go on.
    """

    def __init__(self, pks: list[int], *, worker: str, user, result: DispatchResult):
        self.pks = pks
        self.worker = worker
        self.user = user
        self.result = result
        self.outcomes = outbox.Outcomes()
        self.notifications: list[Notification] = []  # of e-mail rows that failed
        self.delivered: list[tuple[Ready, str, float]] = []  # sent, not yet recorded

    def deliver(self) -> None:
        # Nothing is started past half the lease, so no send can still be under way when the
        # lease runs out and another dispatcher takes the row (one send stays well within it).
        sender = Sender(deadline=time.monotonic() + settings.CHENGYI_REMINDER_LEASE_SECONDS / 2)
        sender.start()
        try:
            for item in self._prepare():
                sender.send(item)
                self._collect(sender.reports(timeout=0))
            sender.close()
            while not sender.done:
                self._collect(sender.reports(timeout=self._record_due()))
            self._record()
        finally:
            sender.stop()
        if self.outcomes:
            with transaction.atomic():
                delivery.notifications_post(self.notifications)
                states = outbox.outcomes_record(self.outcomes, worker=self.worker, user=self.user)
            self.result.count("cancelled", len(self.outcomes.cancelled))
            for reminder, _error in self.outcomes.failed:
                failed = states[reminder.pk] == ReminderState.FAILED
                self.result.count("failed" if failed else "retried")

    def _prepare(self) -> Iterator[Ready]:
        """Each row composed and rendered in its recipient's language, in turn; the rows that
        will not be sent (no longer relevant, broken) go to the outcomes."""
        reminders = list(
            Reminder.objects.select_related(
                "recipient__profile", "meeting__mechanism", "item__parent"
            )
            .filter(pk__in=self.pks)
            .order_by("due_at", "pk")
        )
        lookups = BatchLookups(reminders, now=timezone.now())
        renderings = delivery.Renderings()
        slots: set[tuple] = set()
        for reminder in reminders:
            slot = meeting_slot(reminder)
            if slot in slots:
                # A second reminder of the same meeting to the same person in this batch:
                # whether it has anything to say depends on how the first fares. Next round.
                self.outcomes.released.append(reminder)
                continue
            if slot is not None:
                slots.add(slot)
            try:
                with translation.override(language_of(reminder)):
                    message = compose(reminder, batch=lookups)
                    rendered = delivery.render(
                        message, recipient=reminder.recipient, batch=renderings
                    )
            except NotRelevant as exc:
                self.outcomes.cancelled.append((reminder, str(exc)))
                continue
            except Exception as exc:
                _broken_log(reminder)
                self.outcomes.failed.append((reminder, f"{type(exc).__name__}: {exc}"))
                continue
            note = None
            if reminder.channel != Channel.WEBHOOK:
                note = delivery.notification(reminder=reminder, message=message, rendered=rendered)
            yield Ready(reminder, message, rendered, note)

    def _collect(self, reports: list[tuple[Ready, str, str, float]]) -> None:
        """Take the sender's reports: what was sent is recorded once RECORD_WITHIN has passed
        since the first of them was accepted; the rest waits for the end of the batch."""
        for item, outcome, detail, at in reports:
            if outcome == SENT:
                self.delivered.append((item, detail, at))
            elif outcome == FAILED:
                self.outcomes.failed.append((item.reminder, detail))
                if item.notification is not None:
                    self.notifications.append(item.notification)
            else:
                self.outcomes.released.append(item.reminder)
        if self._record_due() == 0:
            self._record()

    def _record_due(self) -> float | None:
        """Seconds until what was sent must be recorded; None when nothing waits."""
        if not self.delivered:
            return None
        return max(0.0, self.delivered[0][2] + RECORD_WITHIN - time.monotonic())

    def _record(self) -> None:
        """Mark what was sent, with the in-app copies, in one statement."""
        if not self.delivered:
            return
        delivered, self.delivered = self.delivered, []
        outbox.sent_record(
            [(item.reminder, note, item.notification) for item, note, _at in delivered],
            worker=self.worker,
            user=self.user,
        )
        self.result.count("sent", len(delivered))
        _sent_log([item.reminder for item, _note, _at in delivered])


class Sender(threading.Thread):
    """Sends a batch's messages in order, on its own thread, over one connection.

    The dispatcher hands over each message as soon as it is rendered (``send``) and records
    what was sent (``reports``) while the next one goes out. The thread never touches the
    database: rows, recipients and texts were loaded and rendered before. A report is
    (item, SENT | FAILED | RELEASED, note or error, time.monotonic() of the outcome).
    """

    def __init__(self, *, deadline: float):
        super().__init__(name="reminder-sender", daemon=True)
        self.deadline = deadline
        self.done = False
        self._inbox: queue.SimpleQueue = queue.SimpleQueue()
        self._reports: queue.SimpleQueue = queue.SimpleQueue()
        self._halt = threading.Event()

    def send(self, item: Ready) -> None:
        self._inbox.put(item)

    def close(self) -> None:
        """Nothing more to send: the thread ends after the last message."""
        self._inbox.put(None)

    def run(self) -> None:
        mailer = delivery.Mailer()
        try:
            while (item := self._inbox.get()) is not None:
                self._reports.put(self._send(item, mailer))
        finally:
            mailer.close()
            self._reports.put(None)

    def _send(self, item: Ready, mailer: delivery.Mailer) -> tuple[Ready, str, str, float]:
        if self._halt.is_set() or time.monotonic() > self.deadline:
            return item, RELEASED, "", time.monotonic()
        reminder = item.reminder
        try:
            note = delivery.deliver(
                reminder=reminder, message=item.message, rendered=item.rendered, mailer=mailer
            )
        except delivery.DeliveryError as exc:
            return item, FAILED, str(exc), time.monotonic()
        except Exception as exc:
            _broken_log(reminder)
            return item, FAILED, f"{type(exc).__name__}: {exc}", time.monotonic()
        return item, SENT, note, time.monotonic()

    def reports(self, *, timeout: float | None) -> list[tuple[Ready, str, str, float]]:
        """What happened since the last call: waits up to ``timeout`` seconds (None: until
        there is something to report) when there is nothing yet."""
        reports = []
        if not self.done and self._reports.empty() and timeout != 0:
            with contextlib.suppress(queue.Empty):
                reports.append(self._reports.get(timeout=timeout))
        while not self._reports.empty():
            reports.append(self._reports.get())
        if None in reports:
            self.done = True
        return [report for report in reports if report is not None]

    def stop(self) -> None:
        """Send nothing more (what is left is reported released) and wait for the thread."""
        self._halt.set()
        self._inbox.put(None)
        self.join()


def _sent_log(reminders: list[Reminder]) -> None:
    now = timezone.now()
    for reminder in reminders:
        logger.info(
            "reminder sent",
            extra={
                "event": "reminder_sent",
                "reminder": reminder.pk,
                "kind": reminder.kind,
                "late_seconds": int((now - reminder.due_at).total_seconds()),
            },
        )


def _broken_log(reminder: Reminder) -> None:
    logger.exception(
        "reminder could not be composed or delivered",
        extra={"event": "reminder_broken", "reminder": reminder.pk, "kind": reminder.kind},
    )
