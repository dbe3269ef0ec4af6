"""Planning: the rule's dates moved to mainland working days, a year ahead, never twice."""

import datetime

import pytest

from cooperation.choices import City, MeetingState
from cooperation.meetings import changes, planning, schedule
from cooperation.meetings.workdays import next_working_day
from cooperation.models import ConsultationMechanism, Meeting
from cooperation.services import system_user, tracked_save

from .helpers import local

D = datetime.date


@pytest.mark.parametrize(
    ("rule_date", "expected", "why"),
    [
        (D(2024, 2, 1), D(2024, 2, 1), "an ordinary Thursday stays"),
        (D(2024, 6, 15), D(2024, 6, 17), "Saturday → Monday"),
        (D(2024, 9, 15), D(2024, 9, 18), "Mid-Autumn Festival 15–17 Sep 2024"),
        (D(2024, 10, 1), D(2024, 10, 8), "National Day 1–7 Oct 2024"),
        (D(2025, 1, 25), D(2025, 1, 26), "Sunday 26 Jan 2025 is a make-up working day (调休)"),
        (D(2025, 2, 1), D(2025, 2, 5), "Spring Festival 28 Jan – 4 Feb 2025"),
        (D(2025, 10, 1), D(2025, 10, 9), "National Day and Mid-Autumn 1–8 Oct 2025"),
        (D(2026, 2, 15), D(2026, 2, 24), "Spring Festival 15–23 Feb 2026"),
        (D(2026, 10, 1), D(2026, 10, 8), "National Day 1–7 Oct 2026"),
    ],
)
def test_meetings_fall_on_mainland_working_days(rule_date, expected, why):
    day = next_working_day(rule_date)
    assert day.day == expected, why
    assert day.holiday_data_missing is False


def test_a_year_without_official_data_falls_back_to_weekends_and_says_so():
    # chinese-calendar 1.11 knows the State Council's calendars up to 2026.
    assert next_working_day(D(2027, 5, 1)) == next_working_day(D(2027, 5, 3))
    assert next_working_day(D(2027, 5, 1)).day == D(2027, 5, 3)
    assert next_working_day(D(2027, 5, 1)).holiday_data_missing is True
    assert next_working_day(D(2027, 10, 1)).day == D(2027, 10, 1)  # a Friday: kept, flagged


def planned(mechanism):
    return [
        (m.sequence, m.starts_at, m.host_city, m.holiday_data_missing)
        for m in Meeting.objects.filter(mechanism=mechanism).order_by("starts_at")
    ]


@pytest.mark.django_db
def test_planning_keeps_the_next_twelve_months_planned_once(agreement, time_machine):
    time_machine.move_to(local(2026, 11, 26, 9, 0), tick=False)
    result = planning.meetings_plan_all()
    assert len(result.created) == 7

    quarterly = ConsultationMechanism.objects.get(code="lead-dept-quarterly")
    half = ConsultationMechanism.objects.get(code="supervising-leaders-semiannual")
    annual = ConsultationMechanism.objects.get(code="principal-leaders-annual")
    assert planned(quarterly) == [
        (27, local(2026, 12, 15, 9, 30), City.CHENGDU, False),
        (28, local(2027, 3, 15, 9, 30), City.YIBIN, True),
        (29, local(2027, 6, 15, 9, 30), City.CHENGDU, True),
        (30, local(2027, 9, 15, 9, 30), City.YIBIN, True),
    ]
    assert planned(half) == [
        (14, local(2027, 1, 25, 14, 30), City.CHENGDU, True),
        (15, local(2027, 7, 26, 14, 30), City.YIBIN, True),  # 25 Jul 2027 is a Sunday
    ]
    assert planned(annual) == [(7, local(2027, 5, 13, 10, 0), City.YIBIN, True)]

    # Again, and again later the same day: nothing new, nothing moved.
    assert planning.meetings_plan_all().created == []
    time_machine.move_to(local(2026, 11, 26, 18, 0), tick=False)
    again = planning.meetings_plan_all()
    assert (again.created, again.moved) == ([], [])
    assert Meeting.objects.count() == 7

    # A month later the horizon has moved: the December 2027 meeting appears, once.
    time_machine.move_to(local(2026, 12, 20, 9, 0), tick=False)
    assert len(planning.meetings_plan_all().created) == 1
    assert planned(quarterly)[-1] == (31, local(2027, 12, 15, 9, 30), City.CHENGDU, True)
    assert Meeting.objects.filter(mechanism=quarterly, sequence=27).count() == 1


@pytest.mark.django_db
def test_planning_never_moves_what_a_person_set(agreement, people, time_machine):
    time_machine.move_to(local(2026, 11, 26, 9, 0), tick=False)
    planning.meetings_plan_all()
    quarterly = ConsultationMechanism.objects.get(code="lead-dept-quarterly")
    by_number = {m.sequence: m for m in quarterly.meetings.all()}
    changes.meeting_confirm(meeting=by_number[27], user=people["cd_sup"])
    changes.meeting_reschedule(
        meeting=by_number[28], starts_at=local(2027, 3, 18, 15, 0), user=people["cd_sup"]
    )
    changes.meeting_cancel(meeting=by_number[30], user=people["cd_sup"], reason="merged")

    # The mechanism now meets in the afternoon: only the untouched meeting follows.
    quarterly.default_time = datetime.time(15, 0)
    quarterly.save()
    result = planning.meetings_plan(mechanism=quarterly)
    assert [Meeting.objects.get(pk=pk).sequence for pk in result.moved] == [29]
    starts = {m.sequence: m.starts_at for m in quarterly.meetings.all()}
    assert starts == {
        27: local(2026, 12, 15, 9, 30),  # confirmed
        28: local(2027, 3, 18, 15, 0),  # rescheduled by a person
        29: local(2027, 6, 15, 15, 0),  # planned: follows the rule
        30: local(2027, 9, 15, 9, 30),  # cancelled
    }
    assert quarterly.meetings.get(sequence=29).revision == 1
    assert quarterly.meetings.get(sequence=30).state == MeetingState.CANCELLED


@pytest.mark.django_db
def test_inactive_mechanisms_and_past_dates_are_not_planned(agreement, time_machine):
    time_machine.move_to(local(2026, 12, 15, 10, 0), tick=False)  # meeting 27 has started
    ConsultationMechanism.objects.filter(code="principal-leaders-annual").update(is_active=False)
    planning.meetings_plan_all()
    assert not Meeting.objects.filter(mechanism__code="principal-leaders-annual").exists()
    assert not Meeting.objects.filter(starts_at__lt=local(2026, 12, 15, 10, 0)).exists()


@pytest.mark.django_db
def test_planning_history_names_the_system_user(agreement, time_machine):
    time_machine.move_to(local(2026, 11, 26, 9, 0), tick=False)
    planning.meetings_plan_all()
    record = Meeting.objects.first().history.get()
    assert record.history_user.username == "chengyi-system"
    assert record.history_change_reason == "Planned from the recurrence rule"


@pytest.mark.django_db
def test_planning_decides_whether_a_meeting_moved_on_the_locked_row(agreement, time_machine):
    # A planner read meeting 27 when it was already at its slot's time; before it took the
    # row's lock, another run moved the row elsewhere. Moving it back is a move: the
    # revision (the calendar SEQUENCE) goes up and the reminders follow.
    time_machine.move_to(local(2026, 11, 26, 9, 0), tick=False)
    planning.meetings_plan_all()
    quarterly = ConsultationMechanism.objects.get(code="lead-dept-quarterly")
    stale = quarterly.meetings.get(sequence=27)
    slot = schedule.slot(quarterly, 27, stale.planned_for)
    assert stale.starts_at == slot.starts_at
    row = Meeting.objects.get(pk=stale.pk)
    tracked_save(
        row,
        user=system_user(),
        reason="elsewhere",
        fields={"starts_at": local(2026, 12, 16, 9, 30)},
    )

    planning._follow_rule(stale, slot, now=local(2026, 11, 26, 9, 0))
    row.refresh_from_db()
    assert (row.starts_at, row.revision) == (slot.starts_at, 1)
    assert row.history.latest().history_change_reason == (
        "Follows the recurrence rule and holiday calendar"
    )
    # Once at its slot, a stale copy that still differs changes nothing (no empty history).
    stale.starts_at = local(2026, 12, 16, 9, 30)
    assert not planning._follow_rule(stale, slot, now=local(2026, 11, 26, 9, 0))
    assert row.history.count() == 3
