"""The channels: e-mail (text and HTML, .ics for meetings), the in-app list, a webhook."""

import contextlib
import email.policy
import functools
import json
import re
import smtplib
import socket
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from email.mime.base import MIMEBase
from email.utils import format_datetime
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends import smtp
from django.core.mail.message import sanitize_address
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import escape

from cooperation.choices import ROBOT_CHANNELS, Channel
from cooperation.models import Notification, Reminder
from cooperation.notifications import notification_build

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
    ics: bytes | None = None  # the recipient's invitation (iMIP)
    ics_method: str = ""  # its METHOD: REQUEST or CANCEL


class Renderings:
    """What a batch renders once and uses for many recipients.

    Each meeting's invitation per language but for its ATTENDEE (put in per recipient), and
    each message's text and HTML per language with a
    placeholder where the recipient's name goes: a meeting reminder says the same to everyone
    of a batch but for the greeting. The placeholder holds NUL characters, which no text from
    the database can contain (PostgreSQL refuses them), so it stands for nothing else.
    """

    NAME = "\x00recipient\x00"

    def __init__(self):
        self.calendars: dict[tuple, bytes] = {}
        self.bodies: dict[tuple, tuple[Message, str, str]] = {}

    def calendar(self, meeting) -> bytes:
        """The invitation's shared part (all but the ATTENDEE)."""
        key = (meeting.pk, meeting.revision, meeting.state, translation.get_language())
        if key not in self.calendars:
            self.calendars[key] = calendar.invitation_shared(meeting)
        return self.calendars[key]

    def bodies_with_placeholder(self, message: Message, name: str) -> tuple[str, str]:
        """Text and HTML with NAME where the name goes (without a greeting: no name)."""
        # Keyed by the object (kept in the value, so its id is not reused while cached).
        key = (id(message), translation.get_language(), bool(name))
        if key not in self.bodies:
            self.bodies[key] = (message, *_bodies(message, self.NAME if name else ""))
        _message, text, html = self.bodies[key]
        return text, html

    def bodies_for(self, message: Message, name: str) -> tuple[str, str]:
        text, html = self.bodies_with_placeholder(message, name)
        return text.replace(self.NAME, name), html.replace(self.NAME, escape(name))


def display_name(recipient) -> str:
    """How a message greets its recipient."""
    return (recipient.get_full_name() or recipient.username) if recipient else ""


def render(message: Message, *, recipient, batch: Renderings | None = None) -> Rendered:
    """Both e-mail parts and the calendar file, in the active language."""
    name = display_name(recipient)
    if batch is None:
        text, html = _bodies(message, name)
    else:
        text, html = batch.bodies_for(message, name)
    ics, method = None, ""
    meeting = message.meeting
    if meeting is not None and recipient is not None and _usable(recipient.email):
        shared = calendar.invitation_shared(meeting) if batch is None else batch.calendar(meeting)
        ics = calendar.invitation_for(shared, email=recipient.email, name=name)
        method = calendar.method_for(meeting)
    return Rendered(
        subject=" ".join(message.subject.split()), text=text, html=html, ics=ics, ics_method=method
    )


def _usable(address: str) -> bool:
    """An address that can be an ATTENDEE; one Django would refuse fails at its send."""
    return bool(address) and "\n" not in address and "\r" not in address


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


def site_host() -> str:
    return urlsplit(settings.CHENGYI_SITE_URL).hostname or "chengyi-tracker"


def message_id(reminder: Reminder) -> str:
    """The same Message-ID on every attempt, so a receiver can drop a repeat; its domain is
    the site's host."""
    return f"<{reminder.key.replace(':', '.')}@{site_host()}>"


def date_header() -> str:
    """Now, in Beijing time (+0800) as the readers live it."""
    now = timezone.now()
    return _date_header(now.replace(microsecond=0), timezone.get_current_timezone_name())


@functools.lru_cache(maxsize=2)
def _date_header(second, zone: str) -> str:
    # The same text for every message of a second: made once.
    return format_datetime(timezone.localtime(second))


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
    return email_build(
        rendered,
        to=reminder.recipient.email,
        date=date_header(),
        message_id=message_id(reminder),
        key=reminder.key,
    )


def email_build(rendered: Rendered, *, to, date, message_id, key, cls=None) -> ReminderEmail:
    """The e-mail of ``rendered`` to ``to`` (``cls``: ReminderEmail or a subclass)."""
    mail = (cls or ReminderEmail)(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={
            "Date": date,
            "Message-ID": message_id,
            "X-Chengyi-Reminder": key,
            "Auto-Submitted": "auto-generated",
        },
    )
    mail.attach_alternative(rendered.html, "text/html")
    if rendered.ics is not None:
        # iMIP (RFC 6047): the invitation as a text/calendar alternative with its method,
        # which mail programs turn into accept / decline or update / remove, and as an
        # attachment for those that look only there (the shape Gmail and Outlook send).
        # Django builds a text/<subtype> part from the mimetype's subtype, so the method
        # parameter rides along in it.
        method = rendered.ics_method
        mail.attach_alternative(rendered.ics.decode(), f"text/calendar; method={method}")
        mail.attach("invite.ics", rendered.ics, "application/ics")
    return mail


class Outgoing:
    """An e-mail made ready for the wire before its turn comes, so the thread that talks to
    the mail server does little else: its envelope and its bytes; and the message as Django
    builds it (``mail``), for a mail backend other than SMTP (made when first asked for)."""

    def __init__(self, *, envelope_from: str, envelope_to: list[str], data: bytes, build):
        self.envelope_from = envelope_from
        self.envelope_to = envelope_to
        self.data = data
        self._build = build

    @functools.cached_property
    def mail(self) -> EmailMultiAlternatives:
        return self._build()


def email_outgoing(*, reminder: Reminder, rendered: Rendered) -> Outgoing:
    mail = email_message(reminder=reminder, rendered=rendered)
    encoding = mail.encoding or settings.DEFAULT_CHARSET
    return Outgoing(
        envelope_from=sanitized(mail.from_email, encoding),
        envelope_to=[sanitized(address, encoding) for address in mail.recipients()],
        data=mail.message().as_bytes(linesep="\r\n"),
        build=lambda: mail,
    )


@functools.lru_cache(maxsize=4096)
def sanitized(address: str, encoding: str) -> str:
    """An address as the envelope has it: the From of every reminder and the same people run
    after run, each parsed once per process."""
    return sanitize_address(address, encoding)


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

    def send(self, outgoing: Outgoing, *, gate=None) -> None:
        """Send one message. ``gate()``, when given, is called right before the message is
        handed over (the end of its SMTP DATA): envelope and content are on their way while
        the caller finishes recording the previous one."""
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
                _sendmail(
                    self.connection.connection,
                    outgoing.envelope_from,
                    outgoing.envelope_to,
                    outgoing.data,
                    gate=gate,
                )
            else:
                if gate is not None:
                    gate()
                self.connection.send_messages([outgoing.mail])
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            raise DeliveryError(_email_error(exc)) from exc
        self.sent += 1

    def close_unsent(self) -> None:
        """A message was left half-sent (its DATA not ended): the server keeps nothing of it
        once the connection goes, and the connection cannot carry another."""
        self._drop()

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


def _sendmail(client: smtplib.SMTP, sender: str, recipients: list[str], data: bytes, *, gate):
    """smtplib's ``sendmail`` (same checks, same errors), with ``gate()`` called before the
    final "." of DATA: the mail server becomes responsible for a message only then."""
    client.ehlo_or_helo_if_needed()
    # The content and the final "." go in two writes: without this, the second would wait
    # for the acknowledgement of the first (Nagle), up to the peer's delayed-ACK time.
    client.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    options = [f"size={len(data)}"] if client.does_esmtp and client.has_extn("size") else []
    code, reply = client.mail(sender, options)
    if code != 250:
        client.rset() if code != 421 else client.close()
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    refused = {}
    for recipient in recipients:
        code, reply = client.rcpt(recipient)
        if code not in (250, 251):
            refused[recipient] = (code, reply)
        if code == 421:
            client.close()
            raise smtplib.SMTPRecipientsRefused(refused)
    if len(refused) == len(recipients):
        client.rset()
        raise smtplib.SMTPRecipientsRefused(refused)
    client.putcmd("data")
    code, reply = client.getreply()
    if code != 354:
        client.rset() if code != 421 else client.close()
        raise smtplib.SMTPDataError(code, reply)
    content = re.sub(rb"(?m)^\.", b"..", data)
    if not content.endswith(b"\r\n"):
        content += b"\r\n"
    client.send(content)
    if gate is not None:
        gate()
    client.send(b".\r\n")
    code, reply = client.getreply()
    if code != 250:
        client.rset() if code != 421 else client.close()
        raise smtplib.SMTPDataError(code, reply)
    if refused:
        raise smtplib.SMTPRecipientsRefused(refused)


def local_path(url: str) -> str:
    """The in-app link keeps only the path, so it works whatever host the site is seen at."""
    parts = urlsplit(url)
    return urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))


def notification_text(message: Message) -> str:
    lines = [message.lead]
    lines += [f"{item['code']} {item['title']} ({item['detail']})" for item in message.items]
    lines += message.paragraphs
    return "\n".join(lines)


def notification(*, reminder: Reminder, messages: dict[str, Message]) -> Notification:
    """The in-app copy of an e-mail reminder, not yet saved: its texts in each language
    (``messages``: the message composed in each), shown in the reader's when read."""
    title = {lang: " ".join(m.subject.split())[:300] for lang, m in messages.items()}
    body = {lang: notification_text(m) for lang, m in messages.items()}
    message = next(iter(messages.values()))
    return notification_build(
        user=reminder.recipient,
        kind="reminder",
        params={"title": title, "body": body},
        url=local_path(message.action_url),
        reminder=reminder,
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
    gate=None,
) -> str:
    """Send through the reminder's channel; returns a note for the row ('' when all went).

    ``outgoing``: the e-mail, when it was made ready before. The in-app copy of an e-mail
    reminder is written with the outcome of the attempt (sent, or failed), by the dispatcher.
    """
    if reminder.channel == Channel.WEBHOOK:
        if gate is not None:
            gate()
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
    mailer.send(outgoing or email_outgoing(reminder=reminder, rendered=rendered), gate=gate)
    return ""
