"""Issue 16, finding 11: two planners at once (two beats each sending plan_meetings at start)
both succeed, plan each meeting once and log no error."""

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection, connections

from cooperation.meetings import planning
from cooperation.models import Meeting
from tests.services import ROOT, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_planners_at_once_both_succeed_and_plan_each_meeting_once(agreement, settings):
    """Before: the second planner raised ValidationError (the unique meeting number) from
    full_clean and stopped. After: both finish; each meeting number exists once."""
    settings.CHENGYI_PLANNING_HORIZON_DAYS = 1800
    start = threading.Barrier(2)
    outcomes = []

    def plan():
        try:
            start.wait()
            outcomes.append(planning.meetings_plan_all())
        except Exception as exc:  # the test reports it
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=plan) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert [type(o).__name__ for o in outcomes] == ["PlanResult", "PlanResult"], outcomes
    planned = Meeting.objects.filter(sequence__isnull=False)
    assert planned.count() > 20
    assert sum(len(o.created) for o in outcomes) == planned.count()
    pairs = list(planned.values_list("mechanism_id", "sequence"))
    assert len(pairs) == len(set(pairs))


def _db_url():
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def _start(args, env, log):
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tracker", *args],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip


def test_two_beats_and_two_workers_on_redis_plan_without_a_task_error(agreement, tmp_path):
    """Two beats send plan_meetings at start; two workers run them at once (the tasks are
    queued before the workers start, so both take one at the same moment). Both runs and
    both plan_reminders succeed, and no worker logs an error."""
    broker_url = django_settings.CELERY_BROKER_URL
    assert broker_url.startswith("redis://")
    broker = redis.Redis.from_url(broker_url)
    broker.delete("celery")
    env = {
        **os.environ,
        "DATABASE_URL": _db_url(),
        "DATABASE_CONN_MAX_AGE": "0",
        "CHENGYI_PLANNING_HORIZON_DAYS": "1800",
        "CHENGYI_DISPATCH_INTERVAL": "3600",
    }
    logs = {name: (tmp_path / f"{name}.log").open("wb") for name in ("b1", "b2", "w1", "w2")}
    processes = []
    try:
        for name in ("b1", "b2"):
            processes.append(_start(["beat", "-s", str(tmp_path / f"{name}-schedule"),
                                     "--loglevel", "INFO"], env, logs[name]))  # fmt: skip
        wait_for(lambda: _queued(broker, "plan_meetings") == 2, what="two beats", timeout=60)
        for name in ("w1", "w2"):
            command = ["worker", "--pool", "prefork", "--concurrency", "1", "--hostname",
                       f"{name}@test", "--without-mingle", "--without-gossip", "--loglevel",
                       "INFO"]  # fmt: skip
            processes.append(_start(command, env, logs[name]))
        wait_for(lambda: _succeeded(tmp_path, "plan_reminders") == 2, what="planning",
                 timeout=120)  # fmt: skip
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(30)
        for log in logs.values():
            log.close()
        broker.delete("celery")
    text = "\n".join((tmp_path / f"{n}.log").read_text(errors="replace") for n in ("w1", "w2"))
    assert _succeeded(tmp_path, "plan_meetings") == 2, text[-4000:]
    errors = [line for line in text.splitlines() if '"level": "ERROR"' in line
              or '"level": "CRITICAL"' in line or "Traceback" in line]  # fmt: skip
    assert errors == [], "\n".join(errors)[:4000]
    pairs = list(Meeting.objects.filter(sequence__isnull=False)
                 .values_list("mechanism_id", "sequence"))  # fmt: skip
    assert len(pairs) > 20 and len(pairs) == len(set(pairs))


def _queued(broker, name) -> int:
    return sum(
        json.loads(raw)["headers"]["task"] == f"cooperation.tasks.{name}"
        for raw in broker.lrange("celery", 0, -1)
    )


def _succeeded(tmp_path, name) -> int:
    count = 0
    for worker in ("w1", "w2"):
        path = tmp_path / f"{worker}.log"
        if path.exists():
            count += sum(
                f"cooperation.tasks.{name}[" in line and "succeeded" in line
                for line in path.read_text(errors="replace").splitlines()
            )
    time.sleep(0)
    return count
