"""In-app notifications, in the reader's language: a notification is stored as a kind and its
parameters and rendered when it is read, in the language the reader has then.

To send a new kind of notification, add its texts to KINDS (English msgids with
``%(name)s`` placeholders, translated like every string) and call ``notification_create``::

    notification_create(user=person, kind="slip_issued", params={"number": "成宜督〔2026〕12号"},
                        url=slip.get_absolute_url())

A parameter is a number, a text said alike in both languages (a code, a name), or a dict of
texts per language code ({"zh-hans": ..., "en": ...}): the reader's is used, else Chinese.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise

from cooperation.models import Notification


@dataclass(frozen=True)
class Kind:
    title: str | Promise
    body: str | Promise = ""


KINDS: dict[str, Kind] = {
    # A reminder's in-app copy: the dispatcher composes its texts in every language.
    "reminder": Kind(title="%(title)s", body="%(body)s"),
    # Written before notifications had kinds: the text as it was stored, in one language.
    "text": Kind(title="%(title)s", body="%(body)s"),
}


def _in_language(value, language: str):
    if isinstance(value, dict):
        for code in (language, settings.LANGUAGE_CODE, *value):
            if code in value:
                return value[code]
        return ""
    return value


def render(kind: str, params: dict) -> tuple[str, str]:
    """(title, body) of a notification in the active language."""
    spec = KINDS.get(kind) or KINDS["text"]
    language = translation.get_language() or settings.LANGUAGE_CODE
    values = {name: _in_language(value, language) for name, value in (params or {}).items()}
    try:
        return str(spec.title) % values, str(spec.body) % values
    except (KeyError, TypeError, ValueError):
        return str(values.get("title", kind)), str(values.get("body", ""))


def notification_render(notification: Notification) -> tuple[str, str]:
    if not notification.kind:  # an unsaved copy or a row never migrated: its stored text
        return notification.title, notification.body
    return render(notification.kind, notification.params)


def notification_build(*, user, kind: str, params: dict, url: str = "", **extra) -> Notification:
    """An unsaved notification (for a bulk insert); the stored title and body are its text in
    the user's language, for the admin and the backup; pages render it anew."""
    if kind not in KINDS:
        raise ValueError(f"Unknown notification kind {kind!r}: add it to KINDS.")
    profile = getattr(user, "profile", None)
    with translation.override(getattr(profile, "language", "") or settings.LANGUAGE_CODE):
        title, body = render(kind, params)
    return Notification(
        user=user,
        kind=kind,
        params=params,
        title=title[:300],
        body=body,
        url=url[:300],
        **extra,
    )


def notification_create(*, user, kind: str, params: dict, url: str = "") -> Notification:
    """Put a notification in ``user``'s list (shown in the reader's language)."""
    notification = notification_build(user=user, kind=kind, params=params, url=url)
    notification.save()
    return notification
