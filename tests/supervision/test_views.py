"""Slip and scorecard pages: the URL × role matrix (refused requests change nothing),
feedback through the pages, the scorecard's figures and links, its XLSX, query counts."""

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cooperation.choices import ReviewState
from cooperation.models import Organization, StatusUpdate
from cooperation.models.supervision import SlipFeedback, SupervisionSlip
from cooperation.supervision.slips import slips_run_daily
from tests.meetings.helpers import local

from .conftest import open_item

pytestmark = pytest.mark.django_db
ROLES = ["anonymous", "viewer", "leader", "cd_coord", "yb_coord", "supervisor"]
USERS = {"leader": "yb_leader", "supervisor": "cd_sup"}


@pytest.fixture
def slip(people, quiet, time_machine):
    time_machine.move_to(local(2026, 12, 4, 10, 0), tick=False)
    open_item("SP-7", target_date=datetime.date(2026, 12, 8))
    slips_run_daily(now=local(2026, 12, 4, 8, 0))
    return SupervisionSlip.objects.get()


def sign_in(client, people, role):
    client.logout()
    if role != "anonymous":
        client.force_login(people[USERS.get(role, role)])
    return client


def state(slip_pk):
    slip = SupervisionSlip.objects.get(pk=slip_pk)
    return (slip.state, slip.feedback_due, SlipFeedback.objects.count(),
            slip.history.count())  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_slip_pages_matrix(client, people, slip, role):
    sign_in(client, people, role)
    for url in (reverse("cooperation:slip_list"), slip.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == (302 if role == "anonymous" else 200), url
    if role == "anonymous":
        return
    page = client.get(slip.get_absolute_url()).content.decode()
    assert "成宜督〔2026〕1号" in page and "data-print" in page
    # Only the addressed coordinators see the feedback form.
    assert ('data-testid="send-feedback"' in page) == (role in ("cd_coord", "yb_coord"))


@pytest.mark.parametrize("role", ROLES)
def test_feedback_post_matrix(client, people, slip, role):
    org = Organization.objects.get(code="cdig" if role != "yb_coord" else "yibin-lingang-etdz")
    before = state(slip.pk)
    sign_in(client, people, role)
    url = reverse("cooperation:slip_feedback", args=[slip.pk])
    response = client.post(url, {"organization": org.pk, "text": "已完成选址"})
    if role in ("cd_coord", "yb_coord"):
        assert response.status_code == 302
        assert SlipFeedback.objects.get().organization == org
        assert SupervisionSlip.objects.get().state == "answered"
    else:
        assert response.status_code == (302 if role == "anonymous" else 403)
        assert state(slip.pk) == before
    # GET never changes anything.
    assert client.get(url).status_code in (302, 405)


@pytest.mark.parametrize("role", ROLES)
def test_review_post_matrix(client, people, slip, role):
    sign_in(client, people, "cd_coord").post(
        reverse("cooperation:slip_feedback", args=[slip.pk]),
        {"organization": Organization.objects.get(code="cdig").pk, "text": "已完成"},
    )
    before = state(slip.pk)
    sign_in(client, people, role)
    url = reverse("cooperation:slip_review", args=[slip.pk])
    response = client.post(url, {"decision": "accept"})
    if role == "supervisor":
        assert response.status_code == 302
        assert SupervisionSlip.objects.get().closure == "feedback_accepted"
    else:
        assert response.status_code == (302 if role == "anonymous" else 403)
        assert state(slip.pk) == before


def test_bad_feedback_is_refused_with_a_translated_error_and_keeps_the_text(client, people, slip):
    sign_in(client, people, "cd_coord")
    org = Organization.objects.get(code="cdig")
    url = reverse("cooperation:slip_feedback", args=[slip.pk])
    response = client.post(url, {"organization": org.pk, "text": "长" * 4001})
    assert response.status_code == 400
    assert "长" * 100 in response.content.decode()
    assert "4000" in response.content.decode()
    assert SlipFeedback.objects.count() == 0
    response = client.post(url, {"organization": 999999, "text": "x"})
    assert response.status_code == 400 and SlipFeedback.objects.count() == 0
    sign_in(client, people, "supervisor")
    SlipFeedback.objects.create(slip=slip, organization=org, author=people["cd_coord"], text="x")
    SupervisionSlip.objects.filter(pk=slip.pk).update(state="answered")
    response = client.post(reverse("cooperation:slip_review", args=[slip.pk]),
                           {"decision": "return", "note": ""})  # fmt: skip
    assert response.status_code == 400
    assert "说明退回的原因" in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_scorecard_matrix(client, people, slip, role):
    sign_in(client, people, role)
    urls = [
        reverse("cooperation:scorecard") + "?period=2026-Q4",
        reverse("cooperation:scorecard_xlsx") + "?period=2026-H2",
        reverse("cooperation:scorecard_rows") + "?period=2026&figure=slips_blue&city=chengdu",
    ]
    for url in urls:
        response = client.get(url)
        expected = {"anonymous": 302, "leader": 200, "supervisor": 200}.get(role, 403)
        assert response.status_code == expected, url


def test_scorecard_figures_link_to_the_rows_they_count_and_export(client, people, slip):
    cdig = Organization.objects.get(code="cdig")
    item = slip.item
    for day, review in ((1, ReviewState.RETURNED), (2, ReviewState.ACCEPTED)):
        StatusUpdate.objects.create(
            item=item, author=people["cd_coord"], organization=cdig, status="in_progress",
            health="on_track", progress=50, review_state=review, return_reason="缺数据",
            reported_at=local(2026, 11, day, 9, 0), reviewed_at=local(2026, 11, day + 2, 9, 0),
        )  # fmt: skip
    sign_in(client, people, "supervisor")
    response = client.get(reverse("cooperation:scorecard"), {"period": "2026-Q4"})
    card = response.context["card"]
    row = next(r for r in card.organizations if r.key == str(cdig.pk))
    assert row.values["reports"] == 2 and row.values["returned"] == 1
    assert row.values["review_days"] == 2.0
    assert row.values["slips_blue"] == 1 and row.values["slips_answered"] == 0
    assert row.values["overdue"] == 0
    chengdu = next(r for r in card.cities if r.key == "chengdu")
    assert chengdu.values["slips_blue"] == 1
    page = response.content.decode()
    assert "考评" in page and "报送次数" in page
    assert 'data-testid="scorecard-rules"' in page
    # Every figure's link opens the rows it counts (the item list for overdue items).
    for current in (row, chengdu):
        for key, value in current.values.items():
            if key == "overdue" or value is None or key.endswith("_days"):
                continue
            opened = client.get(current.links[key])
            assert opened.status_code == 200, key
            assert opened.context["count"] == value, key
    xlsx = client.get(reverse("cooperation:scorecard_xlsx"), {"period": "2026-Q4"})
    book = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)), read_only=True)
    sheets = book.sheetnames
    assert len(sheets) == 3
    rows = list(book[sheets[0]].iter_rows(values_only=True))
    assert rows[0][0] == "单位" and rows[0][1] == "报送次数"
    found = next(r for r in rows if r[0] == cdig.short_name)
    assert found[1] == 2


def test_invalid_period_is_a_translated_error(client, people, slip):
    sign_in(client, people, "supervisor")
    response = client.get(reverse("cooperation:scorecard"), {"period": "1999-Q9"})
    assert response.status_code == 400
    assert "请从列表中选择" in response.content.decode()
    response = client.get(reverse("cooperation:scorecard_rows"), {"figure": "nope"})
    assert response.status_code == 302


def test_slip_list_queries_do_not_grow(client, people, quiet, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cooperation.models import CooperationItem

    items = list(CooperationItem.objects.order_by("pk"))

    def make(n, start):
        for i, item in enumerate(items[start : start + n]):
            s = SupervisionSlip.objects.create(
                year=2026, sequence=start + i + 1, item=item, colour="blue",
                cause="deadline_near", feedback_due=datetime.date(2026, 12, 9),
            )  # fmt: skip
            s.addressed_to.set(Organization.objects.order_by("pk")[:2])

    sign_in(client, people, "supervisor")
    make(3, 0)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("cooperation:slip_list"))
    make(40, 3)
    with django_assert_num_queries(len(few)):
        response = client.get(reverse("cooperation:slip_list"))
    assert len(response.context["slips"]) == 43


def test_bad_query_strings_are_refused_cleanly(client, people, slip):
    sign_in(client, people, "supervisor")
    rows = reverse("cooperation:scorecard_rows")
    for org in ("99999999999999999999999", "１２", "-1", "abc"):
        response = client.get(rows, {"period": "2026", "figure": "reports", "org": org})
        assert response.status_code == 302, org
    for value in ("99999999999999999999999", "1.5", "x"):
        response = client.get(reverse("cooperation:slip_list"), {"organization": value})
        assert response.status_code == 200
        assert response.context["filter"].form.errors


def test_dashboard_and_briefing_show_slips_lights_and_pending(client, people, slip, settings):
    from cooperation.models import CompletionRequest

    cdig = Organization.objects.get(code="cdig")
    StatusUpdate.objects.create(
        item=slip.item, author=people["cd_coord"], organization=cdig, status="in_progress",
        health="on_track", progress=50, reported_at=local(2026, 12, 3, 9, 0),
    )  # fmt: skip
    sign_in(client, people, "leader")
    response = client.get(reverse("cooperation:dashboard"))
    figures = response.context["figures"]
    slips = {f["key"]: f for f in figures["supervision"]["slips"]}
    assert slips["blue"]["value"] == 1 and slips["red"]["value"] == 0
    opened = client.get(slips["blue"]["url"])
    assert [s.pk for s in opened.context["slips"]] == [slip.pk]
    review = figures["supervision"]["awaiting_review"]
    assert review["value"] == 1
    assert [i.code for i in client.get(review["url"]).context["items"]] == ["SP-7"]
    lights = {f.key: f for f in figures["lights"]}
    assert lights["yellow"].value >= 1
    page = response.content.decode()
    assert 'data-testid="supervision-overview"' in page and "督办单" in page
    # A new slip shows at once: the cached figures follow the data version.
    SupervisionSlip.objects.filter(pk=slip.pk).update(colour="red")  # a raw write: no history
    slip.refresh_from_db()
    slip.state = "open"
    slip._change_reason = "test"
    slip.save()
    figures = client.get(reverse("cooperation:dashboard")).context["figures"]
    assert {f["key"]: f["value"] for f in figures["supervision"]["slips"]}["red"] == 1
    assert CompletionRequest.objects.count() == 0


def test_the_cached_scorecard_follows_every_change_and_the_language(client, people, slip, settings):
    settings.CHENGYI_DASHBOARD_CACHE_SECONDS = 600
    cdig = Organization.objects.get(code="cdig")
    sign_in(client, people, "supervisor")

    def reports():
        response = client.get(reverse("cooperation:scorecard"), {"period": "2026-Q4"})
        row = next(r for r in response.context["card"].organizations if r.key == str(cdig.pk))
        return row.values["reports"], response.content.decode()

    assert reports()[0] == 0
    StatusUpdate.objects.create(
        item=slip.item, author=people["cd_coord"], organization=cdig, status="in_progress",
        health="on_track", progress=50, reported_at=local(2026, 11, 3, 9, 0),
    )  # fmt: skip
    count, page = reports()
    assert count == 1 and "报送次数" in page  # the new report counts at once
    client.cookies["django_language"] = "en"
    count, page = reports()
    assert count == 1 and "Reports submitted" in page and "报送次数" not in page
