"""Two dispatchers racing over 1,000 due reminders send each exactly once.

Each dispatcher is a separate process running the cron command against the same database
and the same SMTP server; they are released at the same instant. Each claims batches of rows
and mails a batch over one SMTP connection. Run on PostgreSQL (the suite's database; claims
with SELECT ... FOR UPDATE SKIP LOCKED) and on SQLite (a temporary file; claims with a
conditional UPDATE per row).
"""

import os
import re
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from cooperation.models import Notification, Reminder

ROOT = Path(__file__).resolve().parents[2]
COUNT = 1000


def run(args, env, **kwargs):
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, **kwargs
    )


def dispatcher_env(database_url: str, mailserver) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_EMAIL")}
    env.update(
        DATABASE_URL=database_url,
        DJANGO_DEBUG="1",
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        DJANGO_EMAIL_HOST="127.0.0.1",
        DJANGO_EMAIL_PORT=str(mailserver.port),
        DJANGO_LOG_LEVEL="WARNING",
    )
    return env


def race(env) -> dict:
    """Release two dispatcher processes at the same instant; return what each sent."""
    start_at = time.time() + 4  # both have imported Django by then
    harness = ["-m", "tests.meetings.outbox_harness", "dispatch", str(start_at)]
    procs = [
        subprocess.Popen(
            [sys.executable, *harness],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = {}
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-3000:]
        summary = dict(re.findall(r"(\w+)=([\d.]+)", out))
        results[summary["pid"]] = summary
    return results


def check_exactly_once(results, mailserver, rows, backend: str) -> str:
    keys = mailserver.wait_for(COUNT)
    counts = Counter(keys)
    per_process = sorted(int(r["sent"]) for r in results.values())
    assert sum(per_process) == COUNT
    assert all(n > 0 for n in per_process), f"no race happened: {per_process}"
    assert len(keys) == COUNT and max(counts.values()) == 1, counts.most_common(3)
    assert rows == {("sent", 1): COUNT}
    # Batches: a connection to the mail server carries many messages, not one each.
    connections = mailserver.connections()
    assert connections <= COUNT / 10, connections
    seconds = max(float(r["seconds"]) for r in results.values())
    figures = (
        f"race on {backend}: {COUNT} due, sent {per_process[0]} + {per_process[1]}, "
        f"{len(keys)} e-mails, {len(set(keys))} distinct, 0 duplicates, "
        f"{connections} SMTP connections, {seconds:.1f} s"
    )
    print(figures, flush=True)
    return figures


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_send_each_of_1000_reminders_once_on_postgresql(smtp, settings):
    assert connection.vendor == "postgresql"
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = dispatcher_env(url, smtp)
    seeded = run(["-m", "tests.meetings.outbox_harness", "seed", str(COUNT)], env)
    assert seeded.returncode == 0, seeded.stderr[-3000:]

    results = race(env)

    rows = Counter(Reminder.objects.values_list("state", "attempts"))
    check_exactly_once(results, smtp, rows, "PostgreSQL")
    assert Notification.objects.count() == COUNT
    sent = Reminder.history.filter(history_change_reason="Sent")
    assert sent.count() == sent.values("id").distinct().count() == COUNT


def test_two_dispatchers_send_each_of_1000_reminders_once_on_sqlite(
    mailserver, tmp_path, migrated_sqlite
):
    url = migrated_sqlite(tmp_path / "race.sqlite3")
    env = dispatcher_env(url, mailserver)
    seeded = run(["-m", "tests.meetings.outbox_harness", "seed", str(COUNT)], env)
    assert seeded.returncode == 0, seeded.stderr[-3000:]

    results = race(env)

    with sqlite3.connect(tmp_path / "race.sqlite3") as db:
        rows = Counter(db.execute("SELECT state, attempts FROM cooperation_reminder").fetchall())
        notifications = db.execute("SELECT COUNT(*) FROM cooperation_notification").fetchone()[0]
    check_exactly_once(results, mailserver, rows, "SQLite")
    assert notifications == COUNT
