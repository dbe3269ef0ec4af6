"""Sign-in sessions and the security log.

The services here write only the session index (``SignedInSession``) and the session store;
the receivers at the bottom are thin: they log and call a service. Every record goes to the
``cooperation.security`` logger, whose formatter stamps it in UTC.
"""

import ipaddress
import logging
import time
from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import SignedInSession

log = logging.getLogger("cooperation.security")

SIGNED_IN_AT = "chengyi_signed_in_at"
LAST_SEEN = "chengyi_last_seen"


def _networks(entries: list[str]) -> list:
    return [ipaddress.ip_network(entry, strict=False) for entry in entries]


def _trusted(address: str, networks: list) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, unless the request comes from one of our own
    reverse proxies (``CHENGYI_TRUSTED_PROXIES``); then the rightmost X-Forwarded-For entry
    that is not one of them. A client that reaches the app directly, or writes entries of its
    own to the left of what our proxies appended, never chooses the address a lockout
    applies to."""
    if request is None:
        return ""
    remote = request.META.get("REMOTE_ADDR", "")
    networks = _networks(settings.CHENGYI_TRUSTED_PROXIES)
    if not networks or not _trusted(remote, networks):
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    client = remote
    for hop in reversed([h for h in hops if h]):
        try:
            address = str(ipaddress.ip_address(hop))
        except ValueError:
            return client  # garbage from further left: the last address we can vouch for
        client = address
        if not _trusted(address, networks):
            return address
    return client


def _store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def session_register(*, user, request) -> None:
    """Index the session ``user`` just signed in with; forget index rows of dead sessions."""
    store = _store()
    stale = [
        key
        for key in SignedInSession.objects.filter(user=user).values_list("session_key", flat=True)
        if not store().exists(key)
    ]
    SignedInSession.objects.filter(session_key__in=stale).delete()
    key = request.session.session_key
    if not key:
        return
    address = client_ip(request)
    SignedInSession.objects.update_or_create(
        session_key=key,
        defaults={
            "user": user,
            "ip_address": address or None,
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
        },
    )


def sessions_end_all(*, user) -> int:
    """End every session ``user`` signed in with, on every device. Returns how many."""
    store = _store()
    keys = list(SignedInSession.objects.filter(user=user).values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    SignedInSession.objects.filter(user=user, session_key__in=keys).delete()
    return len(keys)


def session_expire(request, *, reason: str) -> None:
    """End this one session (idle or too old); the user's other devices are not affected."""
    username = request.user.get_username()
    key = request.session.session_key
    request.session.flush()
    request.user = AnonymousUser()
    SignedInSession.objects.filter(session_key=key).delete()
    log.info(
        "session expired",
        extra={"event": "session_expired", "reason": reason, "user": username, **_where(request)},
    )


def session_stamp(request) -> None:
    now = int(time.time())
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN] = now


def _where(request) -> dict:
    if request is None:
        return {}
    return {"ip": client_ip(request), "path": request.path, "method": request.method}


# --- receivers ------------------------------------------------------------------------------


@receiver(user_logged_in, dispatch_uid="chengyi_signed_in")
def _signed_in(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    session_stamp(request)
    session_register(user=user, request=request)
    log.info(
        "sign-in",
        extra={"event": "sign_in", "user": user.get_username(), **_where(request)},
    )


@receiver(user_login_failed, dispatch_uid="chengyi_sign_in_failed")
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    # Django has already masked the password; only the name given is logged.
    log.warning(
        "sign-in failed",
        extra={
            "event": "sign_in_failed",
            "user": str(credentials.get("username", ""))[:150],
            **_where(request),
        },
    )


@receiver(user_logged_out, dispatch_uid="chengyi_signed_out")
def _signed_out(sender, request, user, **kwargs):
    if user is None:
        return
    ended = sessions_end_all(user=user)
    log.info(
        "sign-out",
        extra={
            "event": "sign_out",
            "user": user.get_username(),
            "sessions_ended": ended,
            **_where(request),
        },
    )


@receiver(post_save, sender=get_user_model(), dispatch_uid="chengyi_user_deactivated")
def _user_saved(sender, instance, created, raw=False, **kwargs):
    if raw or created or instance.is_active:
        return
    ended = sessions_end_all(user=instance)
    if ended:
        log.info(
            "user deactivated: sessions ended",
            extra={
                "event": "deactivated",
                "user": instance.get_username(),
                "sessions_ended": ended,
            },
        )


def _locked_out(sender, request, username, ip_address, **kwargs):
    log.warning(
        "sign-in locked out",
        extra={"event": "locked_out", "user": str(username or "")[:150], "ip": ip_address},
    )


def connect_axes() -> None:
    from axes.signals import user_locked_out

    user_locked_out.connect(_locked_out, dispatch_uid="chengyi_locked_out")
