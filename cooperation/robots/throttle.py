"""At most CHENGYI_ROBOT_PER_MINUTE messages a minute to each robot (both platforms allow
20): what is over waits in the outbox until the minute has passed, never dropped.

Counted from the outbox itself: rows sent to the robot in the last minute, rows other
dispatchers hold for it now, and what this dispatch has handed to its sender.
"""

import datetime
from collections import defaultdict

from django.conf import settings
from django.db.models import Q

from cooperation.choices import ReminderState
from cooperation.models import Reminder

MINUTE = datetime.timedelta(minutes=1)


class RobotBudget:
    def __init__(self, *, worker: str):
        self.worker = worker
        self.sent: dict[int, list[datetime.datetime]] = {}
        self.elsewhere: dict[int, int] = {}
        self.here: dict[int, int] = defaultdict(int)

    def _load(self, robot_id: int, now: datetime.datetime) -> None:
        rows = Reminder.objects.filter(robot_id=robot_id).filter(
            Q(state=ReminderState.SENT, sent_at__gt=now - MINUTE)
            | Q(state=ReminderState.SENDING) & ~Q(claimed_by=self.worker)
        )
        sent, elsewhere = [], 0
        for state, sent_at in rows.values_list("state", "sent_at"):
            if state == ReminderState.SENT:
                sent.append(sent_at)
            else:
                elsewhere += 1
        self.sent[robot_id] = sorted(sent)
        self.elsewhere[robot_id] = elsewhere

    def wait_until(self, robot_id: int, now: datetime.datetime) -> datetime.datetime | None:
        """None: send now (counted); else the time from which the robot may take it."""
        if robot_id not in self.sent:
            self._load(robot_id, now)
        recent = [at for at in self.sent[robot_id] if at > now - MINUTE]
        used = len(recent) + self.elsewhere[robot_id] + self.here[robot_id]
        if used < settings.CHENGYI_ROBOT_PER_MINUTE:
            self.here[robot_id] += 1
            return None
        return (recent[0] + MINUTE) if recent else now + MINUTE
