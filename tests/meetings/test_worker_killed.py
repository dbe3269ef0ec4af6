"""A Celery worker killed in the middle of a send: the reminder is delivered later, once.

Worker 1 (a real `celery worker` process on the Redis broker) claims the five due reminders
as one batch and delivers two; the mail server then sits on the third without answering, and
the worker is killed with SIGKILL while it waits. The mail server never accepted that message.
Once the claim's lease runs out, worker 2 delivers the three left (the interrupted one and the
two the batch had not reached), and nothing twice.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from cooperation.choices import ReminderState
from cooperation.models import Reminder
from tracker.celery import app

from .helpers import wait_until
from .test_outbox_race import dispatcher_env, run

ROOT = Path(__file__).resolve().parents[2]
LEASE = 3
pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def start_worker(env, queue, name, log):
    command = [
        sys.executable, "-m", "celery", "-A", "tracker", "worker", "--pool", "solo",
        "--without-mingle", "--without-gossip", "--without-heartbeat",
        "--loglevel", "INFO", "-Q", queue, "-n", f"{name}@%h",
    ]  # fmt: skip
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def dispatch(queue):
    app.send_task("cooperation.tasks.dispatch_due_reminders", queue=queue)


def test_worker_killed_mid_send_delivers_later_once(smtp, tmp_path):
    db = connection.settings_dict
    env = dispatcher_env(f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}", smtp)
    env["CHENGYI_REMINDER_LEASE_SECONDS"] = str(LEASE)
    seeded = run(["-m", "tests.meetings.outbox_harness", "seed", "5"], env)
    assert seeded.returncode == 0, seeded.stderr[-3000:]
    queue = f"killtest-{uuid.uuid4().hex[:8]}"
    smtp.hold_at(2)

    with open(tmp_path / "worker1.log", "w") as log1:
        worker1 = start_worker(env, queue, "first", log1)
        dispatch(queue)
        assert smtp.holding.wait(60), (tmp_path / "worker1.log").read_text()[-3000:]
        # The two accepted messages are marked sent while the third goes out.
        sent = Reminder.objects.filter(state=ReminderState.SENT)
        assert wait_until(lambda: sent.count() == 2, timeout=10)
        held = list(Reminder.objects.filter(state=ReminderState.SENDING).order_by("due_at", "pk"))
        interrupted = held[0]
        first_claim = interrupted.claimed_by
        os.killpg(worker1.pid, signal.SIGKILL)
        worker1.wait(10)
    smtp.release()  # the server answers the dead connection 451 and keeps nothing
    assert len(smtp.keys()) == 2
    assert Counter(Reminder.objects.values_list("state", flat=True)) == {"sent": 2, "sending": 3}
    assert {row.claimed_by for row in held} == {first_claim}

    time.sleep(LEASE + 0.5)
    with open(tmp_path / "worker2.log", "w") as log2:
        worker2 = start_worker(env, queue, "second", log2)
        try:
            dispatch(queue)
            keys = smtp.wait_for(5, timeout=60)
            dispatch(queue)  # a redelivered or doubled message: nothing goes twice
            time.sleep(2)
        finally:
            os.killpg(worker2.pid, signal.SIGTERM)
            worker2.wait(20)

    keys = smtp.keys()
    assert len(keys) == 5 and len(set(keys)) == 5, Counter(keys).most_common(2)
    assert {row.key for row in held} <= set(keys)
    # The held rows count the dead worker's claim as an attempt, like any expired lease.
    assert Counter(Reminder.objects.values_list("state", "attempts")) == {
        ("sent", 1): 2,
        ("sent", 2): 3,
    }
    for row in held:
        row.refresh_from_db()
        assert row.attempts == 2 and row.state == ReminderState.SENT
        assert row.claimed_by != first_claim  # sent by the second worker
        reasons = list(
            row.history.order_by("history_date").values_list("history_change_reason", flat=True)
        )
        assert reasons == ["Lease expired", "Sent"]
    print(
        "kill test: worker 1 claimed 5, delivered 2 and was killed (SIGKILL) on the 3rd; "
        f"after the {LEASE} s lease worker 2 delivered the 3 left (the interrupted one on its "
        f"2nd attempt); server kept {len(keys)} messages, {len(set(keys))} distinct, "
        "0 duplicates",
        flush=True,
    )
