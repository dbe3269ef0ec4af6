"""The e-mail backend of `make run`: each message is written whole to a file under
EMAIL_FILE_PATH (var/mail/), and the console gets one INFO line saying what went to whom and
where the full message is, instead of a hundred lines of MIME at WARNING."""

import logging
import os
import re
import threading
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

logger = logging.getLogger("cooperation.mail")

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class FileAndLogBackend(BaseEmailBackend):
    """One .eml file per message (opens in any mail program), one log line per message."""

    _lock = threading.Lock()
    _counter = 0

    def __init__(self, *, file_path: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.folder = Path(file_path or settings.EMAIL_FILE_PATH)

    def send_messages(self, email_messages) -> int:
        if not email_messages:
            return 0
        self.folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            path = self._path(message)
            path.write_bytes(message.message().as_bytes(linesep="\n"))
            logger.info(
                "e-mail to %s: %s (full message: %s)",
                ", ".join(message.recipients()),
                " ".join(str(message.subject).split()),
                _shown(path),
                extra={"event": "email_written"},
            )
        return len(email_messages)

    def _path(self, message) -> Path:
        with self._lock:
            type(self)._counter += 1
            counter = self._counter
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        ident = str(message.extra_headers.get("Message-ID", "")).strip("<>").split("@")[0]
        name = _UNSAFE.sub("-", ident)[:80] or "message"
        return self.folder / f"{stamp}-{os.getpid()}-{counter:04d}-{name}.eml"


def _shown(path: Path) -> str:
    """Relative to the project when it is inside it (var/mail/...), else absolute."""
    try:
        return str(path.resolve().relative_to(Path(settings.BASE_DIR).resolve()))
    except ValueError:
        return str(path)
