"""One JSON object per log line, timestamps in UTC, so logs can be shipped and searched.

Secrets that travel in addresses are masked in every line, whoever logged it (the app,
Django, gunicorn's access log): the personal calendar feed's token in /calendar/<token>.ics.
"""

import datetime
import json
import logging
import re

# The feed's address (cooperation/meetings/urls.py: calendar/<slug:token>.ics), anywhere in
# a line, percent-encoded or not.
_CALENDAR_TOKEN = re.compile(r"(/calendar/)[-\w%]+(\.ics)")
MASK = r"\1***\2"


def mask_secrets(text: str) -> str:
    return _CALENDAR_TOKEN.sub(MASK, text)


_STANDARD = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}


class StructuredFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_secrets(record.getMessage()),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                if isinstance(value, int | float | bool):
                    payload[key] = value
                else:
                    payload[key] = mask_secrets(str(value))
        if record.exc_info:
            payload["exception"] = mask_secrets(self.formatException(record.exc_info))
        return json.dumps(payload, ensure_ascii=False)


# Extra fields the plain console leaves out: what the message already says (Celery's task
# ``data``, the dev server's ``request`` socket and ``server_time``) or an internal marker.
_PLAIN_SKIP = {"event", "data", "request", "server_time", "status_code"}


class PlainFormatter(logging.Formatter):
    """`make run`'s console: one readable line per record, its extra fields as key=value."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = [
            f"{key}={value}"
            for key, value in vars(record).items()
            if key not in _STANDARD and not key.startswith("_") and key not in _PLAIN_SKIP
        ]
        return f"{line} [{' '.join(extras)}]" if extras else line
