"""Lights and the daily slip run on SQLite (`make run`'s database) as on PostgreSQL."""

from tests.test_foundation import run_manage

SCRIPT = """
import datetime
from django.utils import timezone
from cooperation.models import CooperationItem
from cooperation.supervision.lights import with_lights
from cooperation.supervision.slips import slips_run_daily
today = timezone.localdate()
CooperationItem.objects.update(status="completed", progress=100)
CooperationItem.objects.filter(code="SP-7").update(
    status="in_progress", progress=10, start_date=today - datetime.timedelta(days=300),
    target_date=today - datetime.timedelta(days=2))
CooperationItem.objects.filter(code="SP-6").update(
    status="in_progress", progress=10, start_date=today - datetime.timedelta(days=100),
    target_date=today + datetime.timedelta(days=100))
lights = dict(with_lights(CooperationItem.objects.filter(code__in=["SP-6", "SP-7"]))
              .values_list("code", "light"))
first = slips_run_daily().as_dict()
second = slips_run_daily().as_dict()
print(lights["SP-7"], lights["SP-6"], first["issued"], second["issued"])
"""


def test_lights_and_slips_on_sqlite(tmp_path, migrated_sqlite):
    env = {"DATABASE_URL": migrated_sqlite(tmp_path / "dev.sqlite3")}
    assert run_manage("setup_site", env_extra=env).returncode == 0
    done = run_manage("shell", "-v0", "-c", SCRIPT, env_extra=env)
    assert done.returncode == 0, done.stderr[-3000:]
    # SP-7 overdue: red; SP-6 half-way in time at 10%: yellow (behind). Two slips, once.
    assert done.stdout.split() == ["red", "yellow", "2", "0"]
