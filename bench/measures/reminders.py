"""Dispatch of due reminders through a real worker on Redis, against a no-op task's throughput
and against what the mail server itself takes.

One worker (``celery -A bench.celery_app worker --concurrency 2``, as in docker-compose) on
Redis DB 13 and the scratch database; e-mail goes over SMTP to a sink on loopback (aiosmtpd).
In turn, five times each:

- no-op: N no-op task messages go onto the queue at once (one Redis pipeline); throughput is
  the tasks the worker completed over the time until the queue is empty;
- dispatch: N meeting reminders are due (made outside the timing), one
  ``dispatch_due_reminders`` is enqueued as beat would; throughput is the reminders sent over
  the time until all are;
- mail server (the ceiling): the same number of e-mails, those the dispatcher sends (rendered
  beforehand from the batch of the first dispatch run), sent by a plain ``smtplib`` loop over
  one connection to the same sink; throughput is the messages accepted over the time.

All stop at a time window (10 s): a slow dispatcher is measured on what it sent in the
window, and what is still due is put a day ahead until the next run makes it due again, so
the measurement stays within its time budget however slow the dispatch is.
"""

import base64
import importlib
import json
import smtplib
import subprocess
import sys
import time
import uuid

import psycopg
import redis

from bench.harness import Goal, Probe, interleave, measurement, ratio_result
from bench.server import LOGS, ROOT, django_env, free_port

from .common import unavailable

QUEUE = "celery"
WARMUP = 100


def _dispatch_available() -> bool:
    try:
        tasks = importlib.import_module("cooperation.tasks")
    except ImportError:
        return False
    return hasattr(tasks, "dispatch_due_reminders")


@measurement("reminders", "dispatch of due reminders against a no-op task and smtplib", order=60)
def reminder_dispatch(ctx) -> None:
    count = ctx.settings.reminders
    window = 5 if ctx.settings.quick else 10
    title = f"dispatch of {count:,} due reminders / no-op task throughput"
    if not _dispatch_available():
        ctx.results.append(unavailable("reminders", title, "reminders"))
        return
    broker = redis.Redis.from_url(ctx.env["REDIS_URL"])
    broker.flushdb()  # the benchmark's own Redis DB (13 by default)
    template = _noop_message(broker)
    smtp_port = free_port()
    processes = [_smtp_sink(smtp_port)]
    env = {**django_env(ctx.urls["scratch"], ctx.env),
           "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
           "DJANGO_EMAIL_HOST": "127.0.0.1", "DJANGO_EMAIL_PORT": str(smtp_port)}  # fmt: skip
    runs = {"noop": [], "dispatch": [], "smtplib": []}
    try:
        processes.append(_worker(env, broker))
        noop = Probe("no-op task", lambda: _noop_run(broker, template, count, window, runs))
        dispatch = Probe("reminder dispatch",
                         lambda: _dispatch_run(ctx, broker, count, window, runs))  # fmt: skip
        _noop_run(broker, template, WARMUP, window, {"noop": []})  # warm-up: processes, pools
        _park_others(ctx)
        _dispatch_run(ctx, broker, WARMUP, window, {})
        _withdraw(ctx)
        mails = _mails(ctx, count)  # those the first measured dispatch run sends
        ceiling = Probe("smtplib loop", lambda: _ceiling_run(smtp_port, mails, window, runs))
        _ceiling_run(smtp_port, mails[:WARMUP], window, {})
        samples = interleave(dispatch, noop, ceiling, reps=ctx.settings.heavy_reps, warmup=0)
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=60)
    setup = (f"{count:,} due per run, a {window} s window at most; one worker, concurrency 2, "
             "Redis broker, SMTP on loopback (aiosmtpd)")  # fmt: skip
    sent, loop = (
        [(r["done"], round(r["seconds"], 1)) for r in runs[k]] for k in ("dispatch", "smtplib")
    )
    ctx.results.append(ratio_result(
        name="reminders", title=title, group="reminders", unit="/s", a=dispatch, b=noop,
        samples=samples[:2], goal=Goal(">=", 0.5, "≥ 0.5× no-op throughput"),
        note=f"{setup}; dispatch runs (sent, seconds): {sent}", extra=runs,
    ))  # fmt: skip
    ceiling_title = f"smtplib loop, {count:,} e-mails over one connection (the server's ceiling)"
    ctx.results.append(ratio_result(
        name="reminders.ceiling", title=f"{title.split(' / ')[0]} / {ceiling_title}",
        group="reminders", unit="/s", a=dispatch, b=ceiling, samples=(samples[0], samples[2]),
        note=("the same e-mails (rendered by the dispatcher's code) to the same sink, timed in "
              f"turn with the dispatch runs; smtplib runs (sent, seconds): {loop}"),
    ))  # fmt: skip
    ctx.results.append(ratio_result(
        name="reminders.noop_ceiling", title=f"no-op task / {ceiling_title}", group="reminders",
        unit="/s", a=noop, b=ceiling, samples=(samples[1], samples[2]),
    ))  # fmt: skip


def _smtp_sink(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c",
         "aiosmtpd.handlers.Sink"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(0.5)
    return process


def _noop_message(broker) -> dict:
    """One real no-op task message as the project's Celery app puts it on Redis."""
    from bench.celery_app import noop

    noop.delay()
    raw = broker.rpop(QUEUE)
    if raw is None:
        raise RuntimeError("no message on the queue after publishing a no-op task")
    return json.loads(raw)


def _copies(template: dict, count: int) -> list[str]:
    out = []
    for _ in range(count):
        message = json.loads(json.dumps(template))
        task_id = str(uuid.uuid4())
        message["headers"]["id"] = message["headers"]["root_id"] = task_id
        message["properties"]["correlation_id"] = task_id
        message["properties"]["delivery_tag"] = str(uuid.uuid4())
        out.append(json.dumps(message))
    return out


def _worker(env: dict, broker) -> subprocess.Popen:
    LOGS.mkdir(parents=True, exist_ok=True)
    log = (LOGS / "celery-worker.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "bench.celery_app", "worker", "--loglevel",
         "WARNING", "--concurrency", "2", "--without-mingle", "--without-gossip",
         "--without-heartbeat", "-n", "bench@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    from bench.celery_app import noop

    noop.delay()
    _wait_drained(broker, deadline=time.monotonic() + 120)
    return process


def _wait_drained(broker, *, deadline: float) -> bool:
    """Until nothing is queued or being worked on; False when the deadline came first."""
    while broker.llen(QUEUE) or broker.hlen("unacked"):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def _noop_run(broker, template: dict, count: int, window: float, runs: dict) -> float:
    messages = _copies(template, count)  # built before the clock starts
    started = time.perf_counter()
    pipe = broker.pipeline(transaction=False)
    for message in messages:
        pipe.lpush(QUEUE, message)
    pipe.execute()
    finished = _wait_drained(broker, deadline=time.monotonic() + window)
    elapsed = time.perf_counter() - started
    left = 0 if finished else broker.llen(QUEUE) + broker.hlen("unacked")
    if not finished:
        broker.delete(QUEUE)
        _wait_drained(broker, deadline=time.monotonic() + 60)
    runs["noop"].append({"done": count - left, "seconds": elapsed})
    return (count - left) / elapsed


def _dispatch_run(ctx, broker, count: int, window: float, runs: dict) -> float:
    from bench.celery_app import app

    with psycopg.connect(ctx.urls["scratch"], autocommit=True) as conn:
        batch = _due_backlog(ctx, conn, count)
        before = _sent(conn, batch)
        started = time.perf_counter()
        app.send_task("cooperation.tasks.dispatch_due_reminders")
        deadline = time.monotonic() + window
        while _open(conn, batch) and time.monotonic() < deadline:
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
        # Put what is still due a day ahead: the dispatcher finishes the reminder in hand,
        # finds nothing due and stops; the next run makes them due again.
        conn.execute(
            "UPDATE cooperation_reminder SET due_at = now() + interval '1 day' "
            "WHERE key LIKE %s AND state = 'pending'", [batch + "%"])  # fmt: skip
        _wait_drained(broker, deadline=time.monotonic() + 120)
        sent = _sent(conn, batch) - before
        query = (
            "SELECT state, count(*) FROM cooperation_reminder WHERE key LIKE %s "
            "AND state IN ('failed', 'cancelled') GROUP BY state"
        )
        problems = dict(conn.execute(query, [batch + "%"]).fetchall())
    if problems:
        raise RuntimeError(f"reminders not sent: {problems}; see {LOGS / 'celery-worker.log'}")
    runs.setdefault("dispatch", []).append({"done": sent, "seconds": elapsed})
    return sent / elapsed


def _mails(ctx, count: int) -> list[tuple[str, list[str], bytes]]:
    """The e-mails of the next dispatch run's batch, as the dispatcher renders them (made due
    here; see probes/remindermail.py): envelope sender, recipients, bytes."""
    with psycopg.connect(ctx.urls["scratch"], autocommit=True) as conn:
        batch = _due_backlog(ctx, conn, count)
    path = LOGS / "reminder-mails.jsonl"
    command = [sys.executable, "-m", "bench.probes.remindermail", batch, str(path)]
    done = subprocess.run(command, cwd=ROOT, env=django_env(ctx.urls["scratch"], ctx.env),
                          capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    with path.open() as lines:
        mails = [(a, b, base64.b64decode(c)) for a, b, c in map(json.loads, lines)]
    path.unlink()
    return mails[:count]


def _ceiling_run(port: int, mails: list, window: float, runs: dict) -> float:
    """The mail server's own limit: ``mails`` sent by a plain smtplib loop, one connection."""
    started = time.perf_counter()
    deadline = started + window
    sent = 0
    with smtplib.SMTP("127.0.0.1", port) as client:
        for sender, recipients, data in mails:
            client.sendmail(sender, recipients, data)
            sent += 1
            if time.perf_counter() > deadline:
                break
    elapsed = time.perf_counter() - started
    runs.setdefault("smtplib", []).append({"done": sent, "seconds": elapsed})
    return sent / elapsed


def _park_others(ctx) -> None:
    """Only the measured reminders are due: the dataset's own (the slips' notices fall due at
    noon of its day, 120,000 of them) are moved ten years ahead in the scratch database, or a
    run after noon would time those instead, claimed first as they are due earlier."""
    with psycopg.connect(ctx.urls["scratch"], autocommit=True) as conn:
        conn.execute("UPDATE cooperation_reminder SET due_at = due_at + interval '10 years' "
                     "WHERE state = 'pending' AND key NOT LIKE 'bench-dispatch:%%' "
                     "AND due_at < now() + interval '1 day'")  # fmt: skip


def _withdraw(ctx) -> None:
    """The warm-up's leftovers must not count as the measured runs' backlog."""
    with psycopg.connect(ctx.urls["scratch"], autocommit=True) as conn:
        conn.execute("DELETE FROM cooperation_reminder WHERE key LIKE 'bench-dispatch:%%' "
                     "AND state = 'pending'")  # fmt: skip


def _sent(conn, batch: str) -> int:
    query = "SELECT count(*) FROM cooperation_reminder WHERE key LIKE %s AND state = 'sent'"
    return conn.execute(query, [batch + "%"]).fetchone()[0]


def _due_backlog(ctx, conn, count: int) -> str:
    """A batch with ``count`` pending reminders due now: the last one, made due again, or a
    new one when it has run low (made outside the timing)."""
    row = conn.execute(
        "SELECT substring(key from '^bench-dispatch:[0-9]+:'), count(*) FROM cooperation_reminder "
        "WHERE key LIKE 'bench-dispatch:%%' AND state = 'pending' GROUP BY 1 ORDER BY 1 DESC "
        "LIMIT 1").fetchone()  # fmt: skip
    if row is None or row[1] < count * 0.9:
        return _make_due_reminders(ctx, count)
    conn.execute(
        "UPDATE cooperation_reminder SET due_at = now() - interval '1 minute' "
        "WHERE key LIKE %s AND state = 'pending'", [row[0] + "%"])  # fmt: skip
    return row[0]


def _open(conn, batch: str) -> int:
    query = (
        "SELECT count(*) FROM cooperation_reminder WHERE key LIKE %s "
        "AND state NOT IN ('sent', 'failed', 'cancelled')"
    )
    return conn.execute(query, [batch + "%"]).fetchone()[0]


def _make_due_reminders(ctx, count: int) -> str:
    """``count`` pending meeting reminders, due a minute ago (see probes/duereminders.py)."""
    command = [sys.executable, "-m", "bench.probes.duereminders", str(count)]
    done = subprocess.run(command, cwd=ROOT, env=django_env(ctx.urls["scratch"], ctx.env),
                          capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return done.stdout.strip().splitlines()[-1]
