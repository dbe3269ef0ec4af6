"""`make loadtest`: the app under gunicorn on loopback, Locust with 50 users for five minutes.

Builds a fresh database (LOADTEST_DATABASE_URL, default chengyi_loadtest on the local
PostgreSQL), starts a private Redis and gunicorn on free loopback ports, runs Locust headless
for LOADTEST_DURATION, then checks the database for lost updates. Exits non-zero on any
failed request or lost update. Results: var/loadtest/ (summary.json, Locust's CSV files).
"""

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "var" / "loadtest"
PY = sys.executable
LOCUST = os.environ.get("LOCUST", str(ROOT / ".venv-loadtest" / "bin" / "locust"))
USERS = os.environ.get("LOADTEST_USERS", "50")
DURATION = os.environ.get("LOADTEST_DURATION", "5m")
DATABASE_URL = os.environ.get(
    "LOADTEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/chengyi_loadtest"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 - loopback
                return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(url)


def recreate_database(url: str) -> None:
    import psycopg

    parts = urllib.parse.urlparse(url)
    name = parts.path.lstrip("/")
    admin = f"host={parts.hostname} port={parts.port or 5432} user={parts.username} dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def main() -> int:
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    password = secrets.token_urlsafe(16)
    redis_port, web_port = free_port(), free_port()
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "CHENGYI_SITE_URL": f"http://127.0.0.1:{web_port}",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
        "GUNICORN_BIND": f"127.0.0.1:{web_port}",
        "LOADTEST_USERS": USERS,
        "LOADTEST_PASSWORD": password,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    recreate_database(DATABASE_URL)
    for step in (["migrate", "--no-input"], ["setup_site"]):
        subprocess.run([PY, "manage.py", *step], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
    plan_file = OUT / "plan.json"
    data = [PY, "scripts/loadtest/data.py"]
    subprocess.run([*data, "prepare", plan_file], cwd=ROOT, env=env, check=True)
    plan = json.loads(plan_file.read_text())
    redis = subprocess.Popen(
        ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no"], stdout=subprocess.DEVNULL,
    )  # fmt: skip
    with (OUT / "gunicorn.log").open("wb") as log:
        web = subprocess.Popen(
            [PY, "-m", "gunicorn", "tracker.wsgi:application", "-c", "tracker/gunicorn.conf.py"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{web_port}"
        wait_http(base + "/healthz/")
        ledger = OUT / "ledger.json"
        locust_env = {
            **env,
            "LOADTEST_LEDGER": str(ledger),
            "LOADTEST_READ_IDS": ",".join(map(str, plan["read"])),
            "LOADTEST_UPDATE_IDS": ",".join(map(str, plan["update"])),
        }
        started = time.monotonic()
        locust = subprocess.run(
            [LOCUST, "-f", "scripts/loadtest/locustfile.py", "--headless", "--host", base,
             "-u", USERS, "-r", "10", "-t", DURATION, "--stop-timeout", "10",
             "--csv", str(OUT / "locust"), "--only-summary", "--loglevel", "WARNING"],
            cwd=ROOT, env=locust_env, check=False,
        )  # fmt: skip
        elapsed = time.monotonic() - started
    finally:
        web.terminate()
        web.wait(30)
        redis.terminate()
        redis.wait(10)
    checks = subprocess.run(
        [*data, "verify", plan_file, ledger], cwd=ROOT, env=env, check=True,
        capture_output=True, text=True,
    )  # fmt: skip
    summary = {**summarise(OUT / "locust_stats.csv"), **json.loads(checks.stdout)}
    summary.update({"users": int(USERS), "duration": DURATION, "wall_seconds": round(elapsed)})
    summary["cpus"] = len(os.sched_getaffinity(0))
    (OUT / "summary.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False))
    print(json.dumps(summary, indent=1, ensure_ascii=False))
    ok = (
        locust.returncode == 0
        and summary["failures"] == 0
        and summary["lost_updates"] == 0
        and summary["refused_but_saved"] == 0
        and not summary["items_with_wrong_version"]
    )
    print("LOAD TEST PASSED" if ok else "LOAD TEST FAILED")
    return 0 if ok else 1


def summarise(stats_csv: Path) -> dict:
    import csv

    rows = list(csv.DictReader(stats_csv.open(encoding="utf-8")))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    endpoints = {
        f"{r['Type']} {r['Name']}": {
            "requests": int(r["Request Count"]),
            "failures": int(r["Failure Count"]),
            "median_ms": float(r["Median Response Time"]),
            "p95_ms": float(r["95%"]),
            "p99_ms": float(r["99%"]),
        }
        for r in rows
        if r["Name"] != "Aggregated"
    }
    return {
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "requests_per_second": round(float(total["Requests/s"]), 1),
        "median_ms": float(total["Median Response Time"]),
        "p95_ms": float(total["95%"]),
        "p99_ms": float(total["99%"]),
        "max_ms": float(total["Max Response Time"]),
        "endpoints": endpoints,
    }


if __name__ == "__main__":
    sys.exit(main())
