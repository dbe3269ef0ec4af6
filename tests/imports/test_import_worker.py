"""A large import goes through a real Celery worker: dry run, confirm, apply, with progress."""

import pytest
from django.db import connection

from cooperation.choices import ImportState
from cooperation.models import CooperationItem, ItemImport
from tracker.celery import app

from ..meetings.helpers import wait_until
from .conftest import edit, exported, upload

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(settings):
    from celery.contrib.testing.worker import start_worker

    assert app.conf.broker_url.startswith("redis://"), "the test uses the Redis broker"
    app.control.purge()
    connection.settings_dict["CONN_MAX_AGE"] = 0
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as w:
        yield w


def test_large_file_is_checked_and_applied_by_the_worker(worker, sup_client, settings):
    settings.CHENGYI_IMPORT_INLINE_ROWS = 0  # every file counts as large
    import datetime

    content = edit(exported(sup_client), {("KP-1", "目标日期"): datetime.date(2028, 1, 31)})
    upload(sup_client, content)
    job = ItemImport.objects.latest("pk")
    page = sup_client.get(job.get_absolute_url()).content.decode()
    assert job.state == ImportState.CHECKING or "import-progress" not in page
    assert wait_until(lambda: ItemImport.objects.get(pk=job.pk).state == ImportState.CHECKED)
    job.refresh_from_db()
    assert job.preview["counts"]["update"] == 1 and job.rows_done == job.rows_total
    sup_client.post(f"/items/import/{job.pk}/apply/")
    assert wait_until(lambda: ItemImport.objects.get(pk=job.pk).state == ImportState.APPLIED)
    assert CooperationItem.objects.get(code="KP-1").target_date == datetime.date(2028, 1, 31)
    progress = sup_client.get(f"/items/import/{job.pk}/progress/").json()
    assert progress == {**progress, "state": "applied", "busy": False, "percent": 100}
