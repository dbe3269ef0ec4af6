"""The channels: e-mail (text and HTML, .ics for meetings), the in-app list, a webhook."""

import json
import smtplib
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from cooperation.choices import Channel
from cooperation.models import Notification, Reminder

from . import calendar
from .messages import Message, notifications_url


class DeliveryError(Exception):
    """A channel refused or could not be reached; the send is retried later."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    ics: bytes | None = None


def render(message: Message, *, recipient) -> Rendered:
    """Both e-mail parts and the calendar file, in the active language."""
    context = {
        "message": message,
        "recipient_name": (recipient.get_full_name() or recipient.username) if recipient else "",
        "notifications_url": notifications_url(),
    }
    subject = " ".join(message.subject.split())
    return Rendered(
        subject=subject,
        text=render_to_string("cooperation/email/reminder.txt", context),
        html=render_to_string("cooperation/email/reminder.html", context),
        ics=calendar.meeting_ics(message.meeting) if message.meeting is not None else None,
    )


def message_id(reminder: Reminder) -> str:
    """The same Message-ID on every attempt, so a receiver can drop a repeat."""
    return f"<{reminder.key.replace(':', '.')}@chengyi-tracker>"


def email_send(*, reminder: Reminder, message: Message, rendered: Rendered) -> None:
    email = EmailMultiAlternatives(
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
    email.attach_alternative(rendered.html, "text/html")
    if rendered.ics is not None:
        email.attach("meeting.ics", rendered.ics, "text/calendar")
    try:
        email.send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"e-mail: {type(exc).__name__}: {exc}") from exc


def local_path(url: str) -> str:
    """The in-app link keeps only the path, so it works whatever host the site is seen at."""
    parts = urlsplit(url)
    return urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))


def notification_text(message: Message) -> str:
    lines = [message.lead]
    lines += [f"{item['code']} {item['title']} ({item['detail']})" for item in message.items]
    lines += message.paragraphs
    return "\n".join(lines)


def notification_post(*, reminder: Reminder, message: Message, rendered: Rendered) -> None:
    """The in-app copy; one per reminder however often the e-mail is retried."""
    Notification.objects.get_or_create(
        reminder=reminder,
        defaults={
            "user": reminder.recipient,
            "title": rendered.subject[:300],
            "body": notification_text(message),
            "url": local_path(message.action_url)[:300],
        },
    )


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


def deliver(*, reminder: Reminder, message: Message, rendered: Rendered) -> str:
    """Send through the reminder's channel; returns a note for the row ('' when all went)."""
    if reminder.channel == Channel.WEBHOOK:
        webhook_post(reminder=reminder, message=message, rendered=rendered)
        return ""
    notification_post(reminder=reminder, message=message, rendered=rendered)
    if not reminder.recipient.email:
        return "No e-mail address: shown in the notification list only."
    email_send(reminder=reminder, message=message, rendered=rendered)
    return ""
