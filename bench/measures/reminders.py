"""Dispatch of due reminders through a real worker on Redis, against a no-op task's throughput.

One worker (``celery -A bench.celery_app worker --concurrency 2``, as in docker-compose) on
Redis DB 13 and the scratch database; e-mail goes over SMTP to a sink on loopback (aiosmtpd).
Alternately: enqueue N no-op tasks and time until the queue is drained and acknowledged; then
make N due reminders (not timed), enqueue one ``dispatch_due_reminders`` as beat would, and
time until all N are sent. Throughput is N over the time.
"""

import importlib
import subprocess
import sys
import time

import psycopg
import redis

from bench.harness import Goal, Probe, interleave, measurement, ratio_result
from bench.server import LOGS, ROOT, django_env, free_port

from .common import unavailable

QUEUE = "celery"
TIMEOUT = 900
WARMUP = 200


def _dispatch_available() -> bool:
    try:
        tasks = importlib.import_module("cooperation.tasks")
    except ImportError:
        return False
    return hasattr(tasks, "dispatch_due_reminders")


@measurement("reminders", "dispatch of due reminders against a no-op task", order=60)
def reminder_dispatch(ctx) -> None:
    count = ctx.settings.reminders
    title = f"dispatch of {count:,} due reminders / no-op task throughput"
    if not _dispatch_available():
        ctx.results.append(unavailable("reminders", title, "reminders"))
        return
    broker = redis.Redis.from_url(ctx.env["REDIS_URL"])
    broker.flushdb()  # the benchmark's own Redis DB (13 by default)
    smtp_port = free_port()
    processes = [_smtp_sink(smtp_port)]
    env = {**django_env(ctx.urls["scratch"], ctx.env),
           "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
           "DJANGO_EMAIL_HOST": "127.0.0.1", "DJANGO_EMAIL_PORT": str(smtp_port)}  # fmt: skip
    try:
        processes.append(_worker(env, broker))
        noop = Probe("no-op task", lambda: _noop_run(broker, count))
        dispatch = Probe("reminder dispatch", lambda: _dispatch_run(ctx, broker, count))
        _noop_run(broker, WARMUP)  # warm-up: worker processes, connections, templates
        _dispatch_run(ctx, broker, WARMUP)
        samples = interleave(dispatch, noop, reps=ctx.settings.heavy_reps, warmup=0)
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=60)
    ctx.results.append(ratio_result(
        name="reminders", title=title, group="reminders", unit="/s", a=dispatch, b=noop,
        samples=samples, goal=Goal(">=", 0.5, "≥ 0.5× no-op throughput"),
        note=f"{count:,} per run; one worker, concurrency 2, Redis broker, SMTP on loopback",
    ))  # fmt: skip


def _smtp_sink(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c",
         "aiosmtpd.handlers.Sink"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(0.5)
    return process


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
    _wait_drained(broker)
    return process


def _wait_drained(broker, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while broker.llen(QUEUE) or broker.hlen("unacked"):
        if time.monotonic() > deadline:
            raise TimeoutError("the worker did not drain the queue")
        time.sleep(0.005)


def _noop_run(broker, count: int) -> float:
    from bench.celery_app import noop

    started = time.perf_counter()
    for _ in range(count):
        noop.delay()
    _wait_drained(broker)
    return count / (time.perf_counter() - started)


def _dispatch_run(ctx, broker, count: int) -> float:
    from bench.celery_app import app

    batch = _make_due_reminders(ctx, count)
    started = time.perf_counter()
    app.send_task("cooperation.tasks.dispatch_due_reminders")
    deadline = time.monotonic() + TIMEOUT
    with psycopg.connect(ctx.urls["scratch"], autocommit=True) as conn:
        while True:
            pending = conn.execute(
                "SELECT count(*) FROM cooperation_reminder WHERE key LIKE %s "
                "AND state NOT IN ('sent', 'failed', 'cancelled')",
                [batch + "%"],
            ).fetchone()[0]
            if pending == 0:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"{pending} reminders still not sent after {TIMEOUT} s")
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
        failed = conn.execute(
            "SELECT count(*) FROM cooperation_reminder WHERE key LIKE %s AND state <> 'sent'",
            [batch + "%"],
        ).fetchone()[0]
    if failed:
        raise RuntimeError(f"{failed} of {count} reminders were not sent: see the worker log")
    _wait_drained(broker)
    return count / elapsed


def _make_due_reminders(ctx, count: int) -> str:
    """``count`` pending meeting reminders, due a minute ago (see probes/duereminders.py)."""
    command = [sys.executable, "-m", "bench.probes.duereminders", str(count)]
    done = subprocess.run(command, cwd=ROOT, env=django_env(ctx.urls["scratch"], ctx.env),
                          capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return done.stdout.strip().splitlines()[-1]
