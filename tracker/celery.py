"""The one Celery application of the project (worker: ``celery -A tracker worker``)."""

import os

from celery import Celery, bootsteps
from celery.schedules import crontab
from celery.signals import beat_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

app = Celery("tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class Heartbeat(bootsteps.StartStopStep):
    """Each worker writes its heartbeat to the database at start and every
    CHENGYI_HEARTBEAT_SECONDS, so /healthz/ counts live workers without asking the broker."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.tref = None

    def start(self, worker):
        from django.conf import settings

        from cooperation.health import heartbeat_record

        heartbeat_record(worker.hostname)
        self.tref = worker.timer.call_repeatedly(
            settings.CHENGYI_HEARTBEAT_SECONDS, heartbeat_record, (worker.hostname,)
        )

    def stop(self, worker):
        if self.tref is not None:
            self.tref.cancel()


app.steps["worker"].add(Heartbeat)

# Every tick is cheap and safe to repeat: the work (and what was already sent) is in the
# database, so a missed tick is caught up by the next and a doubled one sends nothing twice.
_dispatch_every = float(os.environ.get("CHENGYI_DISPATCH_INTERVAL") or 60)
_slips_every = float(os.environ.get("CHENGYI_SLIP_INTERVAL") or 0)
app.conf.beat_schedule = {
    "dispatch-due-reminders": {
        "task": "cooperation.tasks.dispatch_due_reminders",
        "schedule": _dispatch_every,
        "options": {"expires": max(_dispatch_every - 5, 1)},
    },
    "dispatch-webhooks": {
        "task": "cooperation.tasks.dispatch_webhooks",
        "schedule": _dispatch_every,
        "options": {"expires": max(_dispatch_every - 5, 1)},
    },
    "plan-meetings": {
        "task": "cooperation.tasks.plan_meetings",
        "schedule": crontab(hour=2, minute=30),
        "options": {"expires": 3600},
    },
    "issue-supervision-slips": {
        "task": "cooperation.tasks.issue_supervision_slips",
        # Daily at 08:00 Beijing time; CHENGYI_SLIP_INTERVAL (seconds) instead, for tests.
        "schedule": _slips_every or crontab(hour=8, minute=0),
        "options": {"expires": 3600},
    },
    "refresh-dashboard-summary": {
        "task": "cooperation.tasks.refresh_dashboard_summary",
        # Just after midnight Beijing time: the dashboard's lights and overdue move by date.
        "schedule": crontab(hour=0, minute=5),
        "options": {"expires": 3600},
    },
    "plan-reminders": {
        "task": "cooperation.tasks.plan_reminders",
        "schedule": crontab(minute="*/15"),
        "options": {"expires": 600},
    },
}


@beat_init.connect
def plan_on_start(sender=None, **kwargs):
    """Plan meetings when beat starts (then daily): a fresh install shows its year at once."""
    sender.app.send_task("cooperation.tasks.plan_meetings")
