"""Personal API tokens in the ``Authorization: Token <token>`` header (``Bearer`` too).

The token carries its owner's own permissions and nothing more: the views ask
``cooperation.permissions`` about ``request.user`` exactly as the web pages do.
"""

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from cooperation.models import ApiToken
from cooperation.models.api import token_hash

KEYWORDS = (b"token", b"bearer")
# last_used_at is written at most this often per token, so reading does not write each time.
TOUCH_EVERY = datetime.timedelta(minutes=1)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() not in KEYWORDS:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Give the token after the word Token."))
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("This API token is not valid.")) from None
        return self.authenticate_token(raw)

    def authenticate_token(self, raw: str):
        now = timezone.now()
        token = (
            ApiToken.objects.select_related("user", "user__profile")
            .filter(key_hash=token_hash(raw))
            .first()
        )
        if token is None or token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This API token is not valid."))
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed(_("This API token has expired."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("This user account is inactive."))
        if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return 'Token realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "cooperation.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Token <your API token>",
        }
