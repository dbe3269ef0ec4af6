"""Run in a separate process by the race and kill tests (python -m tests.meetings.outbox_harness).

seed N        load the agreement (if needed), N people and one due reminder for each
dispatch AT   wait until the epoch time AT (so racers start together), then run the
              `dispatch_reminders` command, as cron would, and print its summary
"""

import datetime
import os
import sys
import time

import django


def seed(count: int) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.utils import timezone

    from cooperation.choices import ReminderKind
    from cooperation.models import Agreement, ConsultationMechanism, Meeting, Reminder

    if not Agreement.objects.exists():
        call_command("setup_site", verbosity=0)
    now = timezone.now()
    meeting = Meeting.objects.create(
        mechanism=ConsultationMechanism.objects.get(code="lead-dept-quarterly"),
        starts_at=now + datetime.timedelta(days=2),
        planned_for=(now + datetime.timedelta(days=2)).date(),
        host_city="chengdu",
    )
    User = get_user_model()
    password = make_password(None)
    User.objects.bulk_create(
        User(username=f"racer{i:04}", email=f"racer{i:04}@example.com", password=password)
        for i in range(count)
    )
    people = User.objects.filter(username__startswith="racer").order_by("pk")
    Reminder.objects.bulk_create(
        Reminder(
            key=f"meeting:{meeting.pk}:d1:u{person.pk}",
            kind=ReminderKind.MEETING,
            meeting=meeting,
            recipient=person,
            due_at=now - datetime.timedelta(minutes=1),
            context={"offset_days": 1},
        )
        for person in people
    )
    print(f"seeded {people.count()}")


def dispatch(start_at: float) -> None:
    from django.core.management import call_command

    time.sleep(max(0.0, start_at - time.time()))
    began = time.monotonic()
    call_command("dispatch_reminders")
    print(f"pid={os.getpid()} seconds={time.monotonic() - began:.2f}", flush=True)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    django.setup()
    if sys.argv[1] == "seed":
        seed(int(sys.argv[2]))
    else:
        dispatch(float(sys.argv[2]))
