"""Redmine on loopback for the benchmark: set up (``redmine.sh setup``), loaded with our
dataset (``export.py`` then ``redmine_load.rb``), served by puma, stopped after the run."""

import json
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from bench.client import Session
from bench.server import LOGS, free_port, stop_group

from . import export

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "redmine.sh"
LOADER = HERE / "redmine_load.rb"
LOGIN = "admin"


def _run(args: list[str], *, log_name: str) -> str:
    LOGS.mkdir(parents=True, exist_ok=True)
    log_path = LOGS / log_name
    done = subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, check=False)
    log_path.write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise RuntimeError(f"redmine.sh {args[0]} failed (exit {done.returncode}):\n{tail}")
    return done.stdout


def setup() -> None:
    """Install Debian's redmine, redmine-pgsql and puma once; database and migrations."""
    _run(["setup"], log_name="redmine-setup.log")


@dataclass
class Loaded:
    api_key: str
    project: str
    issue: int  # the issue of our item G-000001
    issues: int
    journals: int
    journals_of_issue: int
    statuses: dict  # name -> id
    categories: dict
    custom_fields: dict
    loaded: bool
    seconds: float


def load(*, description: dict, password: str) -> Loaded:
    """Our dataset into Redmine (kept when Redmine holds this dataset already)."""
    with tempfile.TemporaryDirectory(prefix="chengyi-redmine-") as folder:
        os.chmod(folder, 0o755)  # noqa: S103  (www-data, who runs rails, reads the file)
        path = Path(folder) / "dataset.json"
        export.export(path, description=description)
        path.chmod(0o644)
        out = _run(["runner", str(LOADER), str(path), password], log_name="redmine-load.log")
    line = next(x for x in out.splitlines()[::-1] if x.startswith("RESULT "))
    return Loaded(**json.loads(line.removeprefix("RESULT ")))


class Puma:
    """Redmine served by Debian's puma on a free loopback port, no proxy in front."""

    def __init__(self, *, workers: int, threads: int):
        self.workers, self.threads = workers, threads
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log_path = LOGS / "puma-redmine.log"

    def start(self, timeout: float = 180) -> "Puma":
        LOGS.mkdir(parents=True, exist_ok=True)
        command = ["bash", str(SCRIPT), "serve", str(self.port), str(self.workers),
                   str(self.threads)]  # fmt: skip
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"puma (Redmine) exited: see {self.log_path}")
            try:
                probe = self.session()
                status = probe.get("/login").status
                probe.close()
                if status == 200 and self._workers_booted():
                    return self
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"puma (Redmine) did not answer within {timeout} s")

    def _workers_booted(self) -> bool:
        text = self.log_path.read_text(errors="replace")
        return text.count("booted in") >= self.workers

    def session(self) -> Session:
        return Session("127.0.0.1", self.port)

    def login(self, password: str) -> Session:
        """A session signed in through Redmine's sign-in form, as a person would."""
        session = self.session()
        page = session.get("/login")
        token = _authenticity_token(page.text)
        reply = session.request(
            "POST", "/login",
            body=urlencode({"authenticity_token": token, "username": LOGIN,
                            "password": password, "back_url": "/"}).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )  # fmt: skip
        if reply.status != 302 or "/login" in reply.location:
            raise RuntimeError(f"Redmine sign-in as {LOGIN} failed: HTTP {reply.status}")
        return session

    def stop(self) -> None:
        stop_group(self.process)


def _authenticity_token(html: str) -> str:
    import re

    match = re.search(r'name="authenticity_token" value="([^"]+)"', html)
    if not match:
        raise RuntimeError("no authenticity_token in Redmine's sign-in page")
    return match.group(1)
