"""Throwaway servers for outage tests: a private Redis, a private PostgreSQL cluster and the
app under gunicorn, each on a free loopback port and stopped by the test that started it.
The machine's shared PostgreSQL (5432) and Redis (6379) are never touched."""

import contextlib
import http.cookiejar
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, *, timeout: float = 30, what: str = "service"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if check():
                return
        time.sleep(0.2)
    raise TimeoutError(f"{what} did not come up within {timeout} s")


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class PrivateRedis:
    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(lambda: port_open(self.port), what="redis")
        return self

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


class PrivatePostgres:
    """initdb into a temporary folder, run as the postgres user when we are root."""

    def __init__(self):
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="chengyi-pg-"))
        self.data = self.dir / "data"
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/chengyi"

    def _run(self, *args, check=True):
        command = [str(PG_BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True)

    def init(self):
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8")
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "chengyi")
        return self

    def start(self):
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"),
                  "-w", "start")  # fmt: skip

    def stop(self):
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)

    def destroy(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


HEALTH_TOKEN = "health-token-for-tests"


def app_env(**extra) -> dict:
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "outage-test-" + "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "CHENGYI_SITE_URL": "http://127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "AXES_ENABLED": "0",
        "CHENGYI_HEALTH_TIMEOUT": "1",
        "CHENGYI_HEALTH_TOKEN": HEALTH_TOKEN,
        **extra,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


def manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


class Gunicorn:
    def __init__(self, env: dict, workers: int = 1):
        self.port = free_port()
        self.env = {
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": str(workers),
        }
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = None
        self.log_path = Path(tempfile.mkdtemp(prefix="chengyi-gunicorn-")) / "gunicorn.log"

    def start(self):
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "tracker.wsgi:application",
                 "--config", "tracker/gunicorn.conf.py"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        wait_for(lambda: port_open(self.port), what="gunicorn")
        return self

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(20)
            self.process = None

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Cookies and CSRF like a browser; answers (status, body) and never raises on 4xx/5xx."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.jar if c.name == name), "")

    def request(
        self, method: str, path: str, data: dict | None = None, timeout: float = 30, headers=None
    ):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, method=method)  # noqa: S310
        for name, value in (headers or {}).items():
            req.add_header(name, value)
        if method == "POST":
            req.add_header("Referer", self.base + path)
        try:
            with self.opener.open(req, timeout=timeout) as response:
                return response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def get(self, path: str):
        return self.request("GET", path)

    def post(self, path: str, data: dict):
        if not self.cookie("csrftoken"):
            self.get(path)
        return self.request("POST", path, {**data, "csrfmiddlewaretoken": self.cookie("csrftoken")})

    def sign_in(self, username: str, password: str) -> int:
        self.get("/accounts/login/")
        status, self.last_body = self.post(
            "/accounts/login/", {"username": username, "password": password}
        )
        return status

    def health(self) -> tuple[int, dict]:
        status, body = self.get("/healthz/")
        return status, json.loads(body)

    def health_detail(self) -> tuple[int, dict]:
        """The detailed check, with the token app_env() gives the servers it starts."""
        headers = {"Authorization": f"Bearer {HEALTH_TOKEN}"}
        status, body = self.request("GET", "/healthz/detail/", headers=headers)
        return status, json.loads(body)

    def form_value(self, path: str, name: str) -> str:
        _status, body = self.get(path)
        match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', body) or re.search(
            rf'value="([^"]*)"[^>]*name="{name}"', body
        )
        return match.group(1) if match else ""
