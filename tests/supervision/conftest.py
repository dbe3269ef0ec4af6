import datetime

import pytest

from cooperation.choices import Health, Role, Status
from cooperation.models import CooperationItem
from tests.meetings.conftest import mailserver, smtp  # noqa: F401 (fixtures)

# Friday 4 December 2026, 08:00 Beijing time: the daily run's hour.
TODAY = datetime.date(2026, 12, 4)


def set_item(code, **fields):
    CooperationItem.objects.filter(code=code).update(**fields)  # test setup, not app code


@pytest.fixture
def people(agreement, make_user):
    """Around SP-7 (leads: cdig in Chengdu, yibin-lingang-etdz in Yibin)."""
    return {
        "cd_coord": make_user("cd_coord", org="cdig", role=Role.COORDINATOR),
        "yb_coord": make_user("yb_coord", org="yibin-lingang-etdz", role=Role.COORDINATOR),
        "other_coord": make_user("other", org="yibin-health", role=Role.COORDINATOR),
        "cd_sup": make_user("cd_sup", org="chengdu-gov", role=Role.SUPERVISOR),
        "yb_sup": make_user("yb_sup", org="yibin-gov", role=Role.SUPERVISOR),
        "cd_leader": make_user("cd_leader", org="chengdu-gov", role=Role.LEADER),
        "yb_leader": make_user("yb_leader", org="yibin-gov", role=Role.LEADER),
        "viewer": make_user("viewer", org="yibin-gov", role=Role.VIEWER),
    }


@pytest.fixture
def quiet(agreement):
    """Every item closed except the ones a test opens: only its slips are issued."""
    CooperationItem.objects.update(status=Status.COMPLETED, progress=100, health=Health.ON_TRACK)


def open_item(code, **fields):
    values = {"status": Status.IN_PROGRESS, "progress": 50, "start_date": None}
    set_item(code, **{**values, **fields})
    return CooperationItem.objects.get(code=code)
