"""The interface language: Simplified Chinese unless the user chose English.

Django's LocaleMiddleware follows the browser's Accept-Language. Here the choice is the
user's: the language cookie set by the switcher, else the signed-in user's profile, else
Simplified Chinese. Switching also saves the choice to the profile, so e-mails and the next
sign-in on another computer follow it.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation import trans_real
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

SUPPORTED = {code for code, _name in settings.LANGUAGES}
API_PREFIX = "/api/"
# Under /api/ but a page for people: it follows their choice like any other page.
API_DOCS_PATH = "/api/docs/"


def cookie_language(request) -> str | None:
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    return cookie if cookie in SUPPORTED else None


def is_api(request) -> bool:
    """The REST API: a program's request says its language in Accept-Language."""
    path = request.path_info
    return path.startswith(API_PREFIX) and not path.startswith(API_DOCS_PATH)


def header_language(request) -> str | None:
    for code, _quality in trans_real.parse_accept_lang_header(
        request.headers.get("Accept-Language", "")
    ):
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return None


def profile_language(user) -> str | None:
    profile = getattr(user, "profile", None) if user.is_authenticated else None
    return profile.language if profile is not None and profile.language in SUPPORTED else None


class ChosenLanguageMiddleware(LocaleMiddleware):
    """The cookie or Chinese before the view is resolved; the profile once it is.

    The profile is read in process_view, where machine endpoints that must not touch the
    database (the health check) can be told apart.
    """

    def process_request(self, request):
        if is_api(request):
            self.activate(request, header_language(request) or settings.LANGUAGE_CODE)
            return
        self.activate(request, cookie_language(request) or settings.LANGUAGE_CODE)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from .middleware import SESSIONLESS_URL_NAMES

        if (
            is_api(request)
            or cookie_language(request)
            or request.resolver_match.url_name in SESSIONLESS_URL_NAMES
        ):
            return None
        language = profile_language(request.user)
        if language:
            self.activate(request, language)
        return None

    @staticmethod
    def activate(request, language: str) -> None:
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


@require_POST
def language_switch(request):
    """Django's set_language, plus the choice saved on the signed-in user's profile."""
    response = set_language(request)
    language = request.POST.get("language")
    if language in SUPPORTED and request.user.is_authenticated:
        from .services import profile_set_language

        profile_set_language(user=request.user, language=language)
    return response
