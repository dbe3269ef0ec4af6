"""`make run` shows it working: its worker and beat deliver a due reminder to the
development e-mail backend (a file under var/mail/, one line in the console) and to the
notification list, once; the console is quiet and honest (one plain format, each line once,
no kombu warnings) and the checkout stays clean.

Runs scripts/run_dev.sh (the web server, the Celery worker and embedded beat that `make run`
starts) on `make run`'s embedded defaults: a fresh SQLite file and kombu's filesystem broker,
no Redis, mail written to files. Only the paths and the beat interval differ.
"""

import http.cookiejar
import os
import re
import signal
import sqlite3
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from .helpers import wait_until
from .servers import free_port

ROOT = Path(__file__).resolve().parents[2]

SEED = """
import datetime
from django.utils import timezone
from django.contrib.auth.models import User
from cooperation.models import ConsultationMechanism, Meeting, Reminder
now = timezone.now()
meeting = Meeting.objects.create(
    mechanism=ConsultationMechanism.objects.get(code="principal-leaders-annual"),
    starts_at=now + datetime.timedelta(days=1), planned_for=now.date(), host_city="yibin")
leader = User.objects.get(username="leader")
reminder = Reminder.objects.create(
    key=f"meeting:{meeting.pk}:d1:u{leader.pk}", kind="meeting", meeting=meeting,
    recipient=leader, due_at=now, context={"offset_days": 1})
print("KEY", reminder.key)
"""

CREATE = """
import datetime
from django.utils import timezone
from cooperation.meetings.changes import meeting_create
from django.contrib.auth.models import User
from cooperation.models import ConsultationMechanism
tomorrow = timezone.localtime() + datetime.timedelta(days=1)
meeting = meeting_create(
    mechanism=ConsultationMechanism.objects.get(code="supervising-leaders-semiannual"),
    starts_at=tomorrow.replace(hour=9, minute=30, second=0, microsecond=0),
    host_city="chengdu", location="成都市政府第一会议室",
    user=User.objects.get(username="supervisor"))
print("MEETING", meeting.pk)
"""


def dev_env(tmp_path: Path, port: int) -> dict:
    drop = ("CELERY_BROKER_URL", "REDIS_URL", "DATABASE_URL", "DJANGO_EMAIL_BACKEND")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    for folder in ("out", "processed"):
        (tmp_path / "broker" / folder).mkdir(parents=True)
    env.update(
        DJANGO_DEBUG="1",
        CHENGYI_DEMO="1",
        DJANGO_SETTINGS_MODULE="tracker.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'dev.sqlite3'}",
        CELERY_BROKER_DIR=str(tmp_path / "broker"),
        CELERY_BEAT_SCHEDULE_FILE=str(tmp_path / "celerybeat-schedule"),
        DJANGO_EMAIL_FILE_PATH=str(tmp_path / "mail"),
        DJANGO_LOG_FORMAT="plain",  # as `make run` sets it
        CHENGYI_DISPATCH_INTERVAL="2",
        CHENGYI_SITE_URL=f"http://127.0.0.1:{port}",
        PORT=str(port),
        PY=sys.executable,
    )
    return env


def manage(env, *args):
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def planned_meetings(tmp_path: Path) -> int:
    with sqlite3.connect(tmp_path / "dev.sqlite3") as db:
        query = "SELECT COUNT(*) FROM cooperation_meeting WHERE sequence IS NOT NULL"
        return db.execute(query).fetchone()[0]


def sign_in_and_get(port: int, path: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{port}"
    login = opener.open(f"{base}/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login).group(1)
    form = {"username": "leader", "password": "chengyi-demo", "csrfmiddlewaretoken": token}
    opener.open(
        urllib.request.Request(  # noqa: S310 (a loopback http URL built above)
            f"{base}/accounts/login/",
            data=urllib.parse.urlencode(form).encode(),
            headers={"Referer": f"{base}/accounts/login/"},
        )
    )
    return opener.open(f"{base}{path}").read().decode()


@pytest.mark.celery_worker
def test_make_run_worker_and_beat_deliver_a_due_reminder_once(tmp_path, migrated_sqlite):
    port = free_port()
    env = dev_env(tmp_path, port)
    migrated_sqlite(tmp_path / "dev.sqlite3")  # `make run` migrates it first
    manage(env, "setup_site", "--demo")
    key = re.search(r"KEY (\S+)", manage(env, "shell", "-c", SEED)).group(1)

    log_path = tmp_path / "dev.log"
    with open(log_path, "w") as log:
        stack = subprocess.Popen(
            ["scripts/run_dev.sh"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output() -> str:
        return log_path.read_text(errors="replace")

    def mails() -> str:
        """Every message written so far, whole."""
        return "".join(p.read_text() for p in sorted((tmp_path / "mail").glob("*.eml")))

    status_before = git_status()

    try:
        # Beat's tick (every 2 s here, every minute in `make run`) sends the due reminder.
        assert wait_until(lambda: f"X-Chengyi-Reminder: {key}" in mails(), 90), output()[-4000:]

        # Beat planned the year of meetings of the three mechanisms when it started.
        assert wait_until(lambda: planned_meetings(tmp_path) == 7, 30)

        # A supervisor sets a meeting for tomorrow: its reminders arrive on the next tick.
        meeting = re.search(r"MEETING (\d+)", manage(env, "shell", "-c", CREATE)).group(1)
        new_keys = [f"meeting:{meeting}:d3:u", f"meeting:{meeting}:d1:u"]
        assert wait_until(
            lambda: re.search(rf"X-Chengyi-Reminder: meeting:{meeting}:d\d:u\d+", mails()), 60
        ), output()[-4000:]
        wait_until(lambda: False, 5)  # two more ticks: nothing may go out twice

        sent = re.findall(r"X-Chengyi-Reminder: (\S+)", mails())
        assert sent.count(key) == 1
        mine = [k for k in sent if any(k.startswith(p) for p in new_keys)]
        assert mine and len(mine) == len(set(mine))
        page = sign_in_and_get(port, "/notifications/")
        assert "会商提醒" in page and "市主要领导年度联席会议" in page
        assert "市分管领导半年会商（临时会商）" in page
        assert re.search(r'data-testid="unread-count">\d', page)
    finally:
        os.killpg(stack.pid, signal.SIGTERM)
        stack.wait(30)
    check_console(output(), mail_folder=tmp_path / "mail")
    assert git_status() == status_before  # nothing new in the checkout (no control/ folder)


def git_status() -> str:
    done = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return done.stdout


LOG_LINE = re.compile(r"^\d\d:\d\d:\d\d (DEBUG|INFO|WARNING|ERROR|CRITICAL) +[\w.]+: ")


def check_console(console: str, *, mail_folder: Path) -> None:
    """What `make run` shows: each e-mail in one INFO line naming its subject, recipients and
    file; no MIME; no kombu warning; one format (no JSON line); no line twice."""
    lines = console.splitlines()
    mail_lines = [line for line in lines if "cooperation.mail: e-mail to " in line]
    files = sorted(mail_folder.glob("*.eml"))
    assert len(mail_lines) == len(files) > 0
    for line in mail_lines:
        assert " INFO " in line
        shown = re.search(r"\(full message: (.+)\)$", line).group(1)
        assert Path(shown) in files
    assert not any(line.startswith(("Content-Type:", "X-Chengyi-Reminder")) for line in lines)
    assert "No hostname was supplied" not in console
    assert not any(line.startswith('{"time"') for line in lines)
    logged = [line for line in lines if LOG_LINE.match(line)]
    assert len(logged) > 5
    assert not any(re.match(r"^\[\d{4}-\d\d-\d\d .*(INFO|WARNING)/", line) for line in lines)
    # Each record once: no copy through a second handler (the time can differ by a second).
    bodies = [LOG_LINE.sub("", line) for line in logged if "celery" not in line]
    assert any(body.startswith("reminder sent [reminder=") for body in bodies)
    assert len(bodies) == len(set(bodies)), [b for b in bodies if bodies.count(b) > 1]
