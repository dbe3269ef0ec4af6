"""Issue 16, findings 1, 4 and 5: the lockout cannot be dodged with a forged
X-Forwarded-For, spraying many names from one address is refused, and wrong old passwords
on the password page count like failed sign-ins."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from cooperation.security import client_ip
from tests.conftest import PASSWORD

LOGIN = "/accounts/login/"
PASSWORD_PAGE = "/accounts/password/"
NGINX = "10.9.0.2"


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_ADDRESS_FAILURE_LIMIT = 20
    settings.AXES_COOLOFF_TIME = 0.25
    settings.CHENGYI_TRUSTED_PROXIES = [NGINX]
    # What .env.example said before issue 16 (one proxy counted from the right); the proxy's
    # address list above replaces it.
    settings.CHENGYI_TRUSTED_PROXY_COUNT = 1


def sign_in(client, username, password=PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


class Request:
    def __init__(self, remote, forwarded=None):
        self.META = {"REMOTE_ADDR": remote}
        if forwarded is not None:
            self.META["HTTP_X_FORWARDED_FOR"] = forwarded


def test_forwarded_addresses_are_read_only_from_our_proxies(settings):
    settings.CHENGYI_TRUSTED_PROXIES = ["10.9.0.0/24", "192.168.7.1"]
    # Straight to the app: whatever the header says, the address is the peer's.
    assert client_ip(Request("203.0.113.9", "1.2.3.4")) == "203.0.113.9"
    # Through our proxy: the rightmost entry that is not ours.
    assert client_ip(Request(NGINX, "1.2.3.4, 10.0.0.66")) == "10.0.0.66"
    assert client_ip(Request(NGINX, "1.2.3.4, 10.0.0.66, 192.168.7.1")) == "10.0.0.66"
    # Garbage or nothing from further left: the last address we can vouch for.
    assert client_ip(Request(NGINX, "not-an-address")) == NGINX
    assert client_ip(Request(NGINX)) == NGINX
    settings.CHENGYI_TRUSTED_PROXIES = []
    assert client_ip(Request(NGINX, "10.0.0.66")) == NGINX


@pytest.mark.django_db
def test_a_forged_forwarded_header_sent_straight_to_gunicorn_does_not_dodge_the_lockout(
    axes_on, make_user
):
    """Before: 20 wrong passwords with a new forged address each, never locked; then the
    right one from yet another forged address was accepted. After: locked at the fifth."""
    make_user("cd")
    answers = [
        sign_in(
            Client(REMOTE_ADDR="203.0.113.66"), "cd", "wrong",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        ).status_code
        for n in range(20)
    ]  # fmt: skip
    assert answers.count(429) == 16, answers
    forged = sign_in(
        Client(REMOTE_ADDR="203.0.113.66"), "cd", HTTP_X_FORWARDED_FOR="198.51.100.200"
    )
    assert forged.status_code == 429
    # The owner at her own desk, through the proxy, still signs in.
    assert (
        sign_in(Client(REMOTE_ADDR=NGINX), "cd", HTTP_X_FORWARDED_FOR="10.0.0.5").status_code == 302
    )


@pytest.mark.django_db
def test_spraying_many_names_from_one_address_is_refused(axes_on, make_user):
    """Before: one wrong password for each of 25 names from one address, 0 refused. After:
    the address is locked at the 20th failure, for every name, right password or not."""
    for n in range(25):
        make_user(f"user{n}")
    make_user("bystander")
    attacker = {"REMOTE_ADDR": NGINX, "HTTP_X_FORWARDED_FOR": "10.0.0.66"}
    answers = [sign_in(Client(), f"user{n}", "wrong", **attacker).status_code for n in range(25)]
    assert answers[:19] == [200] * 19
    assert answers[19:] == [429] * 6, answers
    assert sign_in(Client(), "bystander", **attacker).status_code == 429
    # Another address signs in, the same name included.
    elsewhere = {"REMOTE_ADDR": NGINX, "HTTP_X_FORWARDED_FOR": "10.0.0.5"}
    assert sign_in(Client(), "bystander", **elsewhere).status_code == 302
    assert sign_in(Client(), "user3", **elsewhere).status_code == 302


@pytest.mark.django_db
def test_a_successful_sign_in_does_not_forgive_the_address(axes_on, make_user):
    for n in range(19):
        make_user(f"user{n}")
    make_user("attacker")
    at = {"REMOTE_ADDR": "10.0.0.66"}
    for n in range(19):
        assert sign_in(Client(), f"user{n}", "wrong", **at).status_code == 200
    assert sign_in(Client(), "attacker", **at).status_code == 302  # its own account
    assert sign_in(Client(), "user0", "wrong", **at).status_code == 429  # the 20th failure


@pytest.mark.django_db
def test_wrong_old_passwords_on_the_password_page_count_like_failed_sign_ins(axes_on, make_user):
    """Before: 12 wrong old passwords, then the right one: accepted. After: locked at the
    fifth, the right one refused too, and the password stays as it was."""
    user = make_user("cd")
    client = Client(REMOTE_ADDR="10.0.0.66")
    client.cookies["django_language"] = "en"
    assert sign_in(client, "cd").status_code == 302
    new = "a-new-long-passphrase-2026"
    answers = []
    for _ in range(12):
        response = client.post(
            PASSWORD_PAGE,
            {"old_password": "wrong", "new_password1": new, "new_password2": new},
        )
        answers.append(response.status_code)
    assert answers[:4] == [200] * 4
    assert set(answers[4:]) == {429}, answers
    right = client.post(
        PASSWORD_PAGE, {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert right.status_code == 429
    user = get_user_model().objects.get(pk=user.pk)
    assert user.check_password(PASSWORD) and not user.check_password(new)
    # Sign-in of that name from that address is locked as well; elsewhere it is not.
    assert sign_in(Client(REMOTE_ADDR="10.0.0.66"), "cd").status_code == 429
    assert sign_in(Client(REMOTE_ADDR="10.0.0.5"), "cd").status_code == 302


@pytest.mark.django_db
def test_a_wrong_old_password_shows_the_translated_error(axes_on, make_user):
    make_user("cd")
    client = Client(REMOTE_ADDR="10.0.0.66")
    assert sign_in(client, "cd").status_code == 302
    response = client.post(
        PASSWORD_PAGE, {"old_password": "wrong", "new_password1": "x", "new_password2": "x"}
    )
    assert response.status_code == 200
    assert "旧密码不正确" in response.content.decode()
    ok = client.post(
        PASSWORD_PAGE,
        {"old_password": PASSWORD, "new_password1": "a-new-long-passphrase-2026",
         "new_password2": "a-new-long-passphrase-2026"},
    )  # fmt: skip
    assert ok.status_code == 302
