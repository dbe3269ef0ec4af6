"""Per-person notification preferences (channels, digest time, which kinds come at once)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cooperation.choices import DEFAULT_IMMEDIATE_KINDS, NoticeKind
from cooperation.models import NotificationPreference
from cooperation.services import tracked_save


def preference_of(user) -> NotificationPreference:
    """The saved preference, or the defaults (unsaved) for someone who never chose."""
    cached = getattr(user, "_chengyi_notification_preference", None)
    if cached is not None:
        return cached
    preference = NotificationPreference.objects.filter(user=user).first()
    if preference is None:
        preference = NotificationPreference(
            user=user, immediate_kinds=list(DEFAULT_IMMEDIATE_KINDS)
        )
    user._chengyi_notification_preference = preference
    return preference


def preference_update(
    *,
    user,
    by_email: bool,
    in_app: bool,
    by_chat: bool,
    digest_time: datetime.time,
    immediate_kinds: list[str],
) -> NotificationPreference:
    unknown = set(immediate_kinds) - set(NoticeKind.values)
    if unknown:
        raise ValidationError({"immediate_kinds": _("Unknown kind of notice.")}, code="invalid")
    with transaction.atomic():
        preference, _created = NotificationPreference.objects.select_for_update().get_or_create(
            user=user
        )
        tracked_save(
            preference,
            user=user,
            reason=gettext_noop("Notification preferences changed"),
            fields={
                "by_email": by_email,
                "in_app": in_app,
                "by_chat": by_chat,
                "digest_time": digest_time,
                "immediate_kinds": sorted(immediate_kinds, key=list(NoticeKind.values).index),
            },
        )
    user._chengyi_notification_preference = preference
    return preference


def wanting_at_once(user_ids, kind: str) -> set[int]:
    """Of ``user_ids``, those who want ``kind`` at once by e-mail (defaults for the rest)."""
    user_ids = set(user_ids)
    saved = {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=user_ids)}
    default = kind in DEFAULT_IMMEDIATE_KINDS

    def wants(uid: int) -> bool:
        preference = saved.get(uid)
        if preference is None:
            return default
        return preference.by_email and kind in preference.immediate_kinds

    return {uid for uid in user_ids if wants(uid)}
