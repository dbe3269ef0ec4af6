"""Real servers on loopback for the reminder tests: SMTP (aiosmtpd) and an HTTP webhook."""

import asyncio
import email
import email.policy
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MailRecorder:
    """An SMTP server that keeps what it accepted (and over which connection).

    Recipients in ``refuse`` are answered 550, as a server does for an unknown mailbox.
    ``hold_next()`` makes it sit on the next message without answering (a slow mail server),
    until ``release()``; a message held and then released is answered 451 and not kept: a
    server only becomes responsible for a message when it says 250.
    """

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.peers: list[tuple] = []  # the client end of the connection of each kept message
        self.refuse: set[str] = set()  # recipients answered 550
        self.lock = threading.Lock()
        self.holding = threading.Event()
        self._release = threading.Event()
        self._hold = False
        self._hold_at: int | None = None
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self._hold_at is not None and len(self.messages) == self._hold_at:
            self._hold, self._hold_at = True, None
        if self._hold:
            self._hold = False
            self.holding.set()
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, self._release.wait, 120)
            return "451 4.3.0 Not accepted: the sender went away"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
            self.peers.append(session.peer)
        return "250 2.0.0 OK"

    def hold_next(self) -> None:
        self._release.clear()
        self.holding.clear()
        self._hold = True

    def hold_at(self, accepted: int) -> None:
        """Hold the message that comes after ``accepted`` accepted ones."""
        self._release.clear()
        self.holding.clear()
        self._hold_at = accepted

    def release(self) -> None:
        self._release.set()

    def keys(self) -> list[str]:
        with self.lock:
            return [str(message["X-Chengyi-Reminder"]) for message in self.messages]

    def connections(self) -> int:
        """How many connections the kept messages came over."""
        with self.lock:
            return len(set(self.peers))

    def wait_for(self, count: int, timeout: float = 30) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.keys()) >= count:
                break
            time.sleep(0.05)
        return self.keys()

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.release()
        self.controller.stop()


class WebhookRecorder:
    """An HTTP server that keeps the JSON bodies POSTed to it and answers ``status``."""

    def __init__(self):
        self.posts: list[dict] = []
        self.headers: list[dict] = []
        self.status = 200
        self.answer = {"errcode": 0, "errmsg": "ok"}
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if recorder.status == 200 and recorder.answer.get("errcode", 0) == 0:
                    recorder.posts.append(json.loads(body))
                    recorder.headers.append(dict(self.headers))
                payload = json.dumps(recorder.answer).encode()
                self.send_response(recorder.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/robot/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
