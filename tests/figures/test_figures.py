"""Issue 14, points 1–6: the figures leaders read (baseline, status call, who reported,
never reported, one form = one report, the site's address)."""

import datetime
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cooperation import selectors
from cooperation.choices import Health, MeetingState, Role, Status
from cooperation.meetings import planning, reminders
from cooperation.meetings.dispatch import reminders_dispatch_due
from cooperation.models import (
    ConsultationMechanism,
    CooperationItem,
    Meeting,
    Organization,
    StatusUpdate,
)
from cooperation.reports.dashboard import last_consultation
from cooperation.reports.period import Period, period_report
from cooperation.reports.selectors import briefing_pack, dashboard_figures
from cooperation.services import StatusReport, item_update, status_report_submit
from tests.meetings.helpers import local

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent.parent


def meeting(mechanism, starts_at, *, sequence=None, state=MeetingState.PLANNED):
    return Meeting.objects.create(
        mechanism=mechanism,
        sequence=sequence,
        starts_at=starts_at,
        planned_for=timezone.localdate(starts_at),
        host_city="chengdu",
        state=state,
        minutes="纪要" if state == MeetingState.HELD else "",
    )


def report(user, code, **fields):
    item = CooperationItem.objects.get(code=code)
    values = {"status": Status.IN_PROGRESS, "health": Health.ON_TRACK, "progress": 10} | fields
    return status_report_submit(item=item, user=user, report=StatusReport(**values))


# --- 1. the baseline is a meeting that has started, never one still ahead --------------------


def test_briefing_baseline_ignores_an_extra_meeting_still_ahead(
    agreement, make_user, superuser, time_machine
):
    quarterly = ConsultationMechanism.objects.get(code="lead-dept-quarterly")
    time_machine.move_to(local(2026, 11, 20, 10, 0), tick=False)
    held = meeting(quarterly, local(2026, 9, 15, 9, 30), sequence=26, state=MeetingState.HELD)
    meeting(quarterly, local(2026, 11, 27, 9, 30))  # an extra meeting, still ahead
    consultation = meeting(quarterly, local(2026, 12, 15, 9, 30), sequence=27)
    report(make_user("cd", org="cdig"), "KP-1")  # reported today
    time_machine.move_to(local(2026, 11, 20, 11, 0), tick=False)

    pack = briefing_pack(meeting=consultation, user=superuser)
    assert pack.window_start == held.starts_at
    assert pack.previous["id"] == held.pk
    rows = {row.code: row for row in pack.scoped}
    assert rows["KP-1"].reported
    assert pack.summary["reported"] >= 1
    # The dashboard's "since the last consultation" follows the same rule.
    assert last_consultation(timezone.now()) == held


def test_a_meeting_of_the_past_compares_with_the_meeting_before_it(agreement, time_machine):
    quarterly = ConsultationMechanism.objects.get(code="lead-dept-quarterly")
    time_machine.move_to(local(2026, 11, 20, 10, 0), tick=False)
    first = meeting(quarterly, local(2026, 6, 15, 9, 30), sequence=25, state=MeetingState.HELD)
    second = meeting(quarterly, local(2026, 9, 15, 9, 30), sequence=26, state=MeetingState.HELD)
    from cooperation.meetings.selectors import previous_meeting

    assert previous_meeting(second) == first
    assert previous_meeting(first) is None


# --- 2. the status call cites only a meeting that exists ------------------------------------


def test_status_call_without_an_earlier_meeting_says_since_recording_started(
    agreement, make_user, settings, time_machine
):
    settings.CHENGYI_STALE_DAYS = settings.CHENGYI_ESCALATION_DAYS = 10_000
    make_user("yb_coord", org="yibin-lingang-etdz", role=Role.COORDINATOR)
    time_machine.move_to(local(2026, 11, 20, 9, 0), tick=False)
    planning.meetings_plan_all()
    assert not Meeting.objects.filter(starts_at__lt=timezone.now()).exists()
    time_machine.move_to(local(2026, 11, 24, 9, 30), tick=False)  # 21 days before 15 Dec
    reminders.reminders_plan_all()
    reminders_dispatch_due()
    calls = [m for m in mail.outbox if m.to == ["yb_coord@example.com"]]
    assert calls, "the status call went out"
    body = calls[0].body
    assert "自系统开始记录以来" in body
    assert "上次会商" not in body and "2026年9月15日" not in body


def test_status_call_cites_the_previous_meeting_on_record(
    agreement, make_user, settings, time_machine
):
    settings.CHENGYI_STALE_DAYS = settings.CHENGYI_ESCALATION_DAYS = 10_000
    make_user("yb_coord", org="yibin-lingang-etdz", role=Role.COORDINATOR)
    time_machine.move_to(local(2026, 11, 20, 9, 0), tick=False)
    planning.meetings_plan_all()
    quarterly = ConsultationMechanism.objects.get(code="lead-dept-quarterly")
    meeting(quarterly, local(2026, 10, 9, 9, 30), state=MeetingState.HELD)  # an extra one
    time_machine.move_to(local(2026, 11, 24, 9, 30), tick=False)
    reminders.reminders_plan_all()
    reminders_dispatch_due()
    (call,) = [
        m for m in mail.outbox if m.to == ["yb_coord@example.com"] and "报送进展" in m.subject
    ]
    assert "自上次会商（2026年10月9日）以来" in call.body


# --- 3. who reported: the item's owners, not the reporter's organisation ---------------------


def test_quarterly_report_credits_the_items_owners(agreement, make_user, client, time_machine):
    time_machine.move_to(local(2026, 11, 20, 10, 0), tick=False)
    exchange = Organization.objects.get(code="tianfu-commodity-exchange")  # owns no item
    reporter = make_user("sup", org=exchange, role=Role.SUPERVISOR)
    report(reporter, "KP-1")
    time_machine.move_to(local(2026, 11, 20, 11, 0), tick=False)
    leader = make_user("leader", org="chengdu-gov", role=Role.SUPERVISOR)
    result = period_report(period=Period.parse("2026-Q4"), user=leader)
    orgs = {org.id: org for city in result.reporting for org in city["organizations"]}
    cdig = Organization.objects.get(code="cdig")
    lingang = Organization.objects.get(code="yibin-lingang-etdz")
    government = Organization.objects.get(code="chengdu-gov")
    assert (orgs[cdig.pk].updates, orgs[cdig.pk].reported) == (1, True)
    assert (orgs[lingang.pk].updates, orgs[lingang.pk].reported) == (1, True)
    assert "KP-1" not in orgs[cdig.pk].missing
    assert orgs[government.pk].updates == 0  # owns CP-1, which nobody reported on
    assert exchange.pk not in orgs  # owns nothing: not listed
    client.force_login(leader)
    page = client.get(reverse("cooperation:report_period"), {"period": "2026-Q4"})
    assert "计入该事项的每个责任单位" in page.content.decode()


# --- 4. never reported is its own figure; stale counts from the assignment -----------------


def test_never_reported_items_have_their_own_figure_and_filter(agreement, make_user, client):
    viewer = make_user("viewer", org="yibin-gov", role=Role.VIEWER)
    report(make_user("cd", org="cdig"), "KP-1")
    figures = dashboard_figures(user=viewer)
    assert figures["stale"].value == 0
    assert figures["never_reported"].value == 48
    client.force_login(viewer)
    listed = client.get(reverse("cooperation:item_list"), {"never_reported": "1"})
    assert listed.context["filter"].qs.count() == 48
    assert figures["never_reported"].url.endswith("never_reported=1")
    page = client.get(reverse("cooperation:dashboard")).content.decode()
    assert "所有未办结事项近期均已报送进展" not in page
    assert "48 项未办结事项从未报送进展" in page


def test_a_never_reported_item_turns_stale_counting_from_its_assignment(
    agreement, make_user, settings, time_machine
):
    settings.CHENGYI_STALE_DAYS = 30
    admin = make_user("boss", org="chengdu-gov", role=Role.SUPERVISOR)
    time_machine.move_to(local(2026, 9, 1, 10, 0), tick=False)
    item = CooperationItem.objects.create(
        agreement_id=CooperationItem.objects.get(code="KP-1").agreement_id,
        code="X-1",
        category="other",
        title_zh="后来交办的事项",
    )
    time_machine.move_to(local(2026, 10, 20, 10, 0), tick=False)  # assigned 49 days later
    item_update(
        item=item,
        user=admin,
        reason="assign",
        fields={"chengdu_lead": Organization.objects.get(code="cdig")},
    )
    stale = lambda at: set(  # noqa: E731
        selectors.stale_items(now=at).values_list("code", flat=True)
    )
    assert "X-1" not in stale(local(2026, 11, 1, 10, 0))  # 12 days after its assignment
    assert "X-1" in stale(local(2026, 11, 20, 10, 0))  # 31 days after


# --- 5. one form = one report (Back, then submit again) ------------------------------------


def form_values(html: str) -> dict:
    return dict(re.findall(r'name="(version|submission_token)" value="([^"]*)"', html))


def test_a_status_report_form_sent_twice_saves_one_report(agreement, make_user, client):
    owner = make_user("cd", org="cdig")
    item = CooperationItem.objects.get(code="KP-1.1")
    url = reverse("cooperation:item_update", args=[item.pk])
    client.force_login(owner)
    hidden = form_values(client.get(url).content.decode())  # what the browser sends back
    data = {"status": Status.IN_PROGRESS, "health": Health.ON_TRACK, "progress": 20, **hidden}
    data["narrative"] = "已完成选址"
    assert client.post(url, data).status_code == 302
    # Back, then submit again (the refused form would come back with the item's new version).
    again = client.post(url, {**data, "version": item.version + 1}, follow=True)
    assert StatusUpdate.objects.filter(item=item).count() == 1
    assert uuid.UUID(hidden["submission_token"])
    assert "已经提交并保存" in again.content.decode()
    assert again.redirect_chain[-1][0].endswith(f"#update-{StatusUpdate.objects.get().pk}")
    # A new form (a new token) reports again.
    fresh = form_values(client.get(url).content.decode())
    assert fresh["submission_token"] != hidden["submission_token"]
    assert client.post(url, {**data, **fresh}).status_code == 302
    assert StatusUpdate.objects.filter(item=item).count() == 2


def test_a_meeting_form_sent_twice_creates_one_meeting(agreement, make_user, client):
    supervisor = make_user("boss", org="chengdu-gov", role=Role.SUPERVISOR)
    client.force_login(supervisor)
    url = reverse("cooperation:meeting_create")
    token = re.findall(r'name="submission_token" value="([^"]+)"', client.get(url).content.decode())
    quarterly = ConsultationMechanism.objects.get(code="lead-dept-quarterly")
    day = timezone.localdate() + datetime.timedelta(days=30)
    data = {
        "mechanism": quarterly.pk,
        "date": day.isoformat(),
        "time": "10:00",
        "host_city": "chengdu",
        "location": "会议室",
        "agenda": "",
        "submission_token": "".join(token),  # as the page gave it
    }
    before = Meeting.objects.count()
    assert client.post(url, data).status_code == 302
    second = client.post(url, data, follow=True)
    assert Meeting.objects.count() == before + 1
    assert "已经提交并保存" in second.content.decode()


# --- 6. one setting for the site's address ---------------------------------------------------


def test_make_run_sets_the_site_address_from_port():
    plan = subprocess.run(
        ["make", "-n", "run", "PORT=8111"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    (server,) = [line for line in plan.splitlines() if "run_dev.sh" in line]
    assert "CHENGYI_SITE_URL=http://127.0.0.1:8111" in server


def test_production_refuses_to_start_without_the_site_address():
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "x" * 60,
        "DJANGO_ALLOWED_HOSTS": "tracker.example.gov.cn",
        "DATABASE_URL": "sqlite:///:memory:",
    }
    check = [sys.executable, "manage.py", "check"]
    missing = subprocess.run(check, cwd=ROOT, env=env, capture_output=True, text=True)
    assert missing.returncode != 0
    assert "CHENGYI_SITE_URL" in missing.stderr
    env["CHENGYI_SITE_URL"] = "https://tracker.example.gov.cn"
    given = subprocess.run(check, cwd=ROOT, env=env, capture_output=True, text=True)
    assert given.returncode == 0, given.stderr


def test_links_in_calendars_use_the_site_address(agreement, make_user, settings):
    from cooperation.meetings import calendar

    settings.CHENGYI_SITE_URL = "http://127.0.0.1:8111"
    quarterly = ConsultationMechanism.objects.get(code="lead-dept-quarterly")
    upcoming = meeting(quarterly, timezone.now() + datetime.timedelta(days=3))
    event = calendar.meeting_event(upcoming, stamp=timezone.now())
    assert str(event["url"]).startswith("http://127.0.0.1:8111/")
