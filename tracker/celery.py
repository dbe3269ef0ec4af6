"""The one Celery application of the project (worker: ``celery -A tracker worker``)."""

import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import beat_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

app = Celery("tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every tick is cheap and safe to repeat: the work (and what was already sent) is in the
# database, so a missed tick is caught up by the next and a doubled one sends nothing twice.
_dispatch_every = float(os.environ.get("CHENGYI_DISPATCH_INTERVAL") or 60)
app.conf.beat_schedule = {
    "dispatch-due-reminders": {
        "task": "cooperation.tasks.dispatch_due_reminders",
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
        "schedule": crontab(hour=8, minute=0),
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
