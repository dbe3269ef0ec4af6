"""Thin Celery tasks: ids in, one service call, done. Beat's schedule is in tracker/celery.py.

Reminder state lives in the database (cooperation.meetings.outbox), so a task that runs
twice, late, or on two workers at once sends nothing twice; tasks only ever wake the
dispatcher and never carry a reminder's content or an ETA.
"""

import logging

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from cooperation.meetings import outbox, planning, reminders
from cooperation.meetings.dispatch import reminders_dispatch_due
from cooperation.queue import enqueue
from cooperation.reports.summary import summary_bring_up_to_date, summary_refresh
from cooperation.supervision.slips import slips_run_daily
from cooperation.workflow.planning import loop_plan_all

logger = logging.getLogger("cooperation.tasks")

# A database that is restarting or locked: try again shortly (never longer than 5 minutes).
RETRY = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(**RETRY)
def dispatch_due_reminders(follow_up: bool = False) -> dict:
    """Send what is due; when more is due than one run sends, share it out.

    A tick (beat, or a change that made a reminder due) that finds a backlog first queues
    CHENGYI_DISPATCH_FANOUT - 1 helpers, so every worker process takes a share from the
    start; each dispatcher then queues one successor while more is due. So the dispatchers in
    flight stay at the fan-out per tick and stop when nothing is left. Racing dispatchers
    claim different rows (see outbox), so none sends a row twice.
    """
    if not follow_up and outbox.backlog(more_than=settings.CHENGYI_DISPATCH_BATCH):
        for _ in range(settings.CHENGYI_DISPATCH_FANOUT - 1):
            dispatch_due_reminders.delay(follow_up=True)
    result = reminders_dispatch_due()
    if result.more:
        dispatch_due_reminders.delay(follow_up=True)  # the next run right away
    return vars(result)


@shared_task(**RETRY)
def plan_reminders() -> int:
    created = reminders.reminders_plan_all()
    created += loop_plan_all()  # acknowledgements, their reminders, the daily digests
    if created:
        enqueue(dispatch_due_reminders)
    return created


@shared_task(**RETRY)
def plan_meetings() -> dict:
    result = planning.meetings_plan_all()
    enqueue(plan_reminders)
    return {"created": len(result.created), "moved": len(result.moved)}


@shared_task(**RETRY)
def dispatch_webhooks() -> dict:
    """Send the due webhook deliveries (cooperation.webhooks.outbox); again while more is due."""
    from cooperation.webhooks.outbox import webhooks_dispatch_due

    result = webhooks_dispatch_due()
    if result["more"]:
        dispatch_webhooks.delay()
    return result


@shared_task(**RETRY)
def refresh_dashboard_summary() -> dict:
    """Daily, just after midnight: the dashboard's cells counted for the new day, and every
    item compared with the summary (a difference is repaired and logged as a warning)."""
    result = summary_refresh()
    return {**result, "drift": len(result["drift"])}


@shared_task(**RETRY)
def rebuild_dashboard_summary() -> None:
    """Count the dashboard's summary again (a new consultation, a changed setting) while
    readers get the figures counted from the items."""
    summary_bring_up_to_date()


@shared_task(**RETRY)
def issue_supervision_slips() -> dict:
    """The daily run of supervision slips: close, escalate, issue (cooperation.supervision)."""
    return slips_run_daily().as_dict()


@shared_task(**RETRY)
def make_document(job_id: int) -> str:
    """Make a document a user asked for (a circular of many items); once, by claim."""
    from cooperation.documents.jobs import document_job_run

    return document_job_run(job_id=job_id)


@shared_task(**RETRY)
def item_import_check_task(import_id: int) -> str:
    """The dry run of a large Excel import (cooperation/imports/)."""
    from cooperation.imports.services import item_import_check
    from cooperation.models import ItemImport

    return item_import_check(job=ItemImport.objects.get(pk=import_id)).state


@shared_task(**RETRY)
def item_import_apply_task(import_id: int, user_id: int) -> str:
    """Apply a confirmed large Excel import, all rows or none."""
    from django.contrib.auth import get_user_model

    from cooperation.imports.services import item_import_apply
    from cooperation.models import ItemImport

    user = get_user_model().objects.get(pk=user_id)
    return item_import_apply(job=ItemImport.objects.get(pk=import_id), user=user).state
