"""The dispatcher: claim a batch of due reminders, compose them, deliver them, record each
outcome; repeat.

Any number of dispatchers may run at once (two beats, several workers, a cron job): each row
is claimed by exactly one of them (see outbox). A dispatcher killed in the middle of a run
leaves its rows claimed; the lease runs out and the next dispatch sends them.

A batch (CHENGYI_DISPATCH_CLAIM rows) is claimed in one statement and looked up in one query.
The messages go out from a sender thread, one after the other over one connection to the
mail server, while this thread claims and composes the next batch and records what was sent:
a row is marked sent within RECORD_WITHIN of the mail server's acceptance, together with the
others accepted meanwhile, and the sender never waits for that commit. What was not sent (no
longer relevant, failed, held back) is recorded in one transaction at the end of the run.
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

from cooperation.choices import ROBOT_CHANNELS, Channel, ReminderState
from cooperation.models import Notification, Reminder
from cooperation.robots import compose as robot_compose
from cooperation.robots.throttle import RobotBudget
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
    outgoing: delivery.Outgoing | None  # the e-mail, made ready here
    # Not sent after this (time.monotonic()): half the lease after the claim, so no send can
    # still be under way when the lease runs out and another dispatcher takes the row.
    deadline: float


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def reminders_dispatch_due(*, limit: int | None = None, worker: str | None = None):
    """Send the reminders that are due, up to ``limit``; ``more`` says whether some remain."""
    limit = settings.CHENGYI_DISPATCH_BATCH if limit is None else limit
    result = DispatchResult(released=outbox.leases_expire())
    # The history's author is looked up once for every batch of the run.
    Run(worker=worker or worker_name(), user=system_user(), result=result).deliver(limit)
    return result


class Run:
    """One dispatch: batches claimed and composed here, sent by a sender thread meanwhile.

    The next batch is claimed and composed while the sender is still on the last one, so
    neither waits for the other. Whatever goes wrong with one row (a broken context, a
    template error, a refused send) is recorded on that row as a failed attempt, with its
    retries and backoff; the others go on.
    """

    def __init__(self, *, worker: str, user, result: DispatchResult):
        self.worker = worker
        self.user = user
        self.result = result
        self.outcomes = outbox.Outcomes()
        self.notifications: list[Notification] = []  # of e-mail rows that failed
        self.delivered: list[tuple[Ready, str, float]] = []  # sent, not yet recorded
        self.slots: set[tuple] = set()  # meetings and people reminded in this run
        self.robots = RobotBudget(worker=worker)  # messages per robot and minute

    def deliver(self, limit: int) -> None:
        sender = Sender()
        sender.start()
        try:
            handled = 0
            while handled < limit:
                # Claim the next batch when the sender is through half of what it holds:
                # its claim and composing overlap the sends instead of pausing them.
                while not sender.done and sender.waiting() > settings.CHENGYI_DISPATCH_CLAIM // 2:
                    self._collect(sender.reports(timeout=self._record_due()))
                if sender.done:  # the sender thread ended early: claim nothing more
                    break
                batch = settings.CHENGYI_DISPATCH_CLAIM
                claimed = outbox.claim(worker=self.worker, limit=min(batch, limit - handled))
                if not claimed:
                    break
                handled += len(claimed)
                deadline = time.monotonic() + settings.CHENGYI_REMINDER_LEASE_SECONDS / 2
                for item in self._prepare(claimed, deadline):
                    sender.send(item)
                    self._collect(sender.reports(timeout=0))
            else:
                self.result.more = True
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

    def _prepare(self, pks: list[int], deadline: float) -> Iterator[Ready]:
        """The batch ``pks``, each composed and rendered in its recipient's language, in turn;
        the rows that will not be sent (no longer relevant, broken) go to the outcomes."""
        reminders = list(
            Reminder.objects.select_related(
                "recipient__profile", "meeting__mechanism", "item__parent", "robot"
            )
            .filter(pk__in=pks)
            .order_by("due_at", "pk")
        )
        lookups = BatchLookups(reminders, now=timezone.now())
        renderings = delivery.Renderings()
        for reminder in reminders:
            slot = meeting_slot(reminder)
            if slot in self.slots:
                # A second reminder of the same meeting to the same person in this run:
                # whether it has anything to say depends on how the first fares. Next run.
                self.outcomes.released.append(reminder)
                continue
            if slot is not None:
                self.slots.add(slot)
            try:
                ready = self._ready(reminder, lookups, renderings, deadline)
            except NotRelevant as exc:
                self.outcomes.cancelled.append((reminder, str(exc)))
                continue
            except Exception as exc:
                _broken_log(reminder)
                self.outcomes.failed.append((reminder, f"{type(exc).__name__}: {exc}"))
                continue
            if reminder.robot_id is not None:
                wait = self.robots.wait_until(reminder.robot_id, lookups.now)
                if wait is not None:  # the robot's 20 a minute are used: it waits its turn
                    self.outcomes.deferred.append((reminder, wait))
                    continue
            yield ready
            time.sleep(0)  # a sender waiting for the interpreter lock takes it now

    @staticmethod
    def _ready(reminder: Reminder, lookups, renderings, deadline: float) -> Ready:
        """Composed and rendered in the recipient's language, the e-mail made ready."""
        with translation.override(language_of(reminder)):
            message = compose(reminder, batch=lookups)
            if reminder.channel in ROBOT_CHANNELS:
                text = robot_compose.markdown(message, platform=reminder.channel)
                rendered = delivery.Rendered(subject=message.subject, text=text, html="")
            else:
                rendered = delivery.render(message, recipient=reminder.recipient, batch=renderings)
        note = outgoing = None
        if reminder.channel == Channel.EMAIL:
            note = delivery.notification(reminder=reminder, message=message, rendered=rendered)
            if reminder.recipient.email:
                outgoing = delivery.email_outgoing(reminder=reminder, rendered=rendered)
        return Ready(reminder, message, rendered, note, outgoing, deadline)

    def _collect(self, reports: list[tuple[Ready, str, str, float]]) -> None:
        """Take the sender's reports: what was sent is recorded once RECORD_WITHIN has passed
        since the first of them was accepted; the rest waits for the end of the run."""
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
    """Sends a run's messages in order, on its own thread, over one connection at a time.

    The dispatcher hands over each message as soon as it is rendered (``send``) and records
    what was sent (``reports``) while the next ones go out. The thread never touches the
    database: rows, recipients and texts were loaded and rendered before. A report is
    (item, SENT | FAILED | RELEASED, note or error, time.monotonic() of the outcome).
    """

    def __init__(self):
        super().__init__(name="reminder-sender", daemon=True)
        self.done = False
        self._inbox: queue.SimpleQueue = queue.SimpleQueue()
        self._reports: queue.SimpleQueue = queue.SimpleQueue()
        self._halt = threading.Event()

    def send(self, item: Ready) -> None:
        self._inbox.put(item)

    def waiting(self) -> int:
        """Messages handed over and not yet taken up."""
        return self._inbox.qsize()

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
        if self._halt.is_set() or time.monotonic() > item.deadline:
            return item, RELEASED, "", time.monotonic()
        reminder = item.reminder
        try:
            note = delivery.deliver(
                reminder=reminder,
                message=item.message,
                rendered=item.rendered,
                mailer=mailer,
                outgoing=item.outgoing,
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
