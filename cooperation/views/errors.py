"""Error views that record what was refused in the security log, then answer as Django does."""

import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.shortcuts import render
from django.template import loader
from django.views import csrf, defaults

from cooperation.permissions import log_denied

log = logging.getLogger("cooperation.errors")


def permission_denied(request, exception):
    log_denied(request, str(exception) or "permission denied")
    return defaults.permission_denied(request, exception)


def csrf_failure(request, reason=""):
    log_denied(request, f"CSRF check failed: {reason}")
    return csrf.csrf_failure(request, reason=reason)


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout answer: which name is blocked, from where, for how long."""
    from axes.helpers import get_cool_off

    cool_off = get_cool_off(request)
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "address_limit": settings.AXES_ADDRESS_FAILURE_LIMIT,
        "cooloff_minutes": max(1, round(cool_off.total_seconds() / 60)) if cool_off else None,
    }
    return render(
        request,
        settings.AXES_LOCKOUT_TEMPLATE,
        context,
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


def server_error(request):
    """A database that is down or restarting answers 503 (try again shortly), not 500."""
    exc = sys.exc_info()[1]
    if isinstance(exc, OperationalError | InterfaceError):
        log.error("database unavailable", extra={"event": "database_unavailable"})
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = "30"
        return response
    return defaults.server_error(request)
