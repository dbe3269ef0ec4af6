"""Operations: gunicorn sized from the CPUs, JSON log lines in UTC everywhere."""

import datetime
import json
import os
import subprocess
import sys

import pytest

from tests.services import ROOT, Browser, Gunicorn, app_env, manage


def gunicorn_config(env_extra: dict, prefix: tuple = ()) -> dict:
    env = {**os.environ, **env_extra}
    result = subprocess.run(
        [*prefix, sys.executable, "-m", "gunicorn", "--print-config",
         "-c", "tracker/gunicorn.conf.py", "tracker.wsgi:application"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    settings = {}
    for line in result.stdout.splitlines():
        name, _, value = line.partition("=")
        settings[name.strip()] = value.strip()
    return settings


def test_gunicorn_workers_follow_the_usable_cpus():
    cpus = len(os.sched_getaffinity(0))
    config = gunicorn_config({"GUNICORN_WORKERS": ""})
    assert config["workers"] == str(2 * cpus + 1)
    assert config["threads"] == "2"
    assert config["worker_class"] == "gthread"
    # Pinned to one CPU (as a container's CPU set would), it starts three workers.
    pinned = gunicorn_config({"GUNICORN_WORKERS": ""}, prefix=("taskset", "-c", "0"))
    assert pinned["workers"] == "3"
    assert gunicorn_config({"GUNICORN_WORKERS": "7"})["workers"] == "7"


def json_lines(text: str) -> list[dict]:
    lines = [line for line in text.splitlines() if line.strip()]
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except ValueError:
            pytest.fail(f"not a JSON log line: {line!r}")
    for record in records:
        when = datetime.datetime.fromisoformat(record["time"])
        assert when.utcoffset() == datetime.timedelta(0), record
    return records


def test_app_logs_are_json_lines_in_utc_with_the_exception():
    code = (
        "import logging\n"
        "try:\n    1/0\n"
        "except ZeroDivisionError:\n"
        "    logging.getLogger('cooperation.tasks').exception('boom', extra={'item': 7})\n"
    )
    result = manage("shell", "-c", code, env=app_env(DATABASE_URL="sqlite:///:memory:"))
    assert result.returncode == 0, result.stderr
    (record,) = [r for r in json_lines(result.stderr) if r["message"] == "boom"]
    assert record["level"] == "ERROR"
    assert record["logger"] == "cooperation.tasks"
    assert record["item"] == 7
    assert "ZeroDivisionError" in record["exception"]


@pytest.fixture
def sqlite_site(tmp_path, migrated_sqlite):
    return app_env(DATABASE_URL=migrated_sqlite(tmp_path / "site.sqlite3"))


def test_gunicorn_and_request_logs_are_json_lines(sqlite_site):
    server = Gunicorn(sqlite_site).start()
    try:
        browser = Browser(server.base)
        assert browser.get("/accounts/login/")[0] == 200
        assert browser.get("/no-such-page/")[0] in (302, 404)
        browser.post("/accounts/login/", {"username": "nobody", "password": "wrong"})
    finally:
        server.stop()
    records = json_lines(server.output())
    messages = " ".join(r["message"] for r in records)
    assert "Booting worker" in messages
    assert '"GET /accounts/login/ HTTP/1.1" 200' in messages
    failed = [r for r in records if r.get("event") == "sign_in_failed"]
    assert failed and failed[0]["user"] == "nobody"
