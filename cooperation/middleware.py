import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.utils.translation import gettext as _

from .security import LAST_SEEN, SIGNED_IN_AT, session_expire

# URL names reachable without signing in.
PUBLIC_URL_NAMES = {"login", "set_language", "healthz", "healthz_detail", "calendar_feed"}
# Machine endpoints never read the session: the health check must answer while the database
# (where sessions live) is down, whatever cookie the caller sends.
SESSIONLESS_URL_NAMES = {"healthz"}


class LoginRequiredMiddleware:
    """Every page but sign-in (and the few machine endpoints) needs a signed-in user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match.url_name in PUBLIC_URL_NAMES or match.app_name == "admin":
            return None
        if match.app_name == "api":
            return None  # the API authenticates itself (token or session) and answers 401
        if request.path_info.startswith(settings.STATIC_URL):
            return None
        if request.user.is_authenticated:
            return None
        return redirect_to_login(request.get_full_path())


class SessionTimeoutMiddleware:
    """Ends a session after SESSION_IDLE_TIMEOUT seconds without a request, and in any case
    SESSION_ABSOLUTE_TIMEOUT seconds after sign-in, however active it is.

    Only the session in hand ends; the user's other devices keep theirs. The last-seen time
    is written at most once a minute, so reading pages does not write a session row each time.
    """

    touch_every = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.resolver_match.url_name in SESSIONLESS_URL_NAMES:
            return None
        if request.user.is_authenticated and self.expired(request):
            return redirect_to_login(request.get_full_path())
        return None

    def expired(self, request) -> bool:
        session = request.session
        now = int(time.time())
        last_seen = session.get(LAST_SEEN, now)
        signed_in = session.get(SIGNED_IN_AT, now)
        if now - last_seen > settings.SESSION_IDLE_TIMEOUT:
            session_expire(request, reason="idle")
            messages.info(request, _("You were signed out after a period of inactivity."))
            return True
        if now - signed_in > settings.SESSION_ABSOLUTE_TIMEOUT:
            session_expire(request, reason="absolute")
            messages.info(
                request,
                _("You were signed out because you signed in more than %(hours)s hours ago.")
                % {"hours": round(settings.SESSION_ABSOLUTE_TIMEOUT / 3600)},
            )
            return True
        if SIGNED_IN_AT not in session:
            session[SIGNED_IN_AT] = now
        if LAST_SEEN not in session or now - last_seen >= self.touch_every:
            session[LAST_SEEN] = now
        return False


class PrivateCacheMiddleware:
    """``Cache-Control: private, no-store`` on every response to a signed-in user (pages,
    exports, calendar files): no browser cache, shared proxy or back button keeps a copy of
    what only that user may see. Anonymous pages keep their own headers."""

    value = "private, no-store"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name in SESSIONLESS_URL_NAMES:
            return response  # never reads the session (see above)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = self.value
            del response["Expires"]
        return response
