"""Local servers that answer as the WeCom and DingTalk group-robot APIs document.

WeCom: POST /cgi-bin/webhook/send?key=KEY, JSON ``{"msgtype": "markdown", "markdown":
{"content": …}}`` (content at most 4096 bytes) → ``{"errcode": 0, "errmsg": "ok"}``; a 21st
message within a minute → errcode 45009. DingTalk: POST /robot/send?access_token=T
[&timestamp=MS&sign=S], ``{"msgtype": "markdown", "markdown": {"title", "text"}}`` → errcode 0;
a bad or stale signature → 310000; a 21st message within a minute → 130101.
``mode``: "ok", "errcode" (an error answer to everything), "http500"; ``stop()``: down.
"""

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class RobotServer:
    def __init__(self, *, platform: str, secret: str = "", limit: int = 20, port: int = 0):
        self.platform = platform
        self.secret = secret
        self.limit = limit
        self.mode = "ok"
        self.accepted: list[dict] = []  # the messages answered errcode 0
        self.refused: list[tuple[int, dict | None]] = []
        self.times: list[float] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, answer = server.answer(self.path, body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.http.server_address[1]
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        if self.platform == "wecom":
            return f"http://127.0.0.1:{self.port}/cgi-bin/webhook/send?key=test-key-1"
        return f"http://127.0.0.1:{self.port}/robot/send?access_token=test-token-1"

    def _signature_ok(self, query: dict) -> bool:
        if not self.secret:
            return "sign" not in query
        try:
            timestamp = int(query["timestamp"][0])
            sign = query["sign"][0]
        except (KeyError, ValueError):
            return False
        if abs(time.time() * 1000 - timestamp) > 3600 * 1000:
            return False
        to_sign = f"{timestamp}\n{self.secret}".encode()
        expected = base64.b64encode(
            hmac.new(self.secret.encode(), to_sign, hashlib.sha256).digest()
        ).decode()
        return hmac.compare_digest(sign, expected)

    def answer(self, path: str, body: bytes) -> tuple[int, dict]:
        parts = urllib.parse.urlsplit(path)
        query = urllib.parse.parse_qs(parts.query)
        try:
            message = json.loads(body)
        except ValueError:
            message = None
        with self.lock:
            if self.mode == "http500":
                return 500, {"error": "internal"}
            error = self._check(parts.path, query, message)
            if error is None and self.mode == "errcode":
                error = (
                    (93000, "invalid webhook url")
                    if self.platform == "wecom"
                    else (300001, "token is not exist")
                )
            now = time.time()  # time-machine moves it, as it moves the outbox's clock
            recent = [t for t in self.times if t > now - 60]
            if error is None and len(recent) >= self.limit:
                error = (
                    (45009, "api freq out of limit")
                    if self.platform == "wecom"
                    else (130101, "send too fast, exceed 20 times per minute")
                )
            if error is not None:
                self.refused.append((error[0], message))
                return 200, {"errcode": error[0], "errmsg": error[1]}
            self.times.append(now)
            self.accepted.append(message)
            return 200, {"errcode": 0, "errmsg": "ok"}

    def _check(self, path, query, message) -> tuple[int, str] | None:
        if not isinstance(message, dict) or message.get("msgtype") != "markdown":
            return 40008, "invalid message type"
        markdown = message.get("markdown") or {}
        if self.platform == "wecom":
            if path != "/cgi-bin/webhook/send" or query.get("key") != ["test-key-1"]:
                return 93000, "invalid webhook url"
            if len(markdown.get("content", "").encode()) > 4096:
                return 40058, "markdown.content exceed max length 4096"
            return None
        if path != "/robot/send" or query.get("access_token") != ["test-token-1"]:
            return 300001, "token is not exist"
        if not self._signature_ok(query):
            return 310000, "sign not match"
        if not markdown.get("title") or not markdown.get("text"):
            return 40035, "missing title or text"
        return None

    def texts(self) -> list[str]:
        with self.lock:
            return [
                m["markdown"].get("content") or m["markdown"].get("text") for m in self.accepted
            ]

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.http.shutdown()
        self.http.server_close()
