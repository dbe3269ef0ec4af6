"""Documents made by a worker: the circular of a period with many items.

A view asks (``circular_job_request``); the request is a ``DocumentJob`` row, and the task
only says "make job N now" (``cooperation.tasks.make_document``). The worker claims the row
with one conditional UPDATE, so a job is made once however often its task is delivered.
"""

import datetime
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from cooperation import queue
from cooperation.models import CooperationItem, DocumentJob, DocumentKind, JobState
from cooperation.reports import states as st
from cooperation.reports.period import Period

log = logging.getLogger("cooperation.documents")


def circular_needs_worker(*, user) -> bool:
    """Whether the circular of what ``user`` sees is too large to make during a page view."""
    visible = st.visible_pks(user)
    items = CooperationItem.objects.all() if visible is None else visible
    return items.count() > settings.CHENGYI_DOCUMENT_SYNC_ITEMS


def circular_job_request(*, period: Period, user) -> DocumentJob:
    """The job making ``user``'s circular of ``period``: the one already under way, else a new
    one, queued for a worker once the transaction commits."""
    subject = f"period:{period.key}"
    pending = DocumentJob.objects.filter(
        kind=DocumentKind.CIRCULAR,
        subject=subject,
        requested_by=user,
        state__in=(JobState.PENDING, JobState.RUNNING),
    )
    job = pending.first()
    if job is not None:
        return job
    try:
        with transaction.atomic():
            job = DocumentJob.objects.create(
                kind=DocumentKind.CIRCULAR,
                subject=subject,
                requested_by=user,
                filename=f"circular-{period.key}.docx",
            )
    except IntegrityError:  # the same user asked twice at once
        return pending.get()
    from cooperation import tasks  # the task module is reached at call time, not imported

    queue.enqueue(tasks.make_document, job.pk)
    return job


def document_job_run(*, job_id: int) -> str:
    """Make job ``job_id`` if nobody has claimed it; returns its final state."""
    from .circular import circular

    claimed = DocumentJob.objects.filter(pk=job_id, state=JobState.PENDING).update(
        state=JobState.RUNNING
    )
    if not claimed:
        return "not pending"
    job = DocumentJob.objects.select_related("requested_by").get(pk=job_id)
    try:
        period = Period.parse(job.subject.removeprefix("period:"))
        content, _number = circular(period=period, user=job.requested_by)
    except Exception as exc:  # recorded on the row, shown to the user, logged
        log.exception("document job failed", extra={"job": job_id})
        DocumentJob.objects.filter(pk=job_id).update(
            state=JobState.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        return JobState.FAILED
    DocumentJob.objects.filter(pk=job_id).update(
        state=JobState.DONE, content=content, finished_at=timezone.now()
    )
    return JobState.DONE


REQUEUE_AFTER = datetime.timedelta(seconds=30)


def document_job_nudge(*, job: DocumentJob) -> None:
    """Queue a job again that no worker has claimed for a while (the broker may have been
    down when it was asked for); the claim keeps it from being made twice."""
    if job.state == JobState.PENDING and timezone.now() - job.created_at > REQUEUE_AFTER:
        from cooperation import tasks

        queue.enqueue(tasks.make_document, job.pk)
