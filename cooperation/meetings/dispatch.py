"""The dispatcher: claim a batch of due reminders, compose them, deliver them, record each
outcome; repeat.

Any number of dispatchers may run at once (two beats, several workers, a cron job): each row
is claimed by exactly one of them (see outbox). A dispatcher killed in the middle of a run
leaves its rows claimed; the lease runs out and the next dispatch sends them.

A batch (CHENGYI_DISPATCH_CLAIM rows) is claimed in one statement and looked up in one query.
The messages go out from a sender thread, one after the other over one connection to the
mail server, while this thread claims and composes the next batch and records what was sent.
A message is handed over (the final "." of its SMTP DATA) only once the one before it is
recorded as sent: its envelope and content travel while that record is written, so the
wait costs little, and a worker killed at any moment leaves at most one message accepted by
the mail server and not recorded (it goes out again after the lease, with the same
Message-ID). What was not sent (no longer relevant, failed, held back) is recorded in one
transaction at the end of the run.
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
from .mailtemplate import MailTemplates
from .messages import BatchLookups, Message, NotRelevant, compose, language_of, meeting_slot

logger = logging.getLogger("cooperation.reminders")

SENT, FAILED, RELEASED = "sent", "failed", "released"


class Halted(Exception):
    """The run stopped while a message waited to be handed over: it was not sent."""


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
        sender = self.sender = Sender()
        sender.start()
        try:
            handled = 0
            while handled < limit:
                # Claim the next batch when the sender is through half of what it holds:
                # its claim and composing overlap the sends instead of pausing them.
                while not sender.done and sender.waiting() > settings.CHENGYI_DISPATCH_CLAIM // 2:
                    self._collect(sender.reports(timeout=None))
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
                self._collect(sender.reports(timeout=None))
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
        mails = MailTemplates(renderings)
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
                ready = self._ready(reminder, lookups, renderings, mails, deadline)
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
            # What the sender reported meanwhile is recorded now: it waits for that record
            # before handing over its next message.
            self._collect(self.sender.reports(timeout=0))

    @staticmethod
    def _ready(reminder: Reminder, lookups, renderings, mails, deadline: float) -> Ready:
        """Composed and rendered in the recipient's language, the e-mail made ready."""
        language = language_of(reminder)
        note = outgoing = None
        with translation.override(language):
            message = compose(reminder, batch=lookups)
            if reminder.channel in ROBOT_CHANNELS:
                text = robot_compose.markdown(message, platform=reminder.channel)
                rendered = delivery.Rendered(subject=message.subject, text=text, html="")
            else:
                rendered = delivery.render(message, recipient=reminder.recipient, batch=renderings)
            if reminder.channel == Channel.EMAIL and reminder.recipient.email:
                outgoing = mails.outgoing(reminder=reminder, message=message, rendered=rendered)
        if reminder.channel == Channel.EMAIL:
            # The in-app copy reads in whichever language its reader has when reading it.
            messages = {language: message}
            for other, _name in settings.LANGUAGES:
                if other not in messages:
                    with translation.override(other):
                        messages[other] = compose(reminder, batch=lookups)
            note = delivery.notification(reminder=reminder, messages=messages)
        return Ready(reminder, message, rendered, note, outgoing, deadline)

    def _collect(self, reports: list[tuple[Ready, str, str, float]]) -> None:
        """Take the sender's reports: what was sent is recorded at once (the sender waits for
        that before handing over its next message); the rest waits for the end of the run."""
        for item, outcome, detail, at in reports:
            if outcome == SENT:
                self.delivered.append((item, detail, at))
            elif outcome == FAILED:
                self.outcomes.failed.append((item.reminder, detail))
                if item.notification is not None:
                    self.notifications.append(item.notification)
            else:
                self.outcomes.released.append(item.reminder)
        self._record()

    def _record(self) -> None:
        """Mark what was sent, with the in-app copies, in one statement; then let the sender
        hand over its next message."""
        if not self.delivered:
            return
        delivered, self.delivered = self.delivered, []
        outbox.sent_record(
            [(item.reminder, note, item.notification) for item, note, _at in delivered],
            worker=self.worker,
            user=self.user,
        )
        self.sender.recorded(len(delivered))
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
        # Messages reported sent, and how many of them the dispatcher has recorded.
        self._books = threading.Condition()
        self._accepted = 0
        self._recorded = 0

    def recorded(self, count: int) -> None:
        """The dispatcher recorded ``count`` more of the messages reported sent."""
        with self._books:
            self._recorded += count
            self._books.notify_all()

    def _gate(self) -> None:
        """Wait until every message reported sent is recorded (called right before the next
        one is handed over); Halted when the run stops meanwhile."""
        with self._books:
            while self._recorded < self._accepted:
                if self._halt.is_set():
                    raise Halted
                self._books.wait(0.1)
        if self._halt.is_set():
            raise Halted

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
                report = self._send(item, mailer)
                if report[1] == SENT:
                    with self._books:
                        self._accepted += 1
                self._reports.put(report)
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
                gate=self._gate,
            )
        except Halted:
            mailer.close_unsent()
            return item, RELEASED, "", time.monotonic()
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
        with self._books:
            self._books.notify_all()
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
