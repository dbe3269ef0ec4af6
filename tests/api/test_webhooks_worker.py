"""A real Celery worker on Redis sends the deliveries a service call records, once."""

import pytest
from django.db import connection

from cooperation.choices import Health, Role, Status
from cooperation.models import CooperationItem, WebhookDelivery, WebhookSubscription
from cooperation.models.webhooks import DeliveryState
from cooperation.services import StatusReport, status_report_submit
from cooperation.tasks import dispatch_webhooks
from tests.meetings.helpers import wait_until
from tracker.celery import app

from .receiver import Receiver

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker():
    from celery.contrib.testing.worker import start_worker

    assert app.conf.broker_url.startswith("redis://"), "the test uses the Redis broker"
    app.control.purge()
    connection.settings_dict["CONN_MAX_AGE"] = 0
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as w:
        yield w


def test_the_worker_delivers_after_commit_and_only_once(agreement, make_user, worker):
    receiver = Receiver(secret="worker-secret").start()
    try:
        WebhookSubscription.objects.create(
            name="dashboard", url=receiver.url, secret=receiver.secret,
            event_types=["report.submitted"],
        )  # fmt: skip
        owner = make_user("owner", org="cdig", role=Role.COORDINATOR)
        item = CooperationItem.objects.get(code="KP-1")
        update = status_report_submit(
            item=item,
            user=owner,
            report=StatusReport(status=Status.IN_PROGRESS, health=Health.ON_TRACK, progress=15),
        )
        delivered = WebhookDelivery.objects.filter(state=DeliveryState.DELIVERED)
        assert wait_until(lambda: delivered.count() == 1)
        assert len(receiver.received) == 1
        assert receiver.verified(receiver.received[0])
        assert receiver.received[0].json["resource"] == {"type": "status_report", "id": update.pk}
        # Beat's ticks again: nothing goes out twice.
        dispatch_webhooks.delay()
        dispatch_webhooks.delay()
        assert not wait_until(lambda: len(receiver.received) > 1, timeout=3)
    finally:
        receiver.stop()
