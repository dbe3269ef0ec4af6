"""Which reminders go to whom, when, and what rescheduling and cancelling do to them.

Mail goes to Django's in-memory test backend here; the SMTP path is in test_delivery.
"""

import datetime
from itertools import pairwise

import pytest
from django.core import mail
from icalendar import Calendar

from cooperation.choices import (
    Health,
    MeetingState,
    NoticeKind,
    ReminderKind,
    ReminderState,
    Role,
    Status,
)
from cooperation.meetings import changes, planning, recipients, reminders
from cooperation.meetings.dispatch import reminders_dispatch_due
from cooperation.models import (
    ConsultationMechanism,
    CooperationItem,
    Meeting,
    Notification,
    NotificationPreference,
    Organization,
    Reminder,
    StatusUpdate,
)
from cooperation.reports.selectors import briefing_pack
from cooperation.services import StatusReport, status_report_submit

from .helpers import local

pytestmark = pytest.mark.django_db


def tick(time_machine, moment):
    """One beat tick at ``moment``: plan reminder rows, then dispatch what is due."""
    time_machine.move_to(moment, tick=False)
    reminders.reminders_plan_all()
    return reminders_dispatch_due()


def sent(kind=None, **filters):
    rows = Reminder.objects.filter(state=ReminderState.SENT, **filters)
    if kind:
        rows = rows.filter(kind=kind)
    return rows


def inbox(username):
    return [m for m in mail.outbox if m.to == [f"{username}@example.com"]]


def report(user, code, when, time_machine):
    time_machine.move_to(when, tick=False)
    item = CooperationItem.objects.get(code=code)
    status = Status.IN_PROGRESS
    status_report_submit(
        item=item,
        user=user,
        report=StatusReport(status=status, health=Health.ON_TRACK, progress=10),
    )


@pytest.fixture
def planned(agreement, people, time_machine, settings):
    # Stale-item nudges have their own test; here they would only add to the inboxes.
    settings.CHENGYI_STALE_DAYS = settings.CHENGYI_ESCALATION_DAYS = 10_000
    time_machine.move_to(local(2026, 11, 20, 9, 0), tick=False)
    planning.meetings_plan_all()
    # The previous quarterly meeting, held on 15 Sep 2026: the baseline of "since the
    # previous meeting" is a meeting on record, never a slot of the rule.
    Meeting.objects.create(
        mechanism=ConsultationMechanism.objects.get(code="lead-dept-quarterly"),
        sequence=26,
        starts_at=local(2026, 9, 15, 9, 30),
        planned_for=datetime.date(2026, 9, 15),
        host_city="yibin",
        state=MeetingState.HELD,
        minutes="会议纪要",
    )
    return Meeting.objects.get(mechanism__code="lead-dept-quarterly", sequence=27)


# --- a meeting set for tomorrow ---------------------------------------------------------------


def test_meeting_set_for_tomorrow_reminds_each_participant_at_once_and_once(
    people, half_yearly, time_machine
):
    time_machine.move_to(local(2026, 11, 26, 10, 0), tick=False)
    meeting = changes.meeting_create(
        mechanism=half_yearly,
        starts_at=local(2026, 11, 27, 14, 30),
        host_city="chengdu",
        location="成都市政府第一会议室",
        user=people["cd_sup"],
    )
    # The 14- and 3-day reminders are long missed: the latest one is caught up, now.
    result = reminders_dispatch_due()
    participants = {"cd_sup", "yb_sup", "viewer"}  # members of the two city governments
    assert result.sent == 3
    assert {m.to[0].split("@")[0] for m in mail.outbox} == participants
    assert all("2026年11月27日" in m.body and "成都市政府第一会议室" in m.body for m in mail.outbox)
    assert Notification.objects.filter(user=people["viewer"]).count() == 1

    # The next ticks send nothing again; the regular 1-day reminder at 14:30 has nothing new
    # to say four hours after the caught-up one.
    for moment in (local(2026, 11, 26, 10, 1), local(2026, 11, 26, 14, 30)):
        assert tick(time_machine, moment).sent == 0
    assert len(mail.outbox) == 3
    assert meeting.reminders.filter(state=ReminderState.SENT).count() == 3
    assert sent(ReminderKind.MEETING).values("key").distinct().count() == 3


def test_planning_reminders_twice_writes_nothing_twice(planned, time_machine):
    time_machine.move_to(local(2026, 11, 30, 9, 0), tick=False)
    first = reminders.reminders_plan_all()
    assert first > 0
    assert reminders.reminders_plan_all() == 0
    assert Reminder.objects.count() == first


# --- the regular reminders --------------------------------------------------------------------


def test_each_participant_is_reminded_at_each_offset_at_the_intended_instant(
    planned, people, time_machine
):
    for moment in (
        local(2026, 11, 29, 9, 30),
        local(2026, 12, 1, 9, 30),
        local(2026, 12, 12, 9, 30),
        local(2026, 12, 14, 9, 30),
    ):
        tick(time_machine, moment)
    rows = sent(ReminderKind.MEETING, meeting=planned)
    # The quarterly consultation: all five test users work for participating organisations.
    assert rows.count() == 3 * 5
    assert {r.due_at for r in rows} == {
        local(2026, 12, 1, 9, 30),
        local(2026, 12, 12, 9, 30),
        local(2026, 12, 14, 9, 30),
    }
    assert all(r.sent_at == r.due_at for r in rows)
    cd_sup = inbox("cd_sup")
    meeting_mails = [m for m in cd_sup if "会商提醒" in m.subject or "Reminder" in m.subject]
    assert len(meeting_mails) == 3


# --- status calls -----------------------------------------------------------------------------


def test_status_call_goes_to_coordinators_of_items_missing_an_update_then_again_a_week_later(
    planned, people, time_machine
):
    cd, yb = people["cd_coord"], people["yb_coord"]
    # The previous quarterly meeting was on 15 Sep 2026. cdig reported on all its items
    # since; the Yibin side shares those items, but its own SP-3 family has no report.
    for code in ("KP-1", "KP-1.1", "KP-1.2", "KP-1.3", "KP-1.4", "SP-7"):
        report(cd, code, local(2026, 10, 1, 10, 0), time_machine)
    StatusUpdate.objects.filter(item__code="KP-1.4").update(reported_at=local(2026, 9, 1))

    tick(time_machine, local(2026, 11, 24, 9, 30))  # 21 days before 15 Dec
    calls = sent(ReminderKind.STATUS_CALL, meeting=planned)
    assert {r.recipient.username for r in calls} == {"cd_coord", "yb_coord"}
    (yb_call,) = inbox("yb_coord")
    codes = ("KP-1.4", "SP-3", "SP-3.1", "SP-3.2", "SP-7")
    listed = [code for code in codes if code in yb_call.body]
    assert listed == ["KP-1.4", "SP-3", "SP-3.1", "SP-3.2"]  # SP-7 was reported after 15 Sep
    (cd_call,) = inbox("cd_coord")
    assert "KP-1.4" in cd_call.body and "SP-3" not in cd_call.body

    # cdig reports KP-1.4; the Yibin side reports SP-3 only.
    report(cd, "KP-1.4", local(2026, 11, 25, 10, 0), time_machine)
    report(yb, "SP-3", local(2026, 11, 26, 10, 0), time_machine)
    for day in range(27, 31):
        tick(time_machine, local(2026, 11, day, 9, 30))
    tick(time_machine, local(2026, 12, 1, 9, 30))  # a week after the first call
    second = Reminder.objects.filter(kind=ReminderKind.STATUS_CALL_FOLLOWUP, meeting=planned)
    assert {(r.recipient.username, r.state) for r in second} == {
        ("yb_coord", ReminderState.SENT),
        ("cd_coord", ReminderState.CANCELLED),  # nothing left missing: no second call
    }
    follow_up = inbox("yb_coord")[-1]
    assert "SP-3.1" in follow_up.body and "SP-3.2" in follow_up.body
    assert "SP-3 " not in follow_up.body and "KP-1" not in follow_up.body
    assert len(inbox("cd_coord")) == 2  # the first call and the 14-day meeting reminder


def test_the_planner_finds_the_status_calls_recipients_from_ids_alone(
    planned, people, make_user, time_machine, django_assert_max_num_queries
):
    """``status_call_recipients`` (the planner's, every 15 minutes) names exactly the
    coordinators ``status_call_missing`` has items for, in a few queries however many items:
    a parent's co-owner counts, as do both leads."""
    tianfu = Organization.objects.get(code="tianfu-chengdu-admin")
    tf_coord = make_user("tf_coord", org=tianfu, role=Role.COORDINATOR)
    CooperationItem.objects.get(code="SP-3").co_owners.add(tianfu)  # SP-3.1, SP-3.2 too
    time_machine.move_to(local(2026, 11, 24, 9, 30), tick=False)

    def both():
        with django_assert_max_num_queries(6):  # meetings, mechanism, items, co-owners, people
            planner = recipients.status_call_recipients(planned)
        return planner, set(recipients.status_call_missing(planned))

    planner, missing = both()
    assert planner == missing == {people["cd_coord"].pk, people["yb_coord"].pk, tf_coord.pk}
    for code in ("SP-3", "SP-3.1", "SP-3.2"):
        report(people["yb_coord"], code, local(2026, 11, 24, 10, 0), time_machine)
    time_machine.move_to(local(2026, 11, 24, 11, 0), tick=False)
    planner, missing = both()
    assert planner == missing and people["cd_coord"].pk in planner


def test_the_briefing_pack_counts_reports_since_the_same_moment_as_the_status_call(
    planned, people, superuser, time_machine
):
    # "Since the previous meeting" is the held meeting of 15 Sep 2026 for both the status
    # call and the pack, not three weeks before the meeting.
    report(people["cd_coord"], "SP-7", local(2026, 10, 1, 10, 0), time_machine)
    report(people["yb_coord"], "SP-3", local(2026, 11, 30, 10, 0), time_machine)
    since = local(2026, 9, 15, 9, 30)

    time_machine.move_to(local(2026, 12, 1, 9, 30), tick=False)
    missing = {
        due.item.code for dues in recipients.status_call_missing(planned).values() for due in dues
    }
    assert "SP-7" not in missing and "SP-3" not in missing and "SP-3.1" in missing
    pack = briefing_pack(meeting=planned, user=superuser)
    assert pack.window_start == since
    asked = [r for r in pack.scoped if r.status in recipients.REPORTING_STATUSES]
    reported = {r.code for r in asked if r.reported}
    assert missing <= {r.code for r in asked} - reported  # asked to report: not reported
    assert {"SP-7", "SP-3"} <= reported  # not asked again: counted as reported


# --- minutes ----------------------------------------------------------------------------------


def test_minutes_nudge_three_days_after_a_meeting_without_minutes_to_the_host_side(
    planned, people, half_yearly, time_machine
):
    later = Meeting.objects.get(mechanism=half_yearly, sequence=14)  # 25 Jan 2027, Chengdu
    time_machine.move_to(local(2027, 1, 26, 9, 0), tick=False)
    changes.meeting_minutes_record(
        meeting=later, user=people["cd_sup"], minutes="会议纪要", decisions=""
    )
    tick(time_machine, local(2026, 12, 15, 12, 0))
    tick(time_machine, local(2026, 12, 18, 9, 30))
    nudges = sent(ReminderKind.MINUTES_NUDGE)
    # Meeting 27 is hosted by Chengdu: its supervisor is nudged, not Yibin's.
    assert [(r.meeting_id, r.recipient.username, r.due_at) for r in nudges] == [
        (planned.pk, "cd_sup", local(2026, 12, 18, 9, 30))
    ]
    assert "纪要" in inbox("cd_sup")[-1].subject or "Minutes" in inbox("cd_sup")[-1].subject
    for moment in (local(2027, 1, 26, 12, 0), local(2027, 1, 28, 14, 30), local(2027, 2, 5)):
        tick(time_machine, moment)
    assert sent(ReminderKind.MINUTES_NUDGE).count() == 1  # the meeting with minutes: none


# --- stale items ------------------------------------------------------------------------------


def test_stale_nudges_go_only_to_those_who_want_them_at_once(people, make_user, time_machine):
    """Asked once for everyone concerned: two coordinators of the same items, one who wants
    "items waiting for a report" at once and one who does not."""
    NotificationPreference.objects.create(
        user=people["cd_coord"], immediate_kinds=[NoticeKind.REPORT_DUE]
    )
    quiet = make_user("cd_quiet", org="cdig", role=Role.COORDINATOR)
    NotificationPreference.objects.create(user=quiet, immediate_kinds=[NoticeKind.MEETING])
    CooperationItem.history.update(history_date=local(2026, 1, 1))
    time_machine.move_to(local(2026, 2, 1, 9, 0), tick=False)
    assert reminders.stale_nudges_plan(now=local(2026, 2, 1, 9, 0)) > 0
    nudged = Reminder.objects.filter(kind__in=reminders.STALE_KINDS)
    to = set(nudged.values_list("recipient__username", flat=True))
    assert "cd_coord" in to and "cd_quiet" not in to
    assert set(nudged.filter(recipient=people["cd_coord"]).values_list("item__code", flat=True))


def test_stale_items_nudge_coordinators_then_supervisors_at_most_weekly(
    people, time_machine, agreement
):
    # Per-item nudges go to those who want "items waiting for a report" at once (the others
    # find the items in their daily digest: tests/workflow/test_digest.py).
    for person in people.values():
        NotificationPreference.objects.create(
            user=person, immediate_kinds=[NoticeKind.MEETING, NoticeKind.REPORT_DUE]
        )
    # The tracker started recording the items on 1 Jan (their first history row).
    CooperationItem.history.update(history_date=local(2026, 1, 1))
    day = local(2026, 1, 30, 9, 0)
    while day < local(2026, 3, 10, 9, 0):
        tick(time_machine, day)
        day += datetime.timedelta(days=1)
        if day == local(2026, 2, 9, 9, 0):
            report(people["cd_coord"], "SP-7", local(2026, 2, 9, 8, 0), time_machine)

    nudges = Reminder.objects.filter(kind__in=reminders.STALE_KINDS, state=ReminderState.SENT)
    first = nudges.order_by("due_at").first()
    assert first.due_at == local(2026, 1, 31, 9, 0)  # 30 days after 1 Jan
    by_pair = {}
    for row in nudges.order_by("due_at"):
        by_pair.setdefault((row.item.code, row.recipient.username), []).append(row)
    gaps = {(b.due_at - a.due_at).days for rows in by_pair.values() for a, b in pairwise(rows)}
    assert gaps == {7}  # at most one per item and person per week, every week
    # Coordinators from day 30; supervisors of the owners' cities join from day 60 (2 Mar).
    sp3 = by_pair[("SP-3", "yb_coord")]
    assert [r.due_at for r in sp3][:2] == [local(2026, 1, 31, 9, 0), local(2026, 2, 7, 9, 0)]
    assert by_pair[("SP-3", "yb_sup")][0].due_at == local(2026, 3, 2, 9, 0)
    assert by_pair[("SP-3", "yb_sup")][0].kind == ReminderKind.STALE_ESCALATION
    assert by_pair[("SP-3", "cd_sup")][0].kind == ReminderKind.STALE_ESCALATION  # Chengdu lead
    assert ("SP-3", "viewer") not in by_pair
    # SP-7 was reported on 9 Feb: no nudge about it since (the next would be on 11 Mar).
    assert [r.due_at for r in by_pair[("SP-7", "cd_coord")]] == [
        local(2026, 1, 31, 9, 0),
        local(2026, 2, 7, 9, 0),
    ]
    assert len(by_pair[("SP-3", "yb_coord")]) == 6  # 31 Jan ... 7 Mar


# --- rescheduling and cancelling --------------------------------------------------------------


def run_until(time_machine, start, end, step_hours=12):
    moment = start
    while moment <= end:
        tick(time_machine, moment)
        moment += datetime.timedelta(hours=step_hours)


def test_reschedule_re_times_pending_reminders_and_tells_those_already_reminded(
    planned, people, time_machine
):
    run_until(time_machine, local(2026, 11, 30, 9, 30), local(2026, 12, 10, 9, 30))
    assert sent(ReminderKind.MEETING, meeting=planned).count() == 5  # the 14-day reminder
    pending_d3 = planned.reminders.get(
        kind=ReminderKind.MEETING, recipient=people["viewer"], state=ReminderState.PENDING
    )
    assert pending_d3.due_at == local(2026, 12, 12, 9, 30)

    time_machine.move_to(local(2026, 12, 10, 10, 0), tick=False)
    mail.outbox.clear()
    changes.meeting_reschedule(
        meeting=planned, starts_at=local(2026, 12, 22, 14, 0), user=people["cd_sup"]
    )
    pending_d3.refresh_from_db()
    assert pending_d3.due_at == local(2026, 12, 19, 14, 0)
    reminders_dispatch_due()
    notices = sent(ReminderKind.MEETING_RESCHEDULED, meeting=planned)
    assert {r.recipient.username for r in notices} == {
        "cd_coord",
        "yb_coord",
        "cd_sup",
        "yb_sup",
        "viewer",
    }
    notice = inbox("viewer")[0]
    assert "2026年12月15日" in notice.body and "2026年12月22日" in notice.body
    ics = Calendar.from_ical(notice.attachments[0][1])
    event = ics.walk("VEVENT")[0]
    assert event.decoded("dtstart") == local(2026, 12, 22, 14, 0)
    assert int(event["sequence"]) == 1

    # Nothing goes out for the old time; the reminders for the new one do, once each.
    run_until(time_machine, local(2026, 12, 12, 9, 30), local(2026, 12, 22, 9, 30), 6)
    meeting_rows = sent(ReminderKind.MEETING, meeting=planned, recipient=people["viewer"])
    assert [r.due_at for r in meeting_rows.order_by("due_at")] == [
        local(2026, 12, 1, 9, 30),  # 14 days before the old time, sent before the move
        local(2026, 12, 19, 14, 0),
        local(2026, 12, 21, 14, 0),
    ]
    assert not Reminder.objects.filter(due_at=local(2026, 12, 12, 9, 30), state="sent").exists()
    assert not Reminder.objects.filter(due_at=local(2026, 12, 14, 9, 30), state="sent").exists()


def test_a_second_reschedule_supersedes_the_first_notice(planned, people, time_machine):
    run_until(time_machine, local(2026, 11, 30, 9, 30), local(2026, 12, 2, 9, 30))
    time_machine.move_to(local(2026, 12, 3, 10, 0), tick=False)
    for day in (16, 17):
        changes.meeting_reschedule(
            meeting=planned, starts_at=local(2026, 12, day, 9, 30), user=people["cd_sup"]
        )
    reminders_dispatch_due()
    notices = planned.reminders.filter(kind=ReminderKind.MEETING_RESCHEDULED)
    assert {(r.context["revision"], r.state) for r in notices} == {
        (1, ReminderState.CANCELLED),
        (2, ReminderState.SENT),
    }
    key = "X-Chengyi-Reminder"
    notices = [m for m in mail.outbox if m.extra_headers[key].startswith("meeting_rescheduled")]
    assert len(notices) == 5
    assert all("2026年12月17日" in m.body for m in notices)


def test_cancel_stops_reminders_and_notifies_only_those_already_reminded(
    planned, people, make_user, time_machine
):
    run_until(time_machine, local(2026, 11, 30, 9, 30), local(2026, 12, 10, 9, 30))
    newcomer = make_user("newcomer", org="chengdu-hitech", role=Role.COORDINATOR)
    time_machine.move_to(local(2026, 12, 10, 10, 0), tick=False)
    mail.outbox.clear()
    changes.meeting_cancel(meeting=planned, user=people["cd_sup"], reason="与半年会商合并召开")
    assert (
        not planned.reminders.filter(state=ReminderState.PENDING)
        .exclude(kind=ReminderKind.MEETING_CANCELLED)
        .exists()
    )
    reminders_dispatch_due()
    notices = sent(ReminderKind.MEETING_CANCELLED, meeting=planned)
    assert {r.recipient.username for r in notices} == {
        "cd_coord",
        "yb_coord",
        "cd_sup",
        "yb_sup",
        "viewer",
    }
    assert "与半年会商合并召开" in inbox("viewer")[0].body
    event = Calendar.from_ical(inbox("viewer")[0].attachments[0][1]).walk("VEVENT")[0]
    assert str(event["status"]) == "CANCELLED"
    assert not inbox(newcomer.username)

    mail.outbox.clear()
    run_until(time_machine, local(2026, 12, 10, 12, 0), local(2026, 12, 20), 6)
    assert mail.outbox == []
    planned.refresh_from_db()
    assert planned.state == MeetingState.CANCELLED
