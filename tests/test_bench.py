"""The benchmark's own logic: the dataset it measures on and the arithmetic of its figures.

Speed itself is never asserted here (the machine is shared and noisy): ``make bench`` measures.
"""

import datetime

import pytest
from django.contrib.auth import get_user_model

from bench import report, stats
from bench.accounts import ADMIN
from bench.client import post_forms
from bench.dataset import loop
from bench.dataset.build import anchor_for
from bench.dataset.items import Planner
from bench.dataset.people import People
from bench.harness import Goal, Probe, interleave
from cooperation.choices import City, CompletionState, ReminderKind, ReviewState, Role, Status
from cooperation.models import (
    Acknowledgement,
    Comment,
    CooperationItem,
    Meeting,
    Membership,
    Notification,
    Organization,
    Reminder,
    StatusUpdate,
)
from cooperation.services import system_user

User = get_user_model()

# --- the dataset ---------------------------------------------------------------------------


@pytest.fixture
def dataset(db):
    from bench.dataset import build

    return build.build(seed=7, count=120, day=datetime.date(2026, 6, 1), log=lambda _m: None)


def generated():
    return CooperationItem.objects.filter(code__startswith="G-").order_by("pk")


def test_dataset_has_the_agreement_and_generated_items_on_top(dataset):
    assert CooperationItem.objects.count() == 120
    assert CooperationItem.objects.filter(code="KP-1").exists()
    assert generated().filter(parent__isnull=False).exists(), "sub-items are generated"
    assert Meeting.objects.filter(mechanism__code="lead-dept-quarterly").count() >= 18
    # The calendar's reminders, as generated; the supervision slips of the day add their own.
    slip_notices = Reminder.objects.filter(kind=ReminderKind.SUPERVISION_SLIP)
    assert Reminder.objects.count() - slip_notices.count() == 240
    assert slip_notices.exists(), "the day's supervision slips are issued"


def test_every_generated_item_has_ten_reports_and_a_history_that_ends_where_it_is(dataset):
    for item in generated():
        assert StatusUpdate.objects.filter(item=item).count() == 10
        first = item.history.order_by("history_date", "history_id").first()
        last = item.history.order_by("-history_date", "-history_id").first()
        assert first.history_type == "+"
        assert first.status == Status.NOT_STARTED
        assert (last.status, last.health, last.progress, last.start_date) == (
            item.status,
            item.health,
            item.progress,
            item.start_date,
        )
        latest_report = StatusUpdate.objects.filter(item=item).order_by("-reported_at").first()
        assert (latest_report.status, latest_report.progress) == (item.status, item.progress)
        assert last.history_user_id is not None


def test_dataset_is_the_same_from_the_same_seed(dataset):
    """Each item comes from its own random stream: planning it again gives the same item."""
    stored = {
        code: (title, status, progress)
        for code, title, status, progress in generated().values_list(
            "code", "title_zh", "status", "progress"
        )
    }
    planner = _planner(Planner)
    for index in range(5):
        item = planner.plan(index).item
        assert stored[item.code] == (item.title_zh, item.status, item.progress)


def test_dataset_has_the_supervision_loops_records(dataset):
    """The loop's pages measure real rows: reviews, acknowledgements, a request to confirm on
    the detail item, comments, and notifications for the admin who signs in."""
    reports = StatusUpdate.objects.filter(item__code__startswith="G-")
    assert reports.filter(review_state=ReviewState.ACCEPTED).count() > reports.count() / 2
    first = CooperationItem.objects.get(code=loop.FIRST)
    latest = first.status_updates.order_by("-reported_at").first()
    assert latest.review_state == ReviewState.PENDING
    if first.status in (Status.IN_PROGRESS, Status.SUSPENDED):
        assert first.completion_requests.filter(state=CompletionState.PENDING).exists()
    assert Acknowledgement.objects.filter(item=first).count() == 1 + (
        first.yibin_lead_id is not None
    )
    assert Comment.objects.filter(item=first).exists()
    admin = User.objects.get(username=ADMIN)
    assert Notification.objects.filter(user=admin, reminder__isnull=True).exists()
    # Dated at their sending, not at the build.
    late = anchor_for(datetime.date(2026, 6, 1)) + datetime.timedelta(days=1)
    assert not Notification.objects.filter(created_at__gt=late).exists()


def _planner(planner_class):
    """A planner over the dataset's organisations and coordinators, as the generator had."""
    orgs = list(Organization.objects.exclude(city=City.OTHER).order_by("pk"))
    coordinators = {}
    memberships = Membership.objects.filter(role=Role.COORDINATOR).select_related("user")
    for m in memberships.order_by("pk"):
        if m.user.username.startswith("bench-coord-"):
            coordinators.setdefault(m.organization_id, []).append(m.user)
    people = People(
        chengdu=[o for o in orgs if o.city == City.CHENGDU],
        yibin=[o for o in orgs if o.city == City.YIBIN],
        coordinators=coordinators,
        users=list(User.objects.filter(username__startswith="bench-").order_by("pk")),
    )
    return planner_class(
        seed=7, anchor=anchor_for(datetime.date(2026, 6, 1)), people=people, actor=system_user()
    )


# --- the figures ---------------------------------------------------------------------------


def test_median_and_p95():
    summary = stats.summary([1.0, 2.0, 3.0, 4.0, 100.0])
    assert summary["median"] == 3.0
    assert summary["p95"] == pytest.approx(80.8)
    assert summary["samples"] == [1.0, 2.0, 3.0, 4.0, 100.0]


def test_interleave_warms_up_then_alternates_the_order():
    calls = []

    def probe(name):
        return Probe(name, lambda: calls.append(name) or 1.0)

    a, b = interleave(probe("a"), probe("b"), reps=4, warmup=1)
    assert (len(a), len(b)) == (4, 4)
    assert calls == ["a", "b", "a", "b", "b", "a", "a", "b", "b", "a"]


def test_interleave_of_three_starts_one_further_along_each_round():
    """The reminder measurement times dispatch, the no-op task and the smtplib ceiling in turn:
    each comes first, second and last equally often."""
    calls = []

    def probe(name):
        return Probe(name, lambda: calls.append(name) or len(calls))

    a, b, c = interleave(probe("a"), probe("b"), probe("c"), reps=3, warmup=0)
    assert calls == ["a", "b", "c", "b", "c", "a", "c", "a", "b"]
    assert (a, b, c) == ([1, 6, 8], [2, 4, 9], [3, 5, 7])  # each its own samples


def test_goals():
    assert Goal("<=", 1.5, "").met(1.5)
    assert not Goal("<", 1, "").met(1.0)
    assert Goal(">=", 0.5, "").met(0.7)


def test_readme_section_replaced_between_the_markers_only(tmp_path, monkeypatch):
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\nintro\n\n{report.START}\nold\n{report.END}\n\n## After\n")
    monkeypatch.setattr(report, "README", readme)
    report.update_readme(f"{report.START}\nnew table\n{report.END}")
    assert readme.read_text() == (
        f"# Title\n\nintro\n\n{report.START}\nnew table\n{report.END}\n\n## After\n"
    )


def test_form_parser_submits_what_a_browser_would():
    html = """
    <form method="get"><input name="q" value="ignored"></form>
    <form method="post" action="/items/5/update/">
      <input type="hidden" name="csrfmiddlewaretoken" value="tok">
      <input type="hidden" name="version" value="11">
      <select name="status"><option value="not_started">a</option>
        <option value="in_progress" selected>b</option></select>
      <input type="radio" name="health" value="on_track" checked>
      <input type="radio" name="health" value="at_risk">
      <input type="number" name="progress" value="40">
      <textarea name="narrative">按计划 &amp; 推进</textarea>
      <input type="checkbox" name="milestones_done" value="3">
      <button type="submit">Save</button>
    </form>"""
    (form,) = post_forms(html)
    assert form.action == "/items/5/update/"
    assert form.fields == {
        "csrfmiddlewaretoken": ["tok"],
        "version": ["11"],
        "status": ["in_progress"],
        "health": ["on_track"],
        "progress": ["40"],
        "narrative": ["按计划 & 推进"],
    }
    assert form.choices["milestones_done"] == ["3"]
