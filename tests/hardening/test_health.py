"""Issue 16, finding 3: /healthz/ answers from the database and the workers' heartbeats,
never waits on the broker, is rate-limited, and the detailed check is for staff or a token."""

import os
import socket
import subprocess
import sys
import threading

import pytest
from django.db import connection
from django.test import Client

from cooperation.models import WorkerHeartbeat
from tests.services import ROOT, Browser, Gunicorn, app_env, wait_for


class Blackhole:
    """A TCP server that accepts connections and never answers: a broker that hangs."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(50)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.held = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            self.held.append(conn)

    def close(self):
        self.sock.close()
        for conn in self.held:
            conn.close()


@pytest.fixture
def live_db_url():
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_the_public_check_never_talks_to_the_broker(live_db_url):
    """Before: every call opened a broker connection and waited out the ping (≥ 1 s with a
    broker that hangs). After: 0 broker connections for 20 calls."""
    hole = Blackhole()
    broker = f"redis://127.0.0.1:{hole.port}/0"
    server = Gunicorn(app_env(DATABASE_URL=live_db_url, REDIS_URL=broker,
                              CELERY_BROKER_URL=broker)).start()  # fmt: skip
    try:
        browser = Browser(server.base)
        WorkerHeartbeat.objects.create(hostname="celery@a", seen_at=_now())
        answers = [browser.health() for _ in range(20)]
        assert answers == [(200, {"status": "ok", "database": "ok", "workers": 1})] * 20
        assert hole.accepted == 0
    finally:
        server.stop()
        hole.close()


def _now():
    from django.utils import timezone

    return timezone.now()


@pytest.mark.django_db(transaction=True)
def test_a_running_worker_records_its_heartbeat(client):
    env = {**os.environ}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tracker", "worker", "--pool", "solo",
         "--without-mingle", "--without-gossip", "--loglevel", "WARNING",
         "--hostname", "heartbeat@test"],
        cwd=ROOT, env={**env, "DATABASE_URL": _db_url()}, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert client.get("/healthz/").json()["workers"] == 0
        wait_for(lambda: client.get("/healthz/").json()["workers"] == 1, what="heartbeat",
                 timeout=60)  # fmt: skip
        assert client.get("/healthz/").json() == {"status": "ok", "database": "ok", "workers": 1}
        assert WorkerHeartbeat.objects.get().hostname == "heartbeat@test"
    finally:
        worker.terminate()
        worker.wait(30)


def _db_url():
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


@pytest.mark.django_db
def test_a_stale_heartbeat_does_not_count(client, settings):
    import datetime

    WorkerHeartbeat.objects.create(
        hostname="celery@gone",
        seen_at=_now() - datetime.timedelta(seconds=settings.CHENGYI_HEARTBEAT_STALE_SECONDS + 1),
    )
    assert client.get("/healthz/").json() == {"status": "degraded", "database": "ok", "workers": 0}


@pytest.mark.django_db
def test_the_public_check_is_rate_limited_per_address(settings):
    """Before: no limit (120 calls, 120 answered). After: over CHENGYI_HEALTH_RATE a minute
    from one address, 429 with Retry-After; another address is still answered."""
    settings.CHENGYI_HEALTH_RATE = 60
    flooding = Client(REMOTE_ADDR="10.0.0.66")
    answers = [flooding.get("/healthz/").status_code for _ in range(120)]
    assert answers[:60] == [200] * 60
    assert answers[60:] == [429] * 60
    assert flooding.get("/healthz/")["Retry-After"] == "60"
    assert Client(REMOTE_ADDR="10.0.0.5").get("/healthz/").status_code == 200


@pytest.mark.django_db
def test_the_detailed_check_is_for_staff_or_a_token(settings, agreement, make_user, superuser):
    settings.CHENGYI_HEALTH_TOKEN = "s3cret-monitor-token"
    url = "/healthz/detail/"
    assert Client().get(url).status_code == 403
    assert Client().get(url, HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    coordinator = Client()
    coordinator.force_login(make_user("cd", org="cdig"))
    assert coordinator.get(url).status_code == 403
    staff = Client()
    staff.force_login(superuser)
    report = staff.get(url).json()
    assert report["database"] == "ok" and report["broker"] == "ok"
    assert "workers_answering" in report
    by_token = Client().get(url, HTTP_AUTHORIZATION="Bearer s3cret-monitor-token")
    assert by_token.status_code == 200 and by_token.json()["broker"] == "ok"
    # Without a token configured, no token opens it.
    settings.CHENGYI_HEALTH_TOKEN = ""
    assert Client().get(url, HTTP_AUTHORIZATION="Bearer ").status_code == 403
