"""Wake the dispatcher once the current transaction commits."""

from django.db import transaction


def dispatch_soon() -> None:
    """Queue one dispatch after commit, so a new or changed reminder goes out at once.

    Like ``delay_on_commit``, but ``robust``: if the broker is down the change is still
    saved and shown (beat's next tick sends the reminder); the failure is logged.
    """
    from cooperation.tasks import dispatch_due_reminders

    transaction.on_commit(dispatch_due_reminders.delay, robust=True)
