"""The signature of a delivery: HMAC-SHA256 of ``<timestamp>.<body>`` with the secret.

Headers: ``X-Chengyi-Timestamp`` (Unix seconds), ``X-Chengyi-Signature: sha256=<hex>``,
``X-Chengyi-Event`` (type) and ``X-Chengyi-Delivery`` (the event id, also in the body).
A receiver recomputes the HMAC, compares in constant time, refuses a timestamp more than
5 minutes off, and remembers event ids for 5 minutes to detect replays.
"""

import hashlib
import hmac

TOLERANCE_SECONDS = 300


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(*, secret: str, timestamp: str, body: bytes, header: str, now: float) -> bool:
    """What a receiver does (the tests use it as the receiver)."""
    try:
        stamp = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs(now - stamp) > TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(signature(secret=secret, timestamp=stamp, body=body), header)
