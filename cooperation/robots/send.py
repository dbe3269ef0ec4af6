"""The HTTP POST to a group robot. Runs on the dispatcher's sender thread: no database.

WeCom: POST the JSON to the webhook URL (its ``key`` in the query). DingTalk: when the robot
has a secret, the URL also carries ``timestamp`` (milliseconds) and ``sign``: the base64 of
HMAC-SHA256 over ``timestamp + "\\n" + secret`` keyed with the secret, URL-encoded. Both
answer HTTP 200 with ``{"errcode": 0, "errmsg": "ok"}``; any other errcode is a refusal
(45009 / 130101: too many messages this minute), retried by the outbox with its backoff.
"""

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings

from cooperation.choices import Channel
from cooperation.meetings.delivery import DeliveryError


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signed_url(robot, *, now: float | None = None) -> str:
    url = robot.webhook_url
    if robot.platform != Channel.DINGTALK or not robot.secret:
        return url
    timestamp = int((time.time() if now is None else now) * 1000)
    query = urllib.parse.urlencode(
        {"timestamp": timestamp, "sign": dingtalk_sign(robot.secret, timestamp)}
    )
    return f"{url}{'&' if '?' in url else '?'}{query}"


def post(robot, payload: dict) -> None:
    """Send ``payload``; DeliveryError when the robot cannot be reached or refuses it."""
    url = signed_url(robot)
    if not url.startswith(("http://", "https://")):
        raise DeliveryError(f"{robot.platform}: the webhook URL must be http(s)")
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(  # noqa: S310
            request, timeout=settings.CHENGYI_WEBHOOK_TIMEOUT
        ) as response:
            body = response.read(65536)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"{robot.platform}: HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError(f"{robot.platform}: {type(exc).__name__}: {exc}") from exc
    try:
        answer = json.loads(body)
    except ValueError as exc:
        raise DeliveryError(f"{robot.platform}: not a robot's answer: {body[:200]!r}") from exc
    code = answer.get("errcode") if isinstance(answer, dict) else None
    if code not in (0, "0"):
        message = answer.get("errmsg", "") if isinstance(answer, dict) else ""
        raise DeliveryError(f"{robot.platform}: errcode {code}: {message}"[:500])
