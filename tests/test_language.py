"""Simplified Chinese by default; English when the user chooses it, remembered on the profile."""

import pytest
from django.test import Client

from cooperation.models import Profile


@pytest.fixture
def coordinator(agreement, make_user):
    return make_user("lang_user", org="cdig")


def test_chinese_by_default_even_for_an_english_browser(coordinator):
    client = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    page = client.get("/accounts/login/")
    assert page["Content-Language"] == "zh-hans"
    assert "登录" in page.content.decode()


def test_switching_to_english_sticks_and_is_saved_on_the_profile(coordinator):
    client = Client()
    client.force_login(coordinator)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/items/"})
    assert response.status_code == 302 and response["Location"] == "/items/"
    page = client.get("/items/")
    assert page["Content-Language"] == "en"
    assert "Cooperation items" in page.content.decode()
    assert Profile.objects.get(user=coordinator).language == "en"

    # Another computer, no cookie: the profile's choice applies after sign-in.
    elsewhere = Client()
    elsewhere.force_login(coordinator)
    assert elsewhere.get("/items/")["Content-Language"] == "en"
    assert Client().get("/accounts/login/")["Content-Language"] == "zh-hans"


def test_switching_needs_post_and_ignores_unknown_languages(coordinator):
    client = Client()
    client.force_login(coordinator)
    assert client.get("/i18n/setlang/?language=en").status_code == 405
    client.post("/i18n/setlang/", {"language": "fr", "next": "/items/"})
    assert Profile.objects.get(user=coordinator).language == "zh-hans"
    assert client.get("/items/")["Content-Language"] == "zh-hans"


def test_the_language_is_saved_by_a_service_that_refuses_unknown_ones(agreement, django_user_model):
    from django.core.exceptions import ValidationError

    from cooperation.services import profile_set_language

    user = django_user_model.objects.create_user("no_profile_yet")
    assert profile_set_language(user=user, language="en").language == "en"
    with pytest.raises(ValidationError):
        profile_set_language(user=user, language="fr")
    assert Profile.objects.get(user=user).language == "en"
