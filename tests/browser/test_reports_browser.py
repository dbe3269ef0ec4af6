"""A leader in a real browser: the dashboard with its charts, a figure that opens the item
list it counts, the briefing pack of the next quarterly consultation, printed and downloaded."""

import datetime
import re

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from playwright.sync_api import expect

from cooperation.choices import MeetingState
from cooperation.models import ConsultationMechanism, CooperationItem, Meeting
from cooperation.services import StatusReport, status_report_submit

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def consultations(demo_users):
    leader = demo_users["leader"]
    leader.user_permissions.add(Permission.objects.get(codename="view_reports"))
    quarterly = ConsultationMechanism.objects.get(code="lead-dept-quarterly")
    now = timezone.now()
    Meeting.objects.create(
        mechanism=quarterly,
        sequence=1,
        starts_at=now - datetime.timedelta(days=60),
        planned_for=timezone.localdate() - datetime.timedelta(days=60),
        host_city="chengdu",
        state=MeetingState.HELD,
        decisions="加快推进装备制造产业园建设。",
    )
    upcoming = Meeting.objects.create(
        mechanism=quarterly,
        sequence=2,
        starts_at=now + datetime.timedelta(days=12),
        planned_for=timezone.localdate() + datetime.timedelta(days=12),
        host_city="yibin",
        location="宜宾市政府",
    )
    status_report_submit(
        item=CooperationItem.objects.get(code="KP-1.1"),
        user=demo_users["cd_coordinator"],
        report=StatusReport(
            status="in_progress", health="at_risk", progress=40, narrative="征地略慢"
        ),
    )
    return {"upcoming": upcoming}


def test_leader_dashboard_briefing_print_and_xlsx(
    page, live_server, login, consultations, tmp_path
):
    login(page, live_server, "leader")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    # Four charts drawn from our own Chart.js, each beside its table.
    expect(page.locator("canvas[data-chart-ready=true]")).to_have_count(4)
    for table in ["status-table", "health-table", "category-table", "city-table"]:
        expect(page.get_by_test_id(table)).to_be_visible()

    # A figure opens the item list it counts, and the list agrees.
    in_progress = page.get_by_test_id("status-table").locator('tr[data-status="in_progress"] a')
    count = in_progress.inner_text()
    in_progress.click()
    expect(page).to_have_url(re.compile(r"/items/\?status=in_progress$"))
    expect(page.get_by_test_id("result-count")).to_contain_text(count)
    page.go_back()

    # The next quarterly consultation's briefing pack.
    page.locator('[data-mechanism="lead-dept-quarterly"]').get_by_test_id("briefing-link").click()
    expect(page).to_have_url(re.compile(rf"/meetings/{consultations['upcoming'].pk}/briefing/$"))
    expect(page.get_by_test_id("pack-state")).to_have_attribute("data-frozen", "false")
    expect(page.locator('tr[data-code="KP-1.1"]')).to_contain_text("40%")
    expect(page.get_by_test_id("reporting-chengdu")).to_contain_text("成都产业集团")

    # Printed on A4: the navigation is left out, and the PDF has pages.
    page.emulate_media(media="print")
    expect(page.locator("header.app-header")).to_be_hidden()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type/Page") >= 1
    page.emulate_media(media="screen")

    with page.expect_download() as download_info:
        page.get_by_test_id("briefing-xlsx").click()
    download = download_info.value
    assert download.suggested_filename.startswith("briefing-lead-dept-quarterly-2-")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    workbook = openpyxl.load_workbook(path)
    codes = [row[0] for row in workbook.worksheets[1].iter_rows(min_row=2, values_only=True)]
    assert "KP-1.1" in codes and len(codes) == 49
