"""The server under test: gunicorn with the production settings (DEBUG off, same middleware,
whitenoise serving collected static files), plus the bench-only "ok" URL, on loopback."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from .client import Session

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / "bench" / "data" / "logs"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def django_env(database_url: str, base: dict) -> dict:
    """The environment of every process that runs the project in a benchmark."""
    return {
        **base,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
    }


class Server:
    def __init__(self, name: str, database_url: str, env: dict):
        self.name = name
        self.port = free_port()
        self.env = django_env(database_url, env)
        self.process: subprocess.Popen | None = None
        self.log_path = LOGS / f"gunicorn-{name}.log"

    def start(self) -> "Server":
        LOGS.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("wb")
        command = [
            str(Path(sys.executable).with_name("gunicorn")),
            "tracker.wsgi:application",
            "--config", "tracker/gunicorn.conf.py",
            "--bind", f"127.0.0.1:{self.port}",
            # Production recycles a worker after ~2,000 requests; a restart in the middle of a
            # measurement would time a cold worker, so the benchmark turns that off.
            "--max-requests", "0",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn ({self.name}) exited: see {self.log_path}")
            try:
                probe = Session("127.0.0.1", self.port)
                if probe.get("/bench/ok/").status < 500:
                    probe.close()
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn ({self.name}) did not answer within {timeout} s")

    def session(self) -> Session:
        return Session("127.0.0.1", self.port)

    def stop(self) -> None:
        stop_group(self.process)


def stop_group(process: subprocess.Popen | None) -> None:
    """Stop a server started in a session of its own: its whole process group (workers too)."""
    if process and process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
