"""The interface language: Simplified Chinese unless the user chose English.

Django's LocaleMiddleware follows the browser's Accept-Language. Here the choice is the
user's: the language cookie set by the switcher, else the signed-in user's profile, else
Simplified Chinese. Switching also saves the choice to the profile, so e-mails and the next
sign-in on another computer follow it.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

SUPPORTED = {code for code, _name in settings.LANGUAGES}


def chosen_language(request) -> str:
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if cookie in SUPPORTED:
        return cookie
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        profile = getattr(user, "profile", None) if hasattr(user, "profile") else None
        if profile is not None and profile.language in SUPPORTED:
            return profile.language
    return settings.LANGUAGE_CODE


class ChosenLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request):
        language = chosen_language(request)
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
