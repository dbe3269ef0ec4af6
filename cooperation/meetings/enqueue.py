"""Wake the dispatcher once the current transaction commits."""

from cooperation.queue import enqueue


def dispatch_soon() -> None:
    """Queue one dispatch after commit, so a new or changed reminder goes out at once.

    Through ``cooperation.queue.enqueue``: if the broker is down the change is still saved
    and shown (beat's next tick sends the reminder) and a warning is logged.
    """
    from cooperation.tasks import dispatch_due_reminders

    enqueue(dispatch_due_reminders)
