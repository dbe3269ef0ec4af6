"""A circular of more items than a page view should take is made by a real Celery worker on
Redis: the page says it is being prepared, then offers the download; made once."""

import io
import time

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from docx import Document

from cooperation.documents.jobs import document_job_run
from cooperation.models import DocumentJob, DocumentNumber, JobState
from tracker.celery import app

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker():
    from celery.contrib.testing.worker import start_worker

    assert app.conf.broker_url.startswith("redis://"), "the test uses the Redis broker"
    app.control.purge()
    connection.settings_dict["CONN_MAX_AGE"] = 0
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as w:
        yield w


def test_large_circular_is_made_by_the_worker_once(papers, leader, client, settings, worker):
    settings.CHENGYI_DOCUMENT_SYNC_ITEMS = 10  # the fixture's 49 items count as "many"
    client.force_login(leader)
    period = str(timezone.localdate().year)
    url = reverse("cooperation:report_circular_docx")
    response = client.get(url, {"period": period})
    assert response.status_code == 302
    job = DocumentJob.objects.get()
    assert response["Location"] == reverse("cooperation:documentjob_detail", args=[job.pk])
    # Asking again while it is under way gives the same job.
    assert client.get(url, {"period": period})["Location"] == response["Location"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.state in (JobState.DONE, JobState.FAILED):
            break
        time.sleep(0.5)
    assert job.state == JobState.DONE, job.error
    page = client.get(response["Location"]).content.decode()
    download = reverse("cooperation:documentjob_download", args=[job.pk])
    assert download in page and 'http-equiv="refresh"' not in page
    body = client.get(download)
    assert body["Content-Disposition"] == f'attachment; filename="circular-{period}.docx"'
    text = "\n".join(p.text for p in Document(io.BytesIO(body.content)).paragraphs)
    assert "成宜办〔" in text and "推进情况的通报" in text
    # Delivered again, the task finds nothing to do; the number was given once.
    assert document_job_run(job_id=job.pk) == "not pending"
    assert DocumentNumber.objects.count() == 1


def test_someone_elses_job_is_not_found(papers, leader, make_user, client):
    from django.contrib.auth.models import Permission

    other = make_user("other-leader")
    other.user_permissions.add(Permission.objects.get(codename="view_reports"))
    job = DocumentJob.objects.create(
        kind="circular", subject="period:2026", requested_by=leader, state="done", content=b"x"
    )
    client.force_login(other)
    assert client.get(reverse("cooperation:documentjob_detail", args=[job.pk])).status_code == 404
    url = reverse("cooperation:documentjob_download", args=[job.pk])
    assert client.get(url).status_code == 404
    client.force_login(leader)
    waiting = DocumentJob.objects.create(
        kind="circular", subject="period:2025", requested_by=leader
    )
    page = client.get(reverse("cooperation:documentjob_detail", args=[waiting.pk]))
    assert 'http-equiv="refresh"' in page.content.decode()
    assert (
        client.get(reverse("cooperation:documentjob_download", args=[waiting.pk])).status_code
        == 404
    )
