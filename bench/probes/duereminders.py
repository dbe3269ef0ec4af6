"""Make COUNT due meeting reminders for the dispatch measurement (not timed):
``python -m bench.probes.duereminders COUNT`` (DATABASE_URL: the scratch database).

Adds enough new planned meetings (10 to 40 days ahead) that every reminder has its own
(meeting, recipient) pair, as the planner would make them: a meeting reminder to someone
already reminded of that meeting within 20 hours is dropped as not relevant, which would
time the shortcut instead of a send. Each reminder is composed, rendered (text, HTML, .ics)
and mailed. Prints the key prefix of the batch.
"""

import datetime
import math
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")


def main(count: int) -> int:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.db.models import Max
    from django.utils import timezone
    from simple_history.utils import bulk_create_with_history

    from cooperation.choices import City, MeetingState, ReminderKind
    from cooperation.models import ConsultationMechanism, Meeting, Reminder
    from cooperation.services import system_user

    actor = system_user()
    people = list(
        get_user_model().objects.filter(username__startswith="bench-coord-", is_active=True)
        .order_by("pk")
    )  # fmt: skip
    mechanism = ConsultationMechanism.objects.order_by("pk").first()
    now = timezone.now()
    batch = f"bench-dispatch:{time.time_ns()}:"
    with transaction.atomic():
        first = (mechanism.meetings.aggregate(n=Max("sequence"))["n"] or 0) + 1
        meetings = [
            Meeting(
                mechanism=mechanism, sequence=first + n,
                starts_at=now + datetime.timedelta(days=10 + n % 30, hours=n % 7),
                planned_for=(now + datetime.timedelta(days=10 + n % 30)).date(),
                host_city=City.CHENGDU if n % 2 else City.YIBIN, state=MeetingState.PLANNED,
                location="市政府第一会议室", agenda="听取推进情况汇报。",
            )
            for n in range(math.ceil(count / len(people)))
        ]  # fmt: skip
        meetings = bulk_create_with_history(meetings, Meeting, default_user=actor)
        reminders = [
            Reminder(
                key=f"{batch}{n}", kind=ReminderKind.MEETING,
                meeting=meetings[n // len(people)], recipient=people[n % len(people)],
                due_at=now - datetime.timedelta(minutes=1),
            )
            for n in range(count)
        ]  # fmt: skip
        bulk_create_with_history(reminders, Reminder, batch_size=2000, default_user=actor)
    print(batch)
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1])))
