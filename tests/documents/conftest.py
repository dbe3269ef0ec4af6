import datetime

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from cooperation.choices import City, Health, MeetingState, Role, Status
from cooperation.models import ConsultationMechanism, CooperationItem, Meeting, Organization
from cooperation.services import StatusReport, status_report_submit


@pytest.fixture
def leader(agreement, make_user):
    user = make_user("leader", org="yibin-gov", role=Role.VIEWER, first_name="华", last_name="李")
    user.user_permissions.add(Permission.objects.get(codename="view_reports"))
    return user


@pytest.fixture
def coordinator(agreement, make_user):
    return make_user("coord", org="cdig", role=Role.COORDINATOR)


@pytest.fixture
def papers(agreement, leader, make_user):
    """The agreement's data with a held and an upcoming consultation and a status update."""
    mechanism = ConsultationMechanism.objects.order_by("pk").first()
    mechanism.participant_organizations.set(
        Organization.objects.filter(code__in=["cdig", "yibin-lingang-etdz", "chengdu-gov"])
    )
    now = timezone.now()
    upcoming = Meeting.objects.create(
        mechanism=mechanism,
        sequence=7,
        starts_at=now + datetime.timedelta(days=20),
        planned_for=(now + datetime.timedelta(days=20)).date(),
        host_city=City.YIBIN,
        location="宜宾市政务中心三楼会议室",
        agenda="通报上季度合作事项推进情况\n研究临港产业园用地问题\n部署下季度工作",
    )
    held = Meeting.objects.create(
        mechanism=mechanism,
        sequence=6,
        starts_at=now - datetime.timedelta(days=30),
        planned_for=(now - datetime.timedelta(days=30)).date(),
        host_city=City.CHENGDU,
        state=MeetingState.HELD,
        minutes="会议听取了成都产业集团关于KP-1的汇报。\n双方就园区配套达成一致。",
        decisions="年底前完成园区二期规划\n建立双周调度机制",
    )
    item = CooperationItem.objects.get(code="KP-1")
    author = make_user("reporter", org="cdig", role=Role.COORDINATOR)
    status_report_submit(
        item=item,
        user=author,
        report=StatusReport(
            status=Status.IN_PROGRESS, health=Health.AT_RISK, progress=35, narrative="用地审批滞后"
        ),
    )
    return {"upcoming": upcoming, "held": held, "item": item, "mechanism": mechanism}
