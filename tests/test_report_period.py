"""The period report (季度推进情况) of Q1 2026, computed by hand from a dated story."""

import datetime
import io

import openpyxl
import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from cooperation.choices import Category, Health, Role, Status
from cooperation.models import CooperationItem
from cooperation.reports.period import HEALTH_WORSE, TARGET_PASSED, Period, recent_periods
from cooperation.reports.selectors import period_report
from cooperation.services import StatusReport, item_update, status_report_submit

from .report_data import build_world

pytestmark = pytest.mark.django_db


def at(*args):
    """A moment in Beijing time."""
    return timezone.make_aware(datetime.datetime(*args), timezone.get_default_timezone())


def travel(moment):
    return time_machine.travel(moment, tick=False)


def submit(code, user, **fields):
    item = CooperationItem.objects.get(code=code)
    values = {"status": item.status, "health": item.health, "progress": item.progress}
    values.update(fields)
    status_report_submit(item=item, user=user, report=StatusReport(narrative="说明", **values))


def change(code, user, **fields):
    item_update(item=CooperationItem.objects.get(code=code), user=user, reason="t", fields=fields)


@pytest.fixture
def story(make_user):
    with travel(at(2025, 12, 15, 10)):
        world = build_world()
        orgs = world["orgs"]
        CooperationItem.objects.create(
            agreement=world["agreement"],
            code="S3",
            category=Category.SPECIAL_AGREEMENT,
            title_zh="S3事项",
            chengdu_lead=orgs["cd-a"],
            yibin_lead=orgs["yb-b"],
            target_date=datetime.date(2026, 2, 15),
            sort_order=2,
        )
    cd = make_user("cd", org=orgs["cd-a"], role=Role.COORDINATOR)
    yb = make_user("yb", org=orgs["yb-a"], role=Role.COORDINATOR)
    boss = make_user("boss", org=orgs["cd-a"], role=Role.SUPERVISOR)
    with travel(at(2026, 1, 10, 9)):
        change("K2", boss, status=Status.IN_PROGRESS)
    with travel(at(2026, 2, 1, 9)):
        change("S1", boss, health=Health.AT_RISK)
    with travel(at(2026, 2, 5, 9)):  # created in the quarter: one already under way
        for code, status in [("N1", Status.IN_PROGRESS), ("N2", Status.NOT_STARTED)]:
            CooperationItem.objects.create(
                agreement=world["agreement"],
                code=code,
                category=Category.SPECIAL_AGREEMENT,
                title_zh=f"{code}事项",
                status=status,
                sort_order=2,
            )
    with travel(at(2026, 2, 10, 9)):
        submit("K1", yb)
        change("N2", boss, status=Status.IN_PROGRESS)
    with travel(at(2026, 3, 1, 9)):
        submit("K1.1", cd, status=Status.COMPLETED, progress=100)
    with travel(at(2026, 4, 5, 9)):  # the next quarter: not in the Q1 report
        change("K2", boss, health=Health.ON_TRACK)
        submit("S1", cd)
    return world


def codes(rows):
    return [row.item.code for row in rows]


def organisations(report):
    return {
        org.name: (len(org.expected), org.updates, org.reported, org.missing)
        for city in report.reporting
        for org in city["organizations"]
    }


def test_q1_figures(story, make_user):
    viewer = make_user("viewer", role=Role.VIEWER)
    with travel(at(2026, 5, 1, 12)):
        report = period_report(period=Period.parse("2026-Q1"), user=viewer)
    assert not report.partial
    assert codes(report.completed) == ["K1.1"]
    assert codes(report.started) == ["K2", "N2"]  # N1 was created in progress
    assert codes(report.slipped) == ["S1", "S3"]
    reasons = {row.item.code: row.reasons for row in report.slipped}
    assert reasons == {"S1": [HEALTH_WORSE], "S3": [TARGET_PASSED]}
    assert report.updates == 2
    # Top-level items at the start: K1 88 (weight 2), K2 0, S1 30, S2 100, C1 20, S3 0 → 47;
    # at the end K1 rolls up to 100 and N1, N2 (0) join: 350 / 9 → 39.
    assert (report.progress_before, report.progress_after) == (47, 39)
    # A report counts for every owner of its item (K1 and K1.1 are cd-a's and yb-a's).
    assert organisations(report) == {
        "cd-a简称": (4, 2, True, ["S1", "S3"]),
        "yb-a简称": (2, 2, True, []),
        "cd-b简称": (2, 0, False, ["K2", "C1"]),
        "yb-b简称": (2, 0, False, ["K2", "S3"]),
    }
    cities = {city["city"]: [o.name for o in city["silent"]] for city in report.reporting}
    assert cities == {"chengdu": ["cd-b简称"], "yibin": ["yb-b简称"]}


def test_current_quarter_is_partial(story, make_user):
    viewer = make_user("viewer", role=Role.VIEWER)
    with travel(at(2026, 4, 20, 12)):
        report = period_report(period=Period.parse("2026-Q2"), user=viewer)
    assert report.partial
    assert report.end == at(2026, 4, 20, 12)
    assert codes(report.completed) == [] and report.updates == 1


def test_periods_parse_and_bounds():
    q = Period.parse("2026-q3")
    assert (q.key, q.start, q.end) == ("2026-Q3", at(2026, 7, 1), at(2026, 10, 1))
    assert Period.parse("2026-12").end == at(2027, 1, 1)
    assert Period.parse("2025").start == at(2025, 1, 1)
    half = Period.parse("2026-h2")
    assert (half.key, half.kind, half.start, half.end) == (
        "2026-H2",
        "half",
        at(2026, 7, 1),
        at(2027, 1, 1),
    )
    for bad in ["", "2026-Q5", "2026-13", "26", "2019", "2026-Q1; DROP", "2026-H3"]:
        with pytest.raises(ValueError):
            Period.parse(bad)
    # Lists start with the period that holds the agreement's signing (13 May 2020).
    quarters = recent_periods("quarter", datetime.date(2020, 8, 1))
    assert [p.key for p in quarters] == ["2020-Q3", "2020-Q2"]
    halves = recent_periods("half", datetime.date(2021, 8, 1))
    assert [p.key for p in halves] == ["2021-H2", "2021-H1", "2020-H2", "2020-H1"]
    assert [p.key for p in recent_periods("year", datetime.date(2022, 1, 1))] == [
        "2022",
        "2021",
        "2020",
    ]
    assert recent_periods("month", datetime.date(2020, 6, 3))[-1].key == "2020-05"


def test_period_lists_start_at_the_agreements_date(agreement):
    from cooperation.models import Agreement
    from cooperation.reports.period import AGREEMENT_SIGNED

    signed = Agreement.objects.filter(mechanisms__isnull=False).distinct().get().signed_on
    assert signed == AGREEMENT_SIGNED


@pytest.fixture
def leader(make_user):
    user = make_user("leader", role=Role.VIEWER)
    user.user_permissions.add(Permission.objects.get(codename="view_reports"))
    return user


def test_page_and_xlsx(story, leader, client):
    client.force_login(leader)
    with travel(at(2026, 5, 1, 12)):
        page = client.get(reverse("cooperation:report_period"), {"period": "2026-Q1"})
        download = client.get(reverse("cooperation:report_period_xlsx"), {"period": "2026-Q1"})
        workbook = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-summary="completed">1<' in html and 'data-summary="slipped">2<' in html
    assert download["Content-Disposition"].startswith('attachment; filename="quarter-2026-Q1-')
    with travel(at(2026, 8, 1, 12)):
        half = client.get(reverse("cooperation:report_period"), {"period": "2026-H1"})
        year = client.get(reverse("cooperation:report_period_xlsx"), {"period": "2026"})
    assert half.status_code == 200 and "2026年上半年" in half.content.decode()
    assert 'data-summary="completed">1<' in half.content.decode()
    assert year["Content-Disposition"].startswith('attachment; filename="year-2026-')
    summary = [
        value for _label, value in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)
    ]
    # Period, from, until, items, completed, started, slipped, updates, progress before/after.
    assert summary[3:] == [11, 1, 2, 2, 2, 47, 39]
    slipped = list(workbook.worksheets[3].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in slipped] == ["S1", "S3"]


def test_bad_period_is_refused_with_a_message(leader, client):
    client.force_login(leader)
    page = client.get(reverse("cooperation:report_period"), {"period": "2031-Q9"})
    assert page.status_code == 400
    assert "2020" in page.content.decode()  # "Choose a period between ... (May 2020) ..."
    download = client.get(reverse("cooperation:report_period_xlsx"), {"period": "x"})
    assert download.status_code == 302
