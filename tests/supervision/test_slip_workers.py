"""Slip issuance is exactly once with two beats and two workers on Redis.

Two real Celery workers, each with its own embedded beat (so two beats), share the Redis
broker and the test database; both beats fire the slip run every second and the
dispatcher every second. Afterwards every item, colour and cause has one slip, the
numbers run 1…N without a gap, and each red slip's notice reached each recipient once.
"""

import datetime
import os
import re
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from cooperation.choices import ReminderKind, ReminderState, Status
from cooperation.models import CooperationItem, Reminder
from cooperation.models.supervision import SlipNumber, SupervisionSlip
from cooperation.supervision.lights import add_working_days
from tests.meetings.helpers import wait_until

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


def worker_env(mailserver, tmp_path) -> dict:
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_EMAIL")}
    env.update(
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        DJANGO_EMAIL_HOST="127.0.0.1",
        DJANGO_EMAIL_PORT=str(mailserver.port),
        DJANGO_LOG_LEVEL="WARNING",
        CHENGYI_SLIP_INTERVAL="1",
        CHENGYI_DISPATCH_INTERVAL="1",
    )
    return env


def start_worker(n: int, env: dict, tmp_path: Path):
    log = open(tmp_path / f"worker{n}.log", "w")  # noqa: SIM115 (closed after the test)
    command = [
        sys.executable, "-m", "celery", "-A", "tracker", "worker", "-B",
        "-s", str(tmp_path / f"beat{n}"), "-n", f"slips{n}@%h", "--concurrency", "2",
        "--without-mingle", "--without-gossip", "--without-heartbeat", "-l", "info",
    ]  # fmt: skip
    proc = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    return proc, log


def slip_runs(tmp_path: Path) -> int:
    pattern = re.compile(r"issue_supervision_slips\[[^\]]+\] succeeded")
    return sum(
        len(pattern.findall((tmp_path / f"worker{n}.log").read_text(errors="replace")))
        for n in (1, 2)
    )


def test_two_beats_and_two_workers_issue_each_slip_once(agreement, make_user, smtp, tmp_path):
    from cooperation.choices import Role
    from tracker.celery import app

    for name, org, role in (
        ("cd_coord", "cdig", Role.COORDINATOR),
        ("yb_coord", "yibin-lingang-etdz", Role.COORDINATOR),
        ("cd_sup", "chengdu-gov", Role.SUPERVISOR),
        ("cd_leader", "chengdu-gov", Role.LEADER),
        ("yb_leader", "yibin-gov", Role.LEADER),
    ):
        make_user(name, org=org, role=role)
    today = timezone.localdate()
    items = list(CooperationItem.objects.order_by("pk"))
    for index, item in enumerate(items):
        kind = index % 3
        target = {
            0: today - datetime.timedelta(days=3),  # red
            1: add_working_days(today, 1),  # blue
            2: today + datetime.timedelta(days=400),  # green
        }[kind]
        CooperationItem.objects.filter(pk=item.pk).update(
            status=Status.IN_PROGRESS, progress=50, start_date=None, target_date=target
        )
    app.control.purge()
    env = worker_env(smtp, tmp_path)
    workers = [start_worker(n, env, tmp_path) for n in (1, 2)]
    try:
        assert wait_until(lambda: slip_runs(tmp_path) >= 8, 120), (
            tmp_path / "worker1.log"
        ).read_text()[-3000:]
        notices = Reminder.objects.filter(kind=ReminderKind.SUPERVISION_SLIP)
        assert wait_until(
            lambda: notices.exists() and not notices.exclude(state=ReminderState.SENT).exists(),
            60,
        )
        wait_until(lambda: False, 3)  # a few more ticks: nothing may go out twice
    finally:
        for proc, _log in workers:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc, log in workers:
            proc.wait(30)
            log.close()

    runs = slip_runs(tmp_path)
    per_key = Counter(SupervisionSlip.objects.values_list("item_id", "colour", "cause"))
    assert per_key and max(per_key.values()) == 1
    red = sum(1 for _i, colour, _c in per_key if colour == "red")
    blue = sum(1 for _i, colour, _c in per_key if colour == "blue")
    assert red == len(items[0::3]) and blue == len(items[1::3])
    numbers = sorted(SupervisionSlip.objects.values_list("sequence", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))
    assert SlipNumber.objects.get(year=today.year).last == len(numbers)
    # Each red slip's notice: to each recipient once (both leaders got every red slip).
    keys = [key for key in smtp.keys() if key.startswith("slip:")]  # noqa: SIM118 (a list)
    assert len(keys) == len(set(keys)) == notices.count()
    assert sorted(keys) == sorted(notices.values_list("key", flat=True))
    leaders = notices.filter(recipient__username__in=["cd_leader", "yb_leader"]).count()
    assert leaders == 2 * red
    print(f"two beats, two workers: {runs} slip runs, {len(numbers)} slips, "
          f"{len(keys)} e-mails, 0 duplicates")  # fmt: skip
