"""Failure behaviour: the broker down, the database restarted, the health endpoint.

The outages happen to private servers started here (a Redis and a PostgreSQL cluster on free
loopback ports), never to the shared ones other tests use.
"""

import datetime
import json
import os
import subprocess
import sys
import time
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone

from cooperation.choices import Health, ReminderState, Role, Status
from cooperation.models import ConsultationMechanism, CooperationItem, Meeting
from tests.conftest import PASSWORD
from tests.meetings.servers import MailRecorder
from tests.services import (
    ROOT,
    Browser,
    Gunicorn,
    PrivatePostgres,
    PrivateRedis,
    app_env,
    free_port,
    manage,
    wait_for,
)

PAGE = "/accounts/password/"


# --- the health endpoint, in-process ----------------------------------------------------


@pytest.mark.django_db
def test_health_reports_database_and_workers_without_signing_in(client):
    response = client.get("/healthz/")
    assert response.status_code == 200
    report = response.json()
    assert report["database"] == "ok"
    assert "broker" not in report  # the public check never asks the broker
    assert report["status"] in ("ok", "degraded")  # "ok" once a worker's heartbeat is fresh
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_health_refuses_writes(client):
    assert client.post("/healthz/").status_code == 405


# --- a worker and the broker, end to end ---------------------------------------------------


@pytest.fixture
def redis_server():
    server = PrivateRedis().start()
    yield server
    server.stop()


def start_worker(env):
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tracker", "worker", "--pool", "solo",
         "--without-mingle", "--without-gossip", "--loglevel", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


@pytest.fixture
def app_on_private_redis(redis_server, live_db_url):
    env = app_env(
        DATABASE_URL=live_db_url,
        REDIS_URL=redis_server.url,
        CELERY_BROKER_URL=redis_server.url,
    )
    server = Gunicorn(env).start()
    worker = start_worker(env)
    yield server, worker
    worker.terminate()
    worker.wait(20)
    server.stop()


@pytest.fixture
def live_db_url():
    """The test database, for servers started outside this process (commits are visible)."""
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


@pytest.fixture
def server_password_hashers(settings):
    """Users made here sign in to a server in another process, which has the real hashers."""
    from django.conf import global_settings

    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS


@pytest.mark.django_db(transaction=True)
def test_with_redis_stopped_the_site_works_and_health_says_degraded(
    agreement, server_password_hashers, make_user, redis_server, app_on_private_redis
):
    server, _worker = app_on_private_redis
    make_user("cd", org="cdig")
    browser = Browser(server.base)
    wait_for(lambda: browser.health()[1]["workers"] == 1, what="a worker", timeout=60)
    assert browser.health() == (200, {"status": "ok", "database": "ok", "workers": 1})
    wait_for(lambda: browser.health_detail()[1]["workers_answering"] == 1, what="a ping")
    assert browser.health_detail() == (200, {
        "status": "ok", "database": "ok", "workers": 1, "broker": "ok", "workers_answering": 1,
    })  # fmt: skip

    redis_server.stop()
    status, report = browser.health_detail()
    assert status == 200, "a broker outage must not take the instance out of the balancer"
    assert report == {
        "status": "degraded",
        "database": "ok",
        "workers": 1,
        "broker": "unavailable",
        "workers_answering": "unknown",
    }
    assert browser.health() == (200, {"status": "ok", "database": "ok", "workers": 1})
    signed_in = browser.sign_in("cd", PASSWORD)
    assert signed_in == 302, browser.last_body[-3000:] + server.output()[-3000:]
    item = CooperationItem.objects.get(code="KP-1")
    url = f"/items/{item.pk}/update/"
    status, _body = browser.post(url, {
        "status": Status.IN_PROGRESS, "health": Health.AT_RISK, "progress": 30,
        "narrative": "土地指标待省里批复", "risks": "", "next_steps": "",
        "version": browser.form_value(url, "version"),
    })  # fmt: skip
    assert status == 302, "the status report is saved while Redis is down"
    item.refresh_from_db()
    assert (item.progress, item.health) == (30, Health.AT_RISK)
    assert item.status_updates.get().narrative == "土地指标待省里批复"
    assert browser.post("/accounts/logout/", {})[0] == 302

    redis_server.start()  # same port: the worker and the web reconnect by themselves
    wait_for(lambda: browser.health_detail()[1] == {
        "status": "ok", "database": "ok", "workers": 1, "broker": "ok", "workers_answering": 1,
    }, what="recovery", timeout=60)  # fmt: skip
    assert "Traceback" not in server.output()


@pytest.mark.django_db(transaction=True)
def test_reminders_made_while_redis_is_down_go_out_once_when_it_is_back(
    agreement, server_password_hashers, make_user, redis_server, live_db_url, tmp_path
):
    mail = MailRecorder().start()
    make_user("cd_sup", org="chengdu-gov", role=Role.SUPERVISOR)
    make_user("yb_sup", org="yibin-gov", role=Role.SUPERVISOR)
    make_user("cd_coord", org="cdig")
    env = app_env(
        DATABASE_URL=live_db_url,
        REDIS_URL=redis_server.url,
        CELERY_BROKER_URL=redis_server.url,
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        DJANGO_EMAIL_HOST="127.0.0.1",
        DJANGO_EMAIL_PORT=str(mail.port),
        CHENGYI_DISPATCH_INTERVAL="2",
    )
    server = Gunicorn(env).start()
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tracker", "worker", "-B",
         "-s", str(tmp_path / "beat-schedule"), "--pool", "solo", "--without-mingle",
         "--without-gossip", "--loglevel", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        browser = Browser(server.base)
        wait_for(lambda: browser.health()[1]["workers"] == 1, what="a worker", timeout=60)
        redis_server.stop()

        # A supervisor adds a meeting twelve hours from now: its reminders fall due at once.
        assert browser.sign_in("cd_sup", PASSWORD) == 302
        starts = timezone.localtime() + datetime.timedelta(hours=12)
        mechanism = ConsultationMechanism.objects.get(code="supervising-leaders-semiannual")
        status, _ = browser.post("/meetings/new/", {
            "mechanism": mechanism.pk, "date": starts.date().isoformat(),
            "time": starts.strftime("%H:%M"), "host_city": "chengdu",
            "location": "宜宾市政府", "agenda": "",
        })  # fmt: skip
        assert status == 302, "the meeting is saved while Redis is down"
        meeting = Meeting.objects.get(location="宜宾市政府")
        reminders = meeting.reminders.all()
        assert reminders.count() >= 1
        time.sleep(3)
        assert not reminders.filter(state=ReminderState.SENT).exists()  # nothing can go out

        redis_server.start()
        wait_for(lambda: not reminders.exclude(state=ReminderState.SENT).exists(),
                 what="the reminders", timeout=120)  # fmt: skip
        time.sleep(6)  # three more beat ticks: nothing is sent twice
        keys = Counter(mail.keys())
        assert {k for k, n in keys.items() if n > 1} == set()
        assert set(reminders.values_list("key", flat=True)) <= set(keys)
    finally:
        worker.terminate()
        worker.wait(30)
        server.stop()
        mail.stop()


# --- the database restarted ----------------------------------------------------------------


@pytest.fixture(scope="module")
def private_postgres():
    if not (os.path.exists("/usr/lib/postgresql/15/bin/initdb") or os.environ.get("PG_BIN")):
        pytest.fail("PostgreSQL server binaries are needed (apt-get install postgresql)")
    cluster = PrivatePostgres().init()
    env = app_env(DATABASE_URL=cluster.url)
    for step in (("migrate", "--no-input"), ("setup_site",)):
        result = manage(*step, env=env)
        assert result.returncode == 0, result.stderr
    make = manage(
        "createsuperuser", "--no-input", "--username", "boss", "--email", "boss@example.com",
        env={**env, "DJANGO_SUPERUSER_PASSWORD": PASSWORD},
    )  # fmt: skip
    assert make.returncode == 0, make.stderr
    yield cluster
    cluster.destroy()


@pytest.fixture
def app_on_private_postgres(private_postgres):
    server = Gunicorn(app_env(DATABASE_URL=private_postgres.url)).start()
    yield server
    server.stop()


def test_requests_recover_after_a_database_restart_without_restarting_the_app(
    private_postgres, app_on_private_postgres
):
    server = app_on_private_postgres
    browser = Browser(server.base)
    assert browser.sign_in("boss", PASSWORD) == 302
    assert browser.get(PAGE)[0] == 200
    assert browser.get("/admin/cooperation/cooperationitem/")[0] == 200
    gunicorn_pid = server.process.pid

    private_postgres.stop()
    status, report = browser.health()
    assert (status, report["database"], report["status"]) == (503, "unavailable", "unavailable")
    status, body = browser.get(PAGE)
    assert status == 503, "a database outage answers 'try again shortly', not a crash page"
    assert "Temporarily unavailable" in body

    private_postgres.start()
    # The very next requests work, with the same session: no restart of the app.
    assert browser.health()[0] == 200
    assert browser.get(PAGE)[0] == 200
    assert browser.get("/admin/cooperation/cooperationitem/")[0] == 200
    assert server.process.pid == gunicorn_pid and server.process.poll() is None


def test_a_restart_between_requests_is_invisible_to_users(
    private_postgres, app_on_private_postgres
):
    # Connections are kept for 60 s; the health check at the start of each request notices a
    # connection the restart killed and opens a new one before the view runs.
    browser = Browser(app_on_private_postgres.base)
    assert browser.sign_in("boss", PASSWORD) == 302
    for _ in range(3):
        assert browser.get(PAGE)[0] == 200
        private_postgres.stop()
        private_postgres.start()
        time.sleep(0.2)
        assert browser.get(PAGE)[0] == 200


def test_enqueue_with_the_broker_down_logs_and_carries_on():
    code = (
        "from django.db import transaction\n"
        "from cooperation.queue import enqueue\n"
        "from cooperation.tasks import dispatch_due_reminders\n"
        "with transaction.atomic():\n"
        "    enqueue(dispatch_due_reminders)\n"
        "print('request finished')\n"
    )
    dead = f"redis://127.0.0.1:{free_port()}/0"
    env = app_env(DATABASE_URL="sqlite:///:memory:", REDIS_URL=dead, CELERY_BROKER_URL=dead)
    result = manage("shell", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    assert "request finished" in result.stdout
    warnings = [json.loads(line) for line in result.stderr.splitlines() if "enqueue_failed" in line]
    assert warnings and warnings[0]["task"] == "cooperation.tasks.dispatch_due_reminders"
