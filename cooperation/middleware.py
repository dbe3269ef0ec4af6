import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.urls import resolve
from django.utils.translation import gettext as _

# URL names reachable without signing in.
PUBLIC_URL_NAMES = {"login", "set_language", "healthz", "calendar_feed"}


class LoginRequiredMiddleware:
    """Every page but sign-in (and the few machine endpoints) needs a signed-in user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.user.is_authenticated:
            return None
        match = resolve(request.path_info)
        if match.url_name in PUBLIC_URL_NAMES or match.app_name == "admin":
            return None
        if request.path_info.startswith(settings.STATIC_URL):
            return None
        return redirect_to_login(request.get_full_path())


class SessionTimeoutMiddleware:
    """Ends a session after SESSION_IDLE_TIMEOUT seconds without a request."""

    key = "chengyi_last_seen"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(self.key, now)
            if now - last_seen > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                messages.info(request, _("You were signed out after a period of inactivity."))
            else:
                request.session[self.key] = now
        return self.get_response(request)
