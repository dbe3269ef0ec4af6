"""Sign-in protection: lockout per name and address, session keys, timeouts, ending every
session of a user, and the security log."""

import datetime
import io
import json
import logging

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.test import Client

from cooperation.logging import StructuredFormatter
from cooperation.models import SignedInSession
from tests.conftest import PASSWORD

LOGIN = "/accounts/login/"
PAGE = "/accounts/password/"  # any page that needs a signed-in user
T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def english(client: Client) -> Client:
    """A client whose user chose English (the interface is Chinese otherwise)."""
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = 0.25  # hours


@pytest.fixture
def security_log():
    """The security log as the deployment writes it: one JSON object per line."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(StructuredFormatter())
    logger = logging.getLogger("cooperation.security")
    logger.addHandler(handler)

    def events():
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield events
    logger.removeHandler(handler)


def sign_in(client, username, password=PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def signed_in(client) -> bool:
    return client.get(PAGE).status_code == 200


# --- brute-force lockout ----------------------------------------------------------------


@pytest.mark.django_db
def test_lockout_is_per_user_name_and_address(axes_on, make_user):
    make_user("cd")
    make_user("yb")
    attacker = english(Client(REMOTE_ADDR="10.0.0.66"))
    for _ in range(4):
        assert sign_in(attacker, "cd", "wrong").status_code == 200
    assert sign_in(attacker, "cd", "wrong").status_code == 429  # the fifth failure locks
    blocked = sign_in(attacker, "cd")  # now even the right password is refused
    assert blocked.status_code == 429
    page = blocked.content.decode()
    assert "Sign-in temporarily blocked" in page
    assert "Try again in 15 minutes." in page
    assert not signed_in(attacker)
    # The user at her own desk is not locked out, nor is another user at the attacker's.
    assert sign_in(Client(REMOTE_ADDR="10.0.0.5"), "cd").status_code == 302
    assert sign_in(Client(REMOTE_ADDR="10.0.0.66"), "yb").status_code == 302


@pytest.mark.django_db
def test_lockout_page_is_translated(axes_on, make_user):
    make_user("cd")
    client = Client(REMOTE_ADDR="10.0.0.66")
    for _ in range(6):
        response = sign_in(client, "cd", "wrong")
    assert response.status_code == 429
    assert "登录已暂时锁定" in response.content.decode()


@pytest.mark.django_db
def test_lockout_ends_after_the_cool_off(axes_on, make_user):
    make_user("cd")
    with time_machine.travel(T0, tick=False) as clock:
        client = Client(REMOTE_ADDR="10.0.0.66")
        for _ in range(5):
            sign_in(client, "cd", "wrong")
        assert sign_in(client, "cd").status_code == 429
        clock.shift(datetime.timedelta(minutes=16))
        assert sign_in(client, "cd").status_code == 302


@pytest.mark.django_db
def test_behind_a_proxy_a_forged_forwarded_address_does_not_dodge_the_lockout(
    axes_on, settings, make_user
):
    settings.CHENGYI_TRUSTED_PROXIES = ["192.168.1.1"]
    make_user("cd")
    proxy = {"REMOTE_ADDR": "192.168.1.1"}
    for n in range(5):
        # The attacker writes a new address of its own each time; the proxy appends the real one.
        forwarded = f"203.0.113.{n}, 10.0.0.66"
        sign_in(Client(**proxy), "cd", "wrong", HTTP_X_FORWARDED_FOR=forwarded)
    blocked = sign_in(Client(**proxy), "cd", HTTP_X_FORWARDED_FOR="198.51.100.7, 10.0.0.66")
    assert blocked.status_code == 429
    # Everyone else behind the same proxy still signs in.
    assert sign_in(Client(**proxy), "cd", HTTP_X_FORWARDED_FOR="10.0.0.5").status_code == 302


# --- session keys and timeouts ------------------------------------------------------------


@pytest.mark.django_db
def test_signing_in_issues_a_new_session_key(make_user):
    make_user("cd")
    client = Client()
    session = client.session  # an anonymous session, e.g. planted by an attacker
    session["planted"] = True
    session.save()
    before = session.session_key
    assert sign_in(client, "cd").status_code == 302
    after = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert Session.objects.filter(session_key=after).exists()
    assert signed_in(client)


@pytest.mark.django_db
def test_idle_session_ends_and_activity_keeps_it_alive(make_user):
    make_user("cd")
    with time_machine.travel(T0, tick=False) as clock:
        client = english(Client())
        sign_in(client, "cd")
        for _ in range(4):  # an hour of work, a request every 20 minutes
            clock.shift(datetime.timedelta(minutes=20))
            assert signed_in(client)
        clock.shift(datetime.timedelta(minutes=31))
        response = client.get(PAGE, follow=True)
        assert response.redirect_chain[0][0].startswith(f"{LOGIN}?next=")
        assert "You were signed out after a period of inactivity." in response.content.decode()
        assert not signed_in(client)


@pytest.mark.django_db
def test_absolute_timeout_ends_even_an_active_session(settings, make_user):
    settings.SESSION_ABSOLUTE_TIMEOUT = 2 * 3600
    make_user("cd")
    with time_machine.travel(T0, tick=False) as clock:
        client = english(Client())
        sign_in(client, "cd")
        for _ in range(6):  # active all the time: two hours of requests
            clock.shift(datetime.timedelta(minutes=20))
            assert signed_in(client)
        clock.shift(datetime.timedelta(minutes=20))
        response = client.get(PAGE, follow=True)
        assert "because you signed in more than 2 hours ago" in response.content.decode()
        assert not signed_in(client)


@pytest.mark.django_db
def test_a_timeout_ends_only_that_device(make_user):
    make_user("cd")
    with time_machine.travel(T0, tick=False) as clock:
        office, laptop = Client(), Client()
        sign_in(office, "cd")
        clock.shift(datetime.timedelta(minutes=25))
        sign_in(laptop, "cd")
        clock.shift(datetime.timedelta(minutes=10))
        assert not signed_in(office)  # idle for 35 minutes
        assert signed_in(laptop)


# --- ending every session -----------------------------------------------------------------


@pytest.mark.django_db
def test_signing_out_ends_the_sessions_on_every_device(make_user):
    user = make_user("cd")
    make_user("yb")
    office, laptop, colleague = Client(), Client(), Client()
    sign_in(office, "cd")
    sign_in(laptop, "cd")
    sign_in(colleague, "yb")
    assert SignedInSession.objects.filter(user=user).count() == 2
    assert office.post("/accounts/logout/").status_code == 302
    assert not signed_in(office)
    assert not signed_in(laptop)
    assert signed_in(colleague)
    assert not SignedInSession.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_deactivating_a_user_in_the_admin_ends_all_their_sessions(make_user, superuser):
    make_user("cd")
    office, laptop = Client(), Client()
    sign_in(office, "cd")
    sign_in(laptop, "cd")
    admin = Client()
    admin.force_login(superuser)
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="cd")
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert not signed_in(office)
    assert not signed_in(laptop)
    assert signed_in(admin)
    assert sign_in(Client(), "cd").status_code == 200  # and cannot sign in again


@pytest.mark.django_db
def test_stale_index_rows_are_pruned_at_the_next_sign_in(make_user):
    user = make_user("cd")
    for _ in range(3):
        sign_in(Client(), "cd")
    Session.objects.all().delete()  # e.g. clearsessions after they expired
    sign_in(Client(), "cd")
    assert SignedInSession.objects.filter(user=user).count() == 1


# --- the security log ---------------------------------------------------------------------


@pytest.mark.django_db
def test_sign_ins_failures_and_sign_outs_are_logged_in_utc(security_log, make_user):
    make_user("cd")
    client = Client(REMOTE_ADDR="10.0.0.7")
    sign_in(client, "cd", "wrong-password")
    sign_in(client, "cd")
    client.post("/accounts/logout/")
    events = security_log()
    assert [e["event"] for e in events] == ["sign_in_failed", "sign_in", "sign_out"]
    for event in events:
        assert event["user"] == "cd"
        assert event["ip"] == "10.0.0.7"
        when = datetime.datetime.fromisoformat(event["time"])
        assert when.utcoffset() == datetime.timedelta(0)
        assert abs(datetime.datetime.now(datetime.UTC) - when) < datetime.timedelta(minutes=1)
    assert "wrong-password" not in json.dumps(events)


@pytest.mark.django_db
def test_lockouts_are_logged(axes_on, security_log, make_user):
    make_user("cd")
    client = Client(REMOTE_ADDR="10.0.0.66")
    for _ in range(6):
        sign_in(client, "cd", "wrong")
    locked = [e for e in security_log() if e["event"] == "locked_out"]
    assert locked and locked[0]["user"] == "cd" and locked[0]["ip"] == "10.0.0.66"


@pytest.mark.django_db
def test_permission_denials_are_logged(security_log, make_user):
    make_user("clerk", is_staff=True)  # may enter the admin, may change nothing
    client = Client(REMOTE_ADDR="10.0.0.8")
    client.force_login(client_user := make_user("clerk2", is_staff=True))
    response = client.get("/admin/cooperation/cooperationitem/")
    assert response.status_code == 403
    denied = [e for e in security_log() if e["event"] == "permission_denied"]
    assert denied[-1]["user"] == client_user.username
    assert denied[-1]["path"] == "/admin/cooperation/cooperationitem/"
    assert denied[-1]["ip"] == "10.0.0.8"


@pytest.mark.django_db
def test_csrf_failures_are_logged(security_log):
    client = Client(enforce_csrf_checks=True)
    assert client.post(LOGIN, {"username": "x", "password": "y"}).status_code == 403
    denied = [e for e in security_log() if e["event"] == "permission_denied"]
    assert "CSRF" in denied[-1]["what"]


@pytest.mark.django_db
def test_a_refused_item_update_is_logged_once(agreement, security_log, make_user):
    from cooperation.models import CooperationItem

    intruder = make_user("yb", org="yibin-lingang-etdz")
    item = CooperationItem.objects.get(code="KP-3")  # not Lingang's
    client = Client(REMOTE_ADDR="10.0.0.9")
    client.force_login(intruder)
    response = client.post(f"/items/{item.pk}/update/", {"status": "in_progress"})
    assert response.status_code == 403
    denied = [e for e in security_log() if e["event"] == "permission_denied"]
    assert len(denied) == 1
    assert (denied[0]["user"], denied[0]["ip"]) == ("yb", "10.0.0.9")
