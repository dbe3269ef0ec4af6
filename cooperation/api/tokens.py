"""Personal API tokens: the services that create and revoke them (the only writes)."""

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cooperation.models import ApiToken
from cooperation.models.api import token_hash

MAX_ACTIVE_TOKENS = 20
PREFIX = "cyt_"


def api_token_create(*, user, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the row and the token itself, shown only this once."""
    name = name.strip()
    days = settings.CHENGYI_API_TOKEN_DAYS if days is None else days
    if not name:
        raise ValidationError({"name": _("Give the token a name.")}, code="name_required")
    if not 1 <= days <= settings.CHENGYI_API_TOKEN_DAYS:
        raise ValidationError(
            {
                "days": _("A token lasts between 1 and %(days)s days.")
                % {"days": settings.CHENGYI_API_TOKEN_DAYS}
            },
            code="days",
        )
    now = timezone.now()
    with transaction.atomic():
        active = ApiToken.objects.select_for_update().filter(
            user=user, revoked_at=None, expires_at__gt=now
        )
        if len(active) >= MAX_ACTIVE_TOKENS:
            raise ValidationError(
                _("You have %(count)s active tokens: revoke one first.")
                % {"count": MAX_ACTIVE_TOKENS},
                code="too_many",
            )
        raw = PREFIX + secrets.token_urlsafe(32)
        token = ApiToken.objects.create(
            user=user,
            name=name[:100],
            prefix=raw[: len(PREFIX) + 6],
            key_hash=token_hash(raw),
            created_at=now,
            expires_at=now + datetime.timedelta(days=days),
        )
    return token, raw


def api_token_revoke(*, user, token_id: int) -> bool:
    """Revoke one of ``user``'s own tokens; False when there is no such active token."""
    changed = ApiToken.objects.filter(pk=token_id, user=user, revoked_at=None).update(
        revoked_at=timezone.now()
    )
    return bool(changed)


def api_tokens_of(user):
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")
