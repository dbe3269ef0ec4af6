"""A small HTTP client for the benchmark: keep-alive, cookies, CSRF, forms; stdlib only."""

import http.client
import re
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

IDLE_RECONNECT = 2.0  # gunicorn closes idle keep-alive connections after 5 s


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes
    seconds: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


class Session:
    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}
        self._conn: http.client.HTTPConnection | None = None
        self._last_used = 0.0

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None or time.monotonic() - self._last_used > IDLE_RECONNECT:
            self.close()
            self._conn = http.client.HTTPConnection(self.host, self.port, timeout=300)
        return self._conn

    def request(self, method: str, path: str, body: bytes | None = None, headers=None) -> Response:
        headers = {"Host": f"{self.host}:{self.port}", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            conn = self._connection()
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                raw = conn.getresponse()
                data = raw.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if method != "GET" or attempt == 2:
                    raise
                continue
            seconds = time.perf_counter() - started
            self._last_used = time.monotonic()
            response_headers = {k.lower(): v for k, v in raw.getheaders()}
            for value in raw.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(value).items():
                    self.cookies[name] = morsel.value
            if raw.will_close:
                self.close()
            return Response(raw.status, response_headers, data, seconds)
        raise AssertionError("unreachable")

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, data: dict | list) -> Response:
        body = urlencode(data, doseq=True).encode()
        return self.request(
            "POST",
            path,
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-CSRFToken": self.cookies.get("csrftoken", ""),
            },
        )

    def login(self, username: str, password: str) -> None:
        """Sign in through the sign-in page (the admin's, for staff, where there is none yet)."""
        url = "/accounts/login/"
        page = self.get(url)
        if page.status != 200:
            url = "/admin/login/?next=/admin/"
            page = self.get(url)
        token = csrf_token(page.text)
        reply = self.post(
            url, {"username": username, "password": password, "csrfmiddlewaretoken": token}
        )
        if reply.status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"sign-in as {username} failed: HTTP {reply.status}")


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not match:
        raise RuntimeError("no CSRF token in the page")
    return match.group(1)


def path_of(location: str) -> str:
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@dataclass
class Form:
    action: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    choices: dict[str, list[str]] = field(default_factory=dict)


class _FormParser(HTMLParser):
    """The POST forms of a page, with the values a browser would submit by default."""

    def __init__(self):
        super().__init__()
        self.forms: list[Form] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            self.forms.append(Form(action=a.get("action") or ""))
        if not self.forms:
            return
        form = self.forms[-1]
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                form.choices.setdefault(name, []).append(a.get("value", "on"))
                if "checked" in a:
                    form.fields.setdefault(name, []).append(a.get("value", "on"))
            elif kind not in ("submit", "button", "file"):
                form.fields[name] = [a.get("value") or ""]
        elif tag == "select" and name:
            self._select = name
            form.fields[name] = []
        elif tag == "option" and self._select:
            form.choices.setdefault(self._select, []).append(a.get("value") or "")
            if "selected" in a:
                form.fields[self._select] = [a.get("value") or ""]
        elif tag == "textarea" and name:
            self._textarea = name
            form.fields[name] = [""]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1].fields[self._textarea][0] += data


def post_forms(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms
