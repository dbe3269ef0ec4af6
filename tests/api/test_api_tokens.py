"""Personal API tokens: created and named on the profile page, shown once, stored hashed,
expiring, revocable, carrying only their owner's permissions, throttled per token."""

import datetime
import re

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from cooperation.models import ApiToken
from cooperation.models.api import token_hash

TOKENS = reverse("cooperation:apitoken_list")
ITEMS = "/api/v1/items/"


def bearer(raw: str, **headers) -> APIClient:
    client = APIClient(**headers)
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


def create_on_page(client, name="省级看板", days=90) -> str:
    response = client.post(
        reverse("cooperation:apitoken_create"), {"name": name, "days": days}, follow=True
    )
    assert response.redirect_chain == [(TOKENS, 302)]
    assert "no-store" in response["Cache-Control"]
    match = re.search(r'data-testid="token-value">([^<]+)<', response.content.decode())
    return match.group(1)


def test_a_token_is_made_on_the_profile_page_shown_once_and_stored_hashed(client_as, workspace):
    client = client_as("owner")
    assert client.get(TOKENS).status_code == 200
    raw = create_on_page(client)
    token = ApiToken.objects.get(user=workspace["users"]["owner"])
    assert token.name == "省级看板"
    assert token.key_hash == token_hash(raw) and raw not in token.key_hash
    assert not ApiToken.objects.filter(key_hash=raw).exists()
    assert token.expires_at - token.created_at == datetime.timedelta(days=90)
    page = client.get(TOKENS).content.decode()
    assert raw not in page  # never shown again
    assert token.prefix in page and "省级看板" in page
    response = bearer(raw).get(ITEMS)
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_token_page_refuses_bad_input_with_a_translated_error(client_as, workspace):
    client = client_as("owner")
    response = client.post(reverse("cooperation:apitoken_create"), {"name": "", "days": 400})
    assert response.status_code == 400
    assert "这个字段是必填项。" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_anonymous_is_sent_to_sign_in_for_the_token_page(client_as, workspace):
    response = client_as("anonymous").get(TOKENS)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_revoked_and_expired_tokens_stop_working(client_as, workspace):
    client = client_as("owner")
    raw = create_on_page(client, days=1)
    token = ApiToken.objects.get()
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1, minutes=1)):
        response = bearer(raw, HTTP_ACCEPT_LANGUAGE="en").get(ITEMS)
        assert response.status_code == 401
        assert response.json()["detail"] == "This API token has expired."
    other = create_on_page(client)
    assert bearer(other).get(ITEMS).status_code == 200
    second = ApiToken.objects.exclude(pk=token.pk).get()
    client.post(reverse("cooperation:apitoken_revoke", args=[second.pk]))
    response = bearer(other).get(ITEMS)
    assert response.status_code == 401
    assert response.json()["detail"] == "此 API 令牌无效。"


def test_nobody_revokes_someone_elses_token(client_as, workspace):
    raw = create_on_page(client_as("owner"))
    token = ApiToken.objects.get()
    client_as("supervisor").post(reverse("cooperation:apitoken_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is None
    assert bearer(raw).get(ITEMS).status_code == 200


def test_a_token_of_a_deactivated_user_is_refused(client_as, workspace):
    raw = create_on_page(client_as("owner"))
    user = workspace["users"]["owner"]
    user.is_active = False
    user.save()
    assert bearer(raw).get(ITEMS).status_code == 401


def test_a_bad_token_is_refused_in_chinese_by_default(workspace):
    response = bearer("cyt_not-a-token").get(ITEMS)
    assert response.status_code == 401
    assert response.json() == {"detail": "此 API 令牌无效。"}
    assert response["WWW-Authenticate"].startswith("Token")


@pytest.fixture
def three_a_minute(settings):
    from rest_framework.settings import api_settings

    rest = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": "3/minute"}}
    settings.REST_FRAMEWORK = rest
    api_settings.reload()
    from cooperation.api.throttling import PerTokenThrottle

    PerTokenThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    cache.clear()
    yield
    settings.REST_FRAMEWORK = {**rest, "DEFAULT_THROTTLE_RATES": {"api": "600/minute"}}
    api_settings.reload()
    PerTokenThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES


def test_throttling_counts_per_token(client_as, workspace, three_a_minute):
    client = client_as("owner")
    first, second = create_on_page(client), create_on_page(client)
    answers = [bearer(first, HTTP_ACCEPT_LANGUAGE="en").get(ITEMS).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    throttled = bearer(first, HTTP_ACCEPT_LANGUAGE="en").get(ITEMS)
    assert throttled.json()["detail"].startswith("Request was throttled.")
    assert "Retry-After" in throttled
    assert bearer(second).get(ITEMS).status_code == 200  # another token: its own budget
