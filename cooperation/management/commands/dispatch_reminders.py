"""One dispatch of the reminder outbox, for people who run it from cron instead of beat."""

from django.core.management.base import BaseCommand

from cooperation.meetings import planning, reminders
from cooperation.meetings.dispatch import reminders_dispatch_due


class Command(BaseCommand):
    help = (
        "Send every reminder that is due (safe to run alongside Celery or another copy of "
        "itself: each reminder is claimed once). With --plan, plan meetings and reminders first."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--plan", action="store_true", help="plan meetings and reminder rows before sending"
        )
        parser.add_argument(
            "--limit", type=int, default=0, help="send at most this many (default: all due)"
        )

    def handle(self, *args, plan=False, limit=0, **options):
        if plan:
            planned = planning.meetings_plan_all()
            created = reminders.reminders_plan_all()
            self.stdout.write(
                f"planned: {len(planned.created)} meetings created, {len(planned.moved)} "
                f"moved, {created} reminders written"
            )
        total = {"sent": 0, "retried": 0, "failed": 0, "cancelled": 0, "released": 0}
        while True:
            result = reminders_dispatch_due(limit=limit or 500)
            for name in total:
                total[name] += getattr(result, name)
            if limit or not result.more:
                break
        self.stdout.write(" ".join(f"{name}={count}" for name, count in total.items()))
