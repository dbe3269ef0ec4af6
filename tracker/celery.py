"""The one Celery application of the project (worker: ``celery -A tracker worker``)."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

app = Celery("tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "dispatch-due-reminders": {
        "task": "cooperation.tasks.dispatch_due_reminders",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "plan-meetings": {
        "task": "cooperation.tasks.plan_meetings",
        "schedule": crontab(hour=2, minute=30),
    },
    "plan-reminders": {
        "task": "cooperation.tasks.plan_reminders",
        "schedule": crontab(minute="*/15"),
    },
}
