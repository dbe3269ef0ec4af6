"""The delivery outbox: claim due rows atomically, send, record each attempt.

pending ──claim──▶ sending ──2xx──▶ delivered
   ▲                  │
   └─ retry (backoff) ┤──after CHENGYI_WEBHOOK_MAX_ATTEMPTS──▶ failed ──"send again"──▶ pending
   └─ lease expired ◀─┘ (the sender vanished)

Ordering per resource: a delivery waits while an earlier delivery about the same resource
to the same subscription is still pending or sending, so a receiver gets one resource's
events in the order they happened. (A delivery that finally failed no longer holds the
later ones back; "send again" then sends it late: receivers order by the event ``time``.)
Every outcome is a conditional UPDATE that only the holder of the claim can make, so a
delivery the receiver accepted is never sent again, however many dispatchers run.
"""

import datetime
import json
import logging
import os
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from cooperation.models import WebhookDelivery
from cooperation.models.webhooks import DeliveryState

from .signing import signature

logger = logging.getLogger("cooperation.webhooks")
USER_AGENT = "Chengyi-Tracker-Webhooks/1"
OPEN = (DeliveryState.PENDING, DeliveryState.SENDING)


def payload(event) -> dict:
    return {
        "id": str(event.event_id),
        "type": event.type,
        "time": event.occurred_at.isoformat(),
        "resource": {"type": event.resource_type, "id": event.resource_id},
        "data": event.data,
    }


def body_of(event) -> bytes:
    """The same bytes at every attempt (the signature covers them and the timestamp)."""
    return json.dumps(
        payload(event), cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")
    ).encode()


def retry_delay(attempts: int) -> datetime.timedelta:
    seconds = settings.CHENGYI_WEBHOOK_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return datetime.timedelta(seconds=min(seconds, settings.CHENGYI_WEBHOOK_RETRY_MAX_SECONDS))


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _due(now) -> Q:
    return Q(state=DeliveryState.PENDING, next_attempt_at__lte=now)


def claim(*, worker: str, now=None, limit: int = 10) -> list[int]:
    """Take up to ``limit`` due deliveries that no earlier delivery of their resource holds
    back; no other dispatcher gets them."""
    now = now or timezone.now()
    earlier = WebhookDelivery.objects.filter(
        subscription=OuterRef("subscription"),
        resource_key=OuterRef("resource_key"),
        pk__lt=OuterRef("pk"),
        state__in=OPEN,
    )
    due = (
        WebhookDelivery.objects.filter(_due(now))
        .filter(~Exists(earlier))
        .order_by("next_attempt_at", "pk")
    )
    fields = {
        "state": DeliveryState.SENDING,
        "claimed_by": worker,
        "claimed_at": now,
        "attempts": F("attempts") + 1,
    }
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        pks = list(due.values_list("pk", flat=True)[:limit])
        WebhookDelivery.objects.filter(_due(now), pk__in=pks).update(**fields)
    return sorted(pks)


@dataclass
class Attempt:
    ok: bool
    status: int | None
    error: str


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer to fix, not to follow with the signed body


_opener = urllib.request.build_opener(_NoRedirect())


def send(delivery: WebhookDelivery) -> Attempt:
    """One POST of the delivery, signed now."""
    event = delivery.event
    body = body_of(event)
    timestamp = int(time.time())
    request = urllib.request.Request(  # noqa: S310 - the address a supervisor configured
        delivery.subscription.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "X-Chengyi-Event": event.type,
            "X-Chengyi-Delivery": str(event.event_id),
            "X-Chengyi-Timestamp": str(timestamp),
            "X-Chengyi-Signature": signature(
                secret=delivery.subscription.secret, timestamp=timestamp, body=body
            ),
        },
    )
    try:
        with _opener.open(request, timeout=settings.CHENGYI_WEBHOOK_TIMEOUT) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        return Attempt(False, error.code, f"HTTP {error.code} {error.reason}"[:2000])
    except (urllib.error.URLError, OSError, ValueError) as error:
        return Attempt(False, None, f"{type(error).__name__}: {error}"[:2000])
    if 200 <= status < 300:
        return Attempt(True, status, "")
    return Attempt(False, status, f"HTTP {status}")


def record(delivery: WebhookDelivery, attempt: Attempt, *, worker: str, now=None) -> str:
    """The attempt's outcome, if this worker still holds the claim; returns the new state."""
    now = now or timezone.now()
    held = WebhookDelivery.objects.filter(
        pk=delivery.pk, state=DeliveryState.SENDING, claimed_by=worker
    )
    fields = {"claimed_by": "", "claimed_at": None, "last_status": attempt.status}
    if attempt.ok:
        fields.update(state=DeliveryState.DELIVERED, delivered_at=now, last_error="")
    elif delivery.attempts >= settings.CHENGYI_WEBHOOK_MAX_ATTEMPTS:
        fields.update(state=DeliveryState.FAILED, last_error=attempt.error)
    else:
        fields.update(
            state=DeliveryState.PENDING,
            last_error=attempt.error,
            next_attempt_at=now + retry_delay(delivery.attempts),
        )
    if not held.update(**fields):
        logger.warning(
            "webhook claim lost before it was recorded",
            extra={"event": "webhook_claim_lost", "delivery": delivery.pk, "worker": worker},
        )
        return ""
    if not attempt.ok:
        logger.warning(
            "webhook delivery failed",
            extra={
                "event": "webhook_failed",
                "delivery": delivery.pk,
                "state": fields["state"],
                "error": attempt.error[:200],
            },
        )
    return fields["state"]


def leases_expire(*, now=None) -> int:
    """Deliveries claimed longer ago than the lease (a killed sender) are due again."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=settings.CHENGYI_WEBHOOK_LEASE_SECONDS)
    return WebhookDelivery.objects.filter(
        state=DeliveryState.SENDING, claimed_at__lt=cutoff
    ).update(state=DeliveryState.PENDING, claimed_by="", claimed_at=None, next_attempt_at=now)


def webhooks_dispatch_due(*, limit: int | None = None, worker: str | None = None) -> dict:
    """Send what is due, batch by batch, in order per resource; ``more`` when some is left."""
    limit = settings.CHENGYI_WEBHOOK_BATCH if limit is None else limit
    worker = worker or worker_name()
    leases_expire()
    counts = {DeliveryState.DELIVERED: 0, DeliveryState.PENDING: 0, DeliveryState.FAILED: 0}
    handled = 0
    while handled < limit:
        pks = claim(worker=worker, limit=min(10, limit - handled))
        if not pks:
            break
        deliveries = WebhookDelivery.objects.select_related("event", "subscription").filter(
            pk__in=pks
        )
        for delivery in sorted(deliveries, key=lambda d: d.pk):
            state = record(delivery, send(delivery), worker=worker)
            if state:
                counts[state] += 1
            handled += 1
    more = handled >= limit  # a full run: more may be due (held-back rows do not count)
    return {"sent": counts[DeliveryState.DELIVERED], "retrying": counts[DeliveryState.PENDING],
            "failed": counts[DeliveryState.FAILED], "more": more}  # fmt: skip


def deliveries_send_again(*, queryset) -> int:
    """The admin's "send again": failed deliveries are due now, with a fresh set of attempts."""
    changed = queryset.filter(state=DeliveryState.FAILED).update(
        state=DeliveryState.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    if changed:
        from cooperation.queue import enqueue
        from cooperation.tasks import dispatch_webhooks

        enqueue(dispatch_webhooks)
    return changed
