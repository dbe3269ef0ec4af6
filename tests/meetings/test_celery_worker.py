"""A real Celery worker on the real Redis broker delivers due reminders end to end."""

import pytest
from django.db import connection

from cooperation.choices import ReminderState
from cooperation.meetings import changes
from cooperation.models import Notification
from cooperation.tasks import dispatch_due_reminders, plan_reminders
from tracker.celery import app

from .helpers import local, wait_until

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(settings):
    from celery.contrib.testing.worker import start_worker

    assert app.conf.broker_url.startswith("redis://"), "the test uses the Redis broker"
    app.control.purge()  # tasks left in this Redis database by earlier tests
    # The worker thread's database connection closes after each task, so the test
    # database can be dropped at the end of the run.
    connection.settings_dict["CONN_MAX_AGE"] = 0
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as w:
        yield w


def test_meeting_created_for_tomorrow_is_delivered_by_the_worker_once(
    worker, smtp, people, half_yearly, time_machine, settings
):
    settings.CHENGYI_STALE_DAYS = settings.CHENGYI_ESCALATION_DAYS = 10_000
    time_machine.move_to(local(2026, 11, 26, 10, 0), tick=True)
    # The service queues a dispatch once its transaction commits; the worker sends.
    meeting = changes.meeting_create(
        mechanism=half_yearly,
        starts_at=local(2026, 11, 27, 9, 30),
        host_city="chengdu",
        user=people["cd_sup"],
    )
    sent = meeting.reminders.filter(state=ReminderState.SENT)
    assert wait_until(lambda: sent.count() == 3)
    keys = smtp.keys()
    assert len(keys) == 3
    assert sorted(keys) == sorted(sent.values_list("key", flat=True))

    # Beat's ticks again, twice: nothing goes out a second time.
    plan_reminders.delay()
    dispatch_due_reminders.delay()
    dispatch_due_reminders.delay()
    smtp.wait_for(4, timeout=5)
    # (Planning also finds the fixture's leads without an acknowledgement and tells them: the
    # supervision loop's notices are not this meeting's, and are counted apart.)
    meeting_keys = set(sent.values_list("key", flat=True))
    received = smtp.keys()  # every X-Chengyi-Reminder the mail server got, repeats included
    assert sorted(k for k in received if k in meeting_keys) == sorted(meeting_keys)
    assert sent.count() == 3
    assert Notification.objects.filter(reminder__meeting=meeting).count() == 3
