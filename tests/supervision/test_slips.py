"""The daily supervision slip run: issue, number, address, notify, escalate, close."""

import datetime
import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.utils import OperationalError

from cooperation.choices import NoticeKind, ReminderKind, ReviewState, Status
from cooperation.models import (
    Acknowledgement,
    Milestone,
    NotificationPreference,
    Organization,
    Reminder,
    StatusUpdate,
)
from cooperation.models.supervision import (
    SlipCause,
    SlipClosure,
    SlipColour,
    SlipNumber,
    SlipState,
    SupervisionSlip,
)
from cooperation.supervision.feedback import slip_feedback_review, slip_feedback_submit
from cooperation.supervision.slips import slips_run_daily
from tests.meetings.helpers import local

from .conftest import TODAY, open_item, set_item

pytestmark = pytest.mark.django_db


def run(day=TODAY, hour=8):
    return slips_run_daily(now=local(day.year, day.month, day.day, hour, 0))


def slip_recipients(slip) -> set[str]:
    return set(
        Reminder.objects.filter(
            kind=ReminderKind.SUPERVISION_SLIP, context__slip=slip.pk
        ).values_list("recipient__username", flat=True)
    )


def immediate(user, *kinds):
    NotificationPreference.objects.create(user=user, immediate_kinds=list(kinds))


def test_each_colour_for_its_cause_numbered_without_gaps(people, quiet, time_machine):
    time_machine.move_to(local(2026, 12, 4, 8, 0), tick=False)
    open_item("SP-7", target_date=datetime.date(2026, 12, 8))  # 2nd working day: blue
    open_item("SP-6", target_date=datetime.date(2026, 11, 30))  # passed: red
    # 92% of the time passed, 50% done: yellow (behind the time line), no deadline near.
    open_item(
        "SP-3.1", start_date=datetime.date(2026, 1, 1), target_date=datetime.date(2027, 1, 31)
    )

    result = run()

    slips = {s.item.code: s for s in SupervisionSlip.objects.select_related("item")}
    assert result.as_dict() == {"issued": 3, "escalated": 0, "closed": 0}
    assert (slips["SP-7"].colour, slips["SP-7"].cause) == (SlipColour.BLUE, SlipCause.DEADLINE_NEAR)
    assert (slips["SP-6"].colour, slips["SP-6"].cause) == (SlipColour.RED, SlipCause.OVERDUE)
    assert (slips["SP-3.1"].colour, slips["SP-3.1"].cause) == (
        SlipColour.YELLOW,
        SlipCause.BEHIND_SCHEDULE,
    )
    assert sorted(s.sequence for s in slips.values()) == [1, 2, 3]
    assert {s.number for s in slips.values()} == {f"成宜督〔2026〕{n}号" for n in (1, 2, 3)}
    # Feedback is due three mainland working days later: Wednesday 9 December.
    assert {s.feedback_due for s in slips.values()} == {datetime.date(2026, 12, 9)}
    assert sorted(o.code for o in slips["SP-7"].addressed_to.all()) == [
        "cdig",
        "yibin-lingang-etdz",
    ]
    # History: who issued it and why.
    first = slips["SP-7"].history.earliest()
    assert first.history_user.username == "chengyi-system"
    assert first.history_change_reason == "Supervision slip issued"

    # The next day's run finds them all open: nothing new, no number used.
    assert run(datetime.date(2026, 12, 5)).as_dict()["issued"] == 0
    assert SlipNumber.objects.get(year=2026).last == 3


def test_red_reaches_coordinators_supervisors_and_both_cities_leaders_at_once(
    people, quiet, time_machine
):
    time_machine.move_to(local(2026, 12, 4, 8, 0), tick=False)
    open_item("SP-7", target_date=datetime.date(2026, 11, 30))
    run()
    slip = SupervisionSlip.objects.get()
    assert slip.colour == SlipColour.RED
    assert slip_recipients(slip) == {"cd_coord", "yb_coord", "cd_sup", "yb_sup",
                                     "cd_leader", "yb_leader"}  # fmt: skip
    assert "viewer" not in slip_recipients(slip) and "other" not in slip_recipients(slip)
    assert Reminder.objects.filter(state="pending", due_at__lte=local(2026, 12, 4, 8, 0)).exists()


def test_blue_goes_to_the_digest_unless_chosen_at_once(people, quiet, time_machine):
    time_machine.move_to(local(2026, 12, 4, 8, 0), tick=False)
    immediate(people["cd_coord"], NoticeKind.SLIP, NoticeKind.SLIP_RED)
    immediate(people["cd_sup"], NoticeKind.SLIP, NoticeKind.SLIP_RED)
    open_item("SP-7", target_date=datetime.date(2026, 12, 8))
    run()
    blue = SupervisionSlip.objects.get()
    # Blue: owning coordinators only (supervisors hear of yellow and red); yb_coord keeps
    # the default (red at once, the rest in the digest).
    assert slip_recipients(blue) == {"cd_coord"}


def test_unanswered_slip_escalates_blue_yellow_red_with_wider_recipients(
    people, quiet, time_machine
):
    for user in people.values():
        immediate(user, NoticeKind.SLIP, NoticeKind.SLIP_RED)
    time_machine.move_to(local(2026, 12, 1, 8, 0), tick=False)
    item = open_item("SP-7", target_date=datetime.date(2026, 12, 3))  # Tue 1 Dec: 2 days
    run(datetime.date(2026, 12, 1))
    blue = SupervisionSlip.objects.get()
    assert slip_recipients(blue) == {"cd_coord", "yb_coord"}
    assert blue.feedback_due == datetime.date(2026, 12, 4)
    # Keep the deadline ahead so only escalation (not the red cause) follows.
    set_item("SP-7", target_date=datetime.date(2026, 12, 9))
    run(datetime.date(2026, 12, 4))  # due today: not late yet
    assert SupervisionSlip.objects.count() == 1
    run(datetime.date(2026, 12, 7))  # Monday: unanswered, escalated
    blue.refresh_from_db()
    yellow = blue.escalated_to
    assert (blue.state, blue.closure) == (SlipState.CLOSED, SlipClosure.ESCALATED)
    assert (yellow.colour, yellow.cause, yellow.state) == (
        SlipColour.YELLOW,
        SlipCause.DEADLINE_NEAR,
        SlipState.OPEN,
    )
    assert slip_recipients(yellow) == {"cd_coord", "yb_coord", "cd_sup", "yb_sup"}
    assert blue.number in yellow.facts["escalated_from"]
    # The blue cause still holds, but its chain is running: no new blue slip.
    assert not SupervisionSlip.objects.filter(colour="blue", state="open").exists()
    run(datetime.date(2026, 12, 11))  # the yellow's due date (Thu 10) passed
    red = SupervisionSlip.objects.get(escalated_from__escalated_from=blue)
    assert red.colour == SlipColour.RED
    assert "cd_leader" in slip_recipients(red) and "yb_leader" in slip_recipients(red)
    assert item.supervision_slips.filter(state="open").count() == 2  # red: escalated; red: overdue
    assert SlipNumber.objects.get(year=2026).last == SupervisionSlip.objects.count()


def test_feedback_stops_escalation_and_accepting_closes(people, quiet, time_machine):
    time_machine.move_to(local(2026, 12, 4, 8, 0), tick=False)
    open_item("SP-7", target_date=datetime.date(2026, 12, 8))
    run()
    slip = SupervisionSlip.objects.get()
    cdig = Organization.objects.get(code="cdig")
    feedback = slip_feedback_submit(
        slip=slip, user=people["cd_coord"], organization_id=cdig.pk, text="已组织验收，8日前完成。"
    )
    slip.refresh_from_db()
    assert slip.state == SlipState.ANSWERED
    run(datetime.date(2026, 12, 14))  # past the due date, but answered: no escalation
    assert not SupervisionSlip.objects.filter(colour="yellow").exists()
    # (That day the item was overdue: a red slip of its own cause, closed here to keep on.)
    SupervisionSlip.objects.filter(colour="red").delete()
    slip_feedback_review(slip=slip, user=people["cd_sup"], accept=False, note="请附验收计划")
    slip.refresh_from_db()
    assert slip.state == SlipState.OPEN
    assert slip.feedback_due == datetime.date(2026, 12, 9)  # three working days from the 4th
    feedback.refresh_from_db()
    assert feedback.state == "returned" and feedback.review_note == "请附验收计划"
    slip_feedback_submit(slip=slip, user=people["cd_coord"], organization_id=cdig.pk, text="附计划")
    slip_feedback_review(slip=slip, user=people["cd_sup"], accept=True)
    slip.refresh_from_db()
    assert (slip.state, slip.closure) == (SlipState.CLOSED, SlipClosure.FEEDBACK_ACCEPTED)
    # The same deadline does not bring the slip back.
    run(datetime.date(2026, 12, 7))
    assert SupervisionSlip.objects.count() == 1
    history = [h.history_change_reason for h in slip.history.order_by("history_id")]
    assert history[0] == "Supervision slip issued" and "Feedback accepted: slip closed" in history


def test_only_addressed_coordinators_answer_and_only_supervisors_review(
    people, quiet, time_machine
):
    from django.core.exceptions import PermissionDenied, ValidationError

    time_machine.move_to(local(2026, 12, 4, 8, 0), tick=False)
    open_item("SP-7", target_date=datetime.date(2026, 12, 8))
    run()
    slip = SupervisionSlip.objects.get()
    health = Organization.objects.get(code="yibin-health")
    with pytest.raises(PermissionDenied):
        slip_feedback_submit(slip=slip, user=people["other_coord"], organization_id=health.pk,
                             text="x")  # fmt: skip
    with pytest.raises(ValidationError):
        slip_feedback_submit(slip=slip, user=people["yb_coord"], organization_id=8, text="  ")
    with pytest.raises(PermissionDenied):
        slip_feedback_review(slip=slip, user=people["cd_sup"], accept=True)  # nothing to review
    yb = Organization.objects.get(code="yibin-lingang-etdz")
    slip_feedback_submit(slip=slip, user=people["yb_coord"], organization_id=yb.pk, text="好")
    with pytest.raises(PermissionDenied):
        slip_feedback_review(slip=slip, user=people["cd_leader"], accept=True)
    with pytest.raises(ValidationError):
        slip_feedback_review(slip=slip, user=people["cd_sup"], accept=False, note="")
    slip.refresh_from_db()
    assert slip.state == SlipState.ANSWERED


def test_back_on_time_and_completed_items_close_their_slips(people, quiet, time_machine):
    time_machine.move_to(local(2026, 12, 4, 8, 0), tick=False)
    open_item("SP-7", target_date=datetime.date(2026, 12, 8))
    open_item("SP-6", target_date=datetime.date(2026, 11, 30))
    run()
    set_item("SP-7", target_date=datetime.date(2027, 6, 30))  # the deadline moved: green
    set_item("SP-6", status=Status.COMPLETED, progress=100)
    run()
    closures = dict(SupervisionSlip.objects.values_list("item__code", "closure"))
    assert closures == {"SP-7": SlipClosure.BACK_ON_TIME, "SP-6": SlipClosure.ITEM_CLOSED}


def test_milestone_due_soon_and_overdue(people, quiet, time_machine):
    time_machine.move_to(local(2026, 12, 4, 8, 0), tick=False)
    item = open_item("SP-7", target_date=datetime.date(2027, 12, 31))
    Milestone.objects.create(item=item, title_zh="选址", due_date=datetime.date(2026, 11, 20))
    run()
    assert SupervisionSlip.objects.get().colour == SlipColour.RED


def test_returned_twice_and_missed_acknowledgement_are_yellow(people, quiet, time_machine):
    time_machine.move_to(local(2026, 12, 4, 8, 0), tick=False)
    item = open_item("SP-7", target_date=datetime.date(2027, 12, 31))
    for day in (1, 2):
        StatusUpdate.objects.create(
            item=item, author=people["cd_coord"], status="in_progress", health="on_track",
            progress=50, review_state=ReviewState.RETURNED, return_reason="数据不全",
            reported_at=local(2026, 12, day, 9, 0),
        )  # fmt: skip
    other = open_item("SP-6", target_date=datetime.date(2027, 12, 31))
    Acknowledgement.objects.create(
        item=other, organization=other.chengdu_lead, city="chengdu",
        assigned_at=local(2026, 11, 25, 9, 0), due_date=datetime.date(2026, 11, 30),
    )  # fmt: skip
    run()
    found = set(SupervisionSlip.objects.values_list("item__code", "colour", "cause"))
    assert found == {
        ("SP-7", "yellow", SlipCause.REPORT_RETURNED_TWICE),
        ("SP-6", "yellow", SlipCause.ACKNOWLEDGEMENT_MISSED),
    }
    # An accepted report after the returns ends the cause: the slip closes.
    StatusUpdate.objects.create(
        item=item, author=people["cd_coord"], status="in_progress", health="on_track",
        progress=55, review_state=ReviewState.ACCEPTED, reported_at=local(2026, 12, 3, 9, 0),
    )  # fmt: skip
    run()
    slip = SupervisionSlip.objects.get(item=item)
    assert slip.closure == SlipClosure.BACK_ON_TIME


def test_both_leads_missing_their_acknowledgement_make_one_slip(people, quiet, time_machine):
    """Found by the benchmark dataset: two missed acknowledgements of one item made two open
    yellow slips of one cause, which the database refused, so nobody got any slip that day."""
    time_machine.move_to(local(2026, 12, 4, 8, 0), tick=False)
    item = open_item("SP-6", target_date=datetime.date(2027, 12, 31))
    late = open_item("SP-7", target_date=datetime.date(2027, 12, 31))
    for ack_item in (item, late):
        for city, org in (("chengdu", ack_item.chengdu_lead), ("yibin", ack_item.yibin_lead)):
            Acknowledgement.objects.create(
                item=ack_item, organization=org, city=city, assigned_at=local(2026, 11, 25, 9, 0),
                due_date=datetime.date(2026, 11, 30),
            )  # fmt: skip
    result = run()
    found = sorted(SupervisionSlip.objects.values_list("item__code", "colour", "cause"))
    assert found == [
        ("SP-6", "yellow", SlipCause.ACKNOWLEDGEMENT_MISSED),
        ("SP-7", "yellow", SlipCause.ACKNOWLEDGEMENT_MISSED),
    ]
    assert len(result.issued) == 2
    run()  # the next day's run keeps the one open slip
    assert SupervisionSlip.objects.count() == 2


def test_the_database_refuses_a_second_open_slip_of_one_item_colour_and_cause(people, quiet):
    item = open_item("SP-7")
    fields = {"item": item, "colour": "blue", "cause": "deadline_near",
              "feedback_due": TODAY}  # fmt: skip
    SupervisionSlip.objects.create(year=2026, sequence=1, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        SupervisionSlip.objects.create(year=2026, sequence=2, occasion="other", **fields)
    # Closed, another may open.
    SupervisionSlip.objects.filter(sequence=1).update(
        state="closed", closure="back_on_time", closed_at=local(2026, 12, 4, 9, 0)
    )
    SupervisionSlip.objects.create(year=2026, sequence=2, **fields)


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_issue_each_slip_once_with_gap_free_numbers(people, quiet):
    for code, day in (("SP-7", 8), ("SP-6", 1), ("SP-5", 7), ("SP-4", 9)):
        open_item(code, target_date=datetime.date(2026, 12, day))
    barrier = threading.Barrier(2)
    results, errors = [], []

    def racer():
        try:
            barrier.wait()
            results.append(run().as_dict())
        except (IntegrityError, OperationalError) as exc:  # pragma: no cover - the failure
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=racer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(r["issued"] for r in results) == [0, 4]
    assert sorted(SupervisionSlip.objects.values_list("sequence", flat=True)) == [1, 2, 3, 4]


def test_the_notice_reads_in_the_recipients_language_and_lapses_when_closed(
    people, quiet, time_machine
):
    from django.utils import translation

    from cooperation.meetings.messages import NotRelevant, compose

    time_machine.move_to(local(2026, 12, 4, 8, 0), tick=False)
    open_item("SP-7", target_date=datetime.date(2026, 11, 30))
    run()
    slip = SupervisionSlip.objects.get()
    reminder = Reminder.objects.filter(context__slip=slip.pk).first()
    with translation.override("zh-hans"):
        message = compose(reminder)
    assert message.subject.startswith("红色督办单 成宜督〔2026〕1号")
    assert "已逾期" in message.lead and message.action_url.endswith(slip.get_absolute_url())
    with translation.override("en"):
        assert compose(reminder).subject.startswith("Red slip 成宜督〔2026〕1号")
    SupervisionSlip.objects.filter(pk=slip.pk).update(
        state="closed", closure="item_closed", closed_at=local(2026, 12, 4, 9, 0)
    )
    with pytest.raises(NotRelevant):
        compose(Reminder.objects.get(pk=reminder.pk))


def test_a_dispatch_batch_composes_its_slip_notices_with_two_queries(
    people, quiet, time_machine, django_assert_num_queries
):
    """The slips, items and addressees of a batch's notices are looked up once, whatever the
    number of notices and languages; each says what it says when composed on its own."""
    from django.utils import translation

    from cooperation.meetings.messages import BatchLookups, compose

    time_machine.move_to(local(2026, 12, 4, 8, 0), tick=False)
    for code in ("SP-6", "SP-7", "KP-1", "KP-2"):
        open_item(code, target_date=datetime.date(2026, 11, 30))
    run()
    notices = list(
        Reminder.objects.filter(
            kind=ReminderKind.SUPERVISION_SLIP, recipient__isnull=False, robot__isnull=True
        ).select_related("recipient")
    )
    assert len({notice.context["slip"] for notice in notices}) == 4
    composed = {}
    with django_assert_num_queries(2):  # the slips with their items; their addressees
        batch = BatchLookups(notices, now=local(2026, 12, 4, 8, 0))
        for notice in notices:
            for language in ("zh-hans", "en"):
                with translation.override(language):
                    composed[notice.pk, language] = compose(notice, batch=batch)
    for notice in notices:
        for language in ("zh-hans", "en"):
            with translation.override(language):
                assert compose(notice) == composed[notice.pk, language]
