"""The one function that tells a person something about the loop.

In-app notices are written at once (in the reader's language); an e-mail goes through the
outbox (a Reminder row with a unique key: exactly once) when the person wants that kind at
once; otherwise the daily digest carries it. When notifications store a kind and parameters,
only this module changes.
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from cooperation.choices import Channel, ReminderKind
from cooperation.models import Notification, Reminder
from cooperation.services import system_user

from .preferences import preference_of


def language_of(user) -> str:
    profile = getattr(user, "profile", None)
    return (profile.language if profile else None) or settings.LANGUAGE_CODE


def notify(*, user, kind: str, key: str, item=None, title, body="", url="", params=None) -> None:
    """Tell ``user`` about ``kind`` (a NoticeKind).

    ``title`` and ``body`` are English msgids (marked with ``gettext_noop``) with ``%(name)s``
    placeholders filled from ``params``, translated into the reader's language when shown or
    sent; ``key`` names the event (the same key never sends a second e-mail).
    """
    if user is None or not user.is_active:
        return
    params = params or {}
    preference = preference_of(user)
    if preference.by_email and kind in preference.immediate_kinds:
        # An e-mail through the outbox; its in-app copy is written when it is sent.
        reminder = Reminder(
            key=f"notice:{key}:u{user.pk}"[:200],
            kind=ReminderKind.LOOP_NOTICE,
            channel=Channel.EMAIL,
            item=item,
            recipient=user,
            due_at=timezone.now(),
            context={
                "notice": kind,
                "title": title,
                "body": body,
                "params": {k: str(v) for k, v in params.items()},
                "url": url,
            },
        )
        reminder._history_user = system_user()
        reminder._change_reason = "Loop notice"
        try:
            with transaction.atomic():
                reminder.save()
        except IntegrityError:
            pass  # this event was told already: exactly once
    elif preference.in_app:
        with translation.override(language_of(user)):
            text = render(title, body, params)
        Notification.objects.create(user=user, title=text[0][:300], body=text[1], url=url[:300])


def render(title: str, body: str, params: dict) -> tuple[str, str]:
    """The notice in the active language."""
    params = {k: str(v) for k, v in params.items()}
    return (
        translation.gettext(title) % params,
        translation.gettext(body) % params if body else "",
    )
