"""The loop's part of the 15-minute planning pass: acknowledgement rows for new leads,
reminders for missed acknowledgements, today's digests (people's and groups').
Idempotent (unique keys)."""

from django.utils import timezone

from .assignments import acknowledgement_reminders_plan, assignments_sync_all
from .digest import digests_plan, robot_digests_plan


def loop_plan_all(*, now=None) -> int:
    """Returns how many outbox rows were written."""
    now = now or timezone.now()
    assignments_sync_all(now=now)
    return (
        acknowledgement_reminders_plan(now=now)
        + digests_plan(now=now)
        + robot_digests_plan(now=now)
    )
