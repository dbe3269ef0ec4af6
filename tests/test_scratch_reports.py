import datetime
import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from cooperation.models import Meeting, ConsultationMechanism, CooperationItem
from cooperation.services import StatusReport, status_report_submit

pytestmark = pytest.mark.django_db


def test_pages_smoke(agreement, make_user, client):
    user = make_user("leader", org="yibin-gov", role="viewer")
    user.user_permissions.add(Permission.objects.get(codename="view_reports"))
    coord = make_user("cd", org="cdig")
    mech = ConsultationMechanism.objects.get(code="lead-dept-quarterly")
    now = timezone.now()
    past = Meeting.objects.create(
        mechanism=mech,
        sequence=1,
        starts_at=now - datetime.timedelta(days=30),
        planned_for=now.date(),
        host_city="chengdu",
        state="held",
        decisions="决定一",
    )
    nxt = Meeting.objects.create(
        mechanism=mech,
        sequence=2,
        starts_at=now + datetime.timedelta(days=10),
        planned_for=now.date(),
        host_city="yibin",
    )
    item = CooperationItem.objects.get(code="KP-1.1")
    status_report_submit(
        item=item,
        user=coord,
        report=StatusReport(status="in_progress", health="at_risk", progress=40, narrative="x"),
    )
    client.force_login(user)
    for url in [
        "/",
        f"/meetings/{nxt.pk}/briefing/",
        f"/meetings/{past.pk}/briefing/",
        "/reports/",
        "/reports/quarter/",
        "/reports/quarter/?period=2025-Q1",
        "/reports/quarter/?period=bad",
    ]:
        r = client.get(url)
        print(url, r.status_code)
        with open("/tmp/scratch/" + url.replace("/", "_").replace("?", "_") + ".html", "wb") as f:
            f.write(r.content)
    for url in [
        f"/meetings/{nxt.pk}/briefing.xlsx",
        "/reports/quarter.xlsx",
        "/reports/status-updates.xlsx?period=2026",
        "/items/export.csv",
        "/items/export.xlsx?status=in_progress",
    ]:
        r = client.get(url)
        body = b"".join(r.streaming_content)
        print(url, r.status_code, r["Content-Type"], len(body))
        with open("/tmp/scratch/" + url.split("/")[-1].split("?")[0], "wb") as f:
            f.write(body)
