"""The channels: e-mail (text and HTML, .ics for meetings), the in-app list, a webhook."""

import contextlib
import email.policy
import functools
import json
import smtplib
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from email.mime.base import MIMEBase
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends import smtp
from django.core.mail.message import sanitize_address
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape

from cooperation.choices import ROBOT_CHANNELS, Channel
from cooperation.models import Notification, Reminder

from . import calendar
from .messages import Message, notifications_url

NO_ADDRESS = "No e-mail address: shown in the notification list only."


class DeliveryError(Exception):
    """A channel refused or could not be reached; the send is retried later."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    ics: bytes | None = None


class Renderings:
    """What a batch renders once and uses for many recipients.

    Each meeting's .ics per language, and each message's text and HTML per language with a
    placeholder where the recipient's name goes: a meeting reminder says the same to everyone
    of a batch but for the greeting. The placeholder holds NUL characters, which no text from
    the database can contain (PostgreSQL refuses them), so it stands for nothing else.
    """

    NAME = "\x00recipient\x00"

    def __init__(self):
        self.calendars: dict[tuple, bytes] = {}
        self.bodies: dict[tuple, tuple[Message, str, str]] = {}

    def calendar(self, meeting) -> bytes:
        key = (meeting.pk, meeting.revision, translation.get_language())
        if key not in self.calendars:
            self.calendars[key] = calendar.meeting_ics(meeting)
        return self.calendars[key]

    def bodies_for(self, message: Message, name: str) -> tuple[str, str]:
        # Keyed by the object (kept in the value, so its id is not reused while cached).
        key = (id(message), translation.get_language(), bool(name))
        if key not in self.bodies:
            self.bodies[key] = (message, *_bodies(message, self.NAME if name else ""))
        _message, text, html = self.bodies[key]
        return text.replace(self.NAME, name), html.replace(self.NAME, escape(name))


def render(message: Message, *, recipient, batch: Renderings | None = None) -> Rendered:
    """Both e-mail parts and the calendar file, in the active language."""
    name = (recipient.get_full_name() or recipient.username) if recipient else ""
    if batch is None:
        text, html = _bodies(message, name)
        ics = calendar.meeting_ics(message.meeting) if message.meeting is not None else None
    else:
        text, html = batch.bodies_for(message, name)
        ics = batch.calendar(message.meeting) if message.meeting is not None else None
    return Rendered(subject=" ".join(message.subject.split()), text=text, html=html, ics=ics)


def _bodies(message: Message, name: str) -> tuple[str, str]:
    context = {
        "message": message,
        "recipient_name": name,
        "notifications_url": notifications_url(),
    }
    return (
        render_to_string("cooperation/email/reminder.txt", context),
        render_to_string("cooperation/email/reminder.html", context),
    )


def message_id(reminder: Reminder) -> str:
    """The same Message-ID on every attempt, so a receiver can drop a repeat."""
    return f"<{reminder.key.replace(':', '.')}@chengyi-tracker>"


class _ShortHeadersAsTheyAre(email.policy.Compat32):
    """Django's e-mail policy, but a header that is short ASCII on one line is written as it
    is: the bytes Compat32 folds it into (a test compares them), without its Header machinery,
    which took a third of the CPU of a reminder's send."""

    def fold_binary(self, name, value):
        if (
            isinstance(value, str)
            and value.isascii()
            and "\n" not in value
            and "\r" not in value
            and len(name) + len(value) + 2 <= self.max_line_length
        ):
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


SHORT_HEADERS_AS_THEY_ARE = _ShortHeadersAsTheyAre()


class ReminderEmail(EmailMultiAlternatives):
    """A reminder e-mail, written with less CPU than Django's (the same MIME structure)."""

    def message(self):
        msg = super().message()
        msg.policy = SHORT_HEADERS_AS_THEY_ARE
        # A random boundary chosen here, not by the generator: it would compile a regular
        # expression per part to check the text for it. A uuid4 that a part contains is
        # drawn again all the same.
        contents = [self.body, *(part[0] for part in self.alternatives)]
        contents += [str(part[1]) for part in self.attachments if not isinstance(part, MIMEBase)]
        for part in msg.walk():
            if part.is_multipart():
                boundary = f"=_{uuid.uuid4().hex}"
                while any(boundary in content for content in contents):
                    boundary = f"=_{uuid.uuid4().hex}"
                part.set_boundary(boundary)
        return msg


def email_message(*, reminder: Reminder, rendered: Rendered) -> ReminderEmail:
    mail = ReminderEmail(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[reminder.recipient.email],
        headers={
            "Message-ID": message_id(reminder),
            "X-Chengyi-Reminder": reminder.key,
            "Auto-Submitted": "auto-generated",
        },
    )
    mail.attach_alternative(rendered.html, "text/html")
    if rendered.ics is not None:
        mail.attach("meeting.ics", rendered.ics, "text/calendar")
    return mail


@dataclass(frozen=True)
class Outgoing:
    """An e-mail made ready for the wire before its turn comes, so the thread that talks to
    the mail server does little else: the message, its envelope and its bytes."""

    mail: EmailMultiAlternatives
    envelope_from: str
    envelope_to: list[str]
    data: bytes


def email_outgoing(*, reminder: Reminder, rendered: Rendered) -> Outgoing:
    mail = email_message(reminder=reminder, rendered=rendered)
    encoding = mail.encoding or settings.DEFAULT_CHARSET
    return Outgoing(
        mail=mail,
        envelope_from=_sanitized(mail.from_email, encoding),
        envelope_to=[sanitize_address(address, encoding) for address in mail.recipients()],
        data=mail.message().as_bytes(linesep="\r\n"),
    )


@functools.lru_cache(maxsize=8)
def _sanitized(address: str, encoding: str) -> str:
    return sanitize_address(address, encoding)  # the From of every reminder: parsed once


def _email_error(exc: Exception) -> str:
    return f"e-mail: {type(exc).__name__}: {exc}"


class Mailer:
    """The e-mail of a dispatch run over one connection to the mail server.

    Opened at the first message, renewed after MESSAGES_PER_CONNECTION, closed by ``close()``.
    A message the server refuses fails alone: the connection is dropped (its state is
    unknown) and the next message opens a new one. When the server cannot be reached at all,
    the rest of the run fails at once with the same error instead of waiting EMAIL_TIMEOUT for
    each message, which could outlast the claim's lease.
    """

    # Some mail servers take only so many messages per connection: a new one after these.
    MESSAGES_PER_CONNECTION = 100

    def __init__(self):
        self.connection = None
        self.unreachable = ""
        self.sent = 0  # over the current connection

    def send(self, outgoing: Outgoing) -> None:
        if self.unreachable:
            raise DeliveryError(self.unreachable)
        if self.sent >= self.MESSAGES_PER_CONNECTION:
            self.close()
        if self.connection is None:
            self.sent = 0
            self.connection = get_connection(fail_silently=False)
            try:
                self.connection.open()
            except (smtplib.SMTPException, OSError) as exc:
                self._drop()
                self.unreachable = _email_error(exc)
                raise DeliveryError(self.unreachable) from exc
        try:
            if type(self.connection) is smtp.EmailBackend:
                # What Django's SMTP backend does with a message (EmailBackend._send), with
                # the envelope and bytes made ready before.
                self.connection.connection.sendmail(
                    outgoing.envelope_from, outgoing.envelope_to, outgoing.data
                )
            else:
                self.connection.send_messages([outgoing.mail])
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            raise DeliveryError(_email_error(exc)) from exc
        self.sent += 1

    def _drop(self) -> None:
        """Forget the connection without a QUIT, which a stalled server would not answer."""
        smtp = getattr(self.connection, "connection", None)
        if smtp is not None:
            with contextlib.suppress(OSError):
                smtp.close()
            self.connection.connection = None
        self.connection = None

    def close(self) -> None:
        if self.connection is None:
            return
        try:
            self.connection.close()
        except (smtplib.SMTPException, OSError):
            self._drop()  # every message had its answer already: nothing is lost
        self.connection = None


def local_path(url: str) -> str:
    """The in-app link keeps only the path, so it works whatever host the site is seen at."""
    parts = urlsplit(url)
    return urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))


def notification_text(message: Message) -> str:
    lines = [message.lead]
    lines += [f"{item['code']} {item['title']} ({item['detail']})" for item in message.items]
    lines += message.paragraphs
    return "\n".join(lines)


def notification(*, reminder: Reminder, message: Message, rendered: Rendered) -> Notification:
    """The in-app copy of an e-mail reminder, not yet saved."""
    return Notification(
        reminder=reminder,
        user=reminder.recipient,
        title=rendered.subject[:300],
        body=notification_text(message),
        url=local_path(message.action_url)[:300],
    )


def notifications_post(notifications: list[Notification]) -> None:
    """In-app copies in one INSERT; one per reminder however often the e-mail is retried (a
    reminder that has one already keeps it)."""
    Notification.objects.bulk_create(notifications, ignore_conflicts=True)


def webhook_post(*, reminder: Reminder, message: Message, rendered: Rendered) -> None:
    """A JSON POST in the text-message shape enterprise chat robots accept."""
    url = settings.CHENGYI_WEBHOOK_URL
    if not url.startswith(("http://", "https://")):
        raise DeliveryError("webhook: CHENGYI_WEBHOOK_URL must be an http(s) URL")
    payload = {
        "msgtype": "text",
        "text": {"content": f"{rendered.subject}\n{message.lead}\n{message.action_url}"},
        "chengyi": {
            "key": reminder.key,
            "kind": reminder.kind,
            "title": rendered.subject,
            "text": message.lead,
            "url": message.action_url,
        },
    }
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json", "Idempotency-Key": reminder.key},
        method="POST",
    )
    try:
        with urllib.request.urlopen(  # noqa: S310
            request, timeout=settings.CHENGYI_WEBHOOK_TIMEOUT
        ) as response:
            body = response.read(65536)
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError(f"webhook: {type(exc).__name__}: {exc}") from exc
    _check_robot_answer(body)


def _check_robot_answer(body: bytes) -> None:
    """Chat robots answer 200 with {"errcode": n}; anything but 0 is a refusal."""
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        return
    if isinstance(answer, dict) and answer.get("errcode", 0) not in (0, "0"):
        raise DeliveryError(f"webhook: refused: {answer}")


def deliver(
    *,
    reminder: Reminder,
    message: Message,
    rendered: Rendered,
    mailer: Mailer,
    outgoing: Outgoing | None = None,
) -> str:
    """Send through the reminder's channel; returns a note for the row ('' when all went).

    ``outgoing``: the e-mail, when it was made ready before. The in-app copy of an e-mail
    reminder is written with the outcome of the attempt (sent, or failed), by the dispatcher.
    """
    if reminder.channel == Channel.WEBHOOK:
        webhook_post(reminder=reminder, message=message, rendered=rendered)
        return ""
    if reminder.channel in ROBOT_CHANNELS:
        from cooperation.robots import compose, send

        robot = reminder.robot
        if robot is None:
            raise DeliveryError(f"{reminder.channel}: the robot was removed")
        send.post(
            robot,
            compose.payload(platform=robot.platform, title=rendered.subject, content=rendered.text),
        )
        return ""
    if not reminder.recipient.email:
        return NO_ADDRESS
    mailer.send(outgoing or email_outgoing(reminder=reminder, rendered=rendered))
    return ""
