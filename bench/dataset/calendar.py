"""Five years of meetings of the three mechanisms, and the reminder outbox."""

import datetime
import random
import zoneinfo

from dateutil.rrule import rrulestr
from simple_history.utils import bulk_create_with_history

from cooperation.choices import City, MeetingState, ReminderKind, ReminderState
from cooperation.models import ConsultationMechanism, CooperationItem, Meeting, Reminder

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
YEARS_BACK, YEARS_AHEAD = 4, 1


def _working_day(day: datetime.date) -> tuple[datetime.date, bool]:
    """The next working day in mainland China, and whether holiday data was missing."""
    import chinese_calendar

    try:
        while not chinese_calendar.is_workday(day):
            day += datetime.timedelta(days=1)
        return day, False
    except NotImplementedError:
        while day.weekday() >= 5:
            day += datetime.timedelta(days=1)
        return day, True


def build_meetings(*, seed: int, anchor: datetime.datetime, actor) -> list[Meeting]:
    start = anchor.date().replace(year=anchor.year - YEARS_BACK)
    end = anchor.date().replace(year=anchor.year + YEARS_AHEAD)
    meetings = []
    for mechanism in ConsultationMechanism.objects.order_by("pk"):
        rule = rrulestr(
            mechanism.recurrence,
            dtstart=datetime.datetime.combine(mechanism.anchor_date, datetime.time()),
        )
        cities = [
            mechanism.first_host_city,
            City.YIBIN if mechanism.first_host_city == City.CHENGDU else City.CHENGDU,
        ]
        for sequence, occurrence in enumerate(
            rule.between(
                datetime.datetime.combine(mechanism.anchor_date, datetime.time()),
                datetime.datetime.combine(end, datetime.time()),
                inc=True,
            ),
            start=1,
        ):
            planned = occurrence.date()
            if planned < start:
                continue
            rng = random.Random(f"{seed}:meeting:{mechanism.code}:{sequence}")
            day, missing = _working_day(planned)
            starts_at = datetime.datetime.combine(day, mechanism.default_time, tzinfo=SHANGHAI)
            held = starts_at < anchor
            meeting = Meeting(
                mechanism=mechanism,
                sequence=sequence,
                starts_at=starts_at,
                planned_for=planned,
                host_city=cities[(sequence - 1) % 2],
                location="市政府第一会议室"
                if cities[(sequence - 1) % 2] == City.CHENGDU
                else "宜宾市政务中心",
                state=MeetingState.HELD if held else MeetingState.PLANNED,
                agenda="一、听取各牵头单位推进情况汇报；二、研究解决重点难点问题。",
                minutes="会议听取了推进情况汇报。" if held and rng.random() < 0.9 else "",
                decisions="请两地牵头单位按期完成既定任务。" if held else "",
                holiday_data_missing=missing,
            )
            meeting._history_date = min(starts_at, anchor) - datetime.timedelta(days=60)
            meetings.append(meeting)
    return bulk_create_with_history(
        meetings, Meeting, batch_size=500, default_user=actor, default_change_reason="Generated"
    )


def build_reminders(
    *, seed: int, count: int, anchor: datetime.datetime, meetings, users, actor, log
) -> None:
    item_ids = list(CooperationItem.objects.order_by("pk").values_list("pk", flat=True))
    batch = []
    for index in range(count):
        rng = random.Random(f"{seed}:reminder:{index}")
        kind = rng.choice([ReminderKind.MEETING, ReminderKind.STATUS_CALL, ReminderKind.STALE_ITEM])
        meeting = rng.choice(meetings) if kind != ReminderKind.STALE_ITEM else None
        due = (
            (meeting.starts_at - datetime.timedelta(days=rng.choice([14, 3, 1])))
            if meeting
            else (anchor - datetime.timedelta(days=rng.uniform(-30, 700)))
        )
        sent = due < anchor
        state = ReminderState.SENT if sent else ReminderState.PENDING
        if sent and rng.random() < 0.03:
            state = ReminderState.FAILED
        reminder = Reminder(
            key=f"bench:{seed}:{kind}:{index}",
            kind=kind,
            meeting=meeting,
            item_id=None if meeting else rng.choice(item_ids),
            recipient=rng.choice(users),
            due_at=due,
            state=state,
            attempts=1 if sent else 0,
            sent_at=due + datetime.timedelta(seconds=rng.randint(1, 90))
            if state == ReminderState.SENT
            else None,
            last_error="SMTP 451: try again later" if state == ReminderState.FAILED else "",
        )
        reminder._history_date = min(due, anchor)
        batch.append(reminder)
        if len(batch) == 5000:
            _save_reminders(batch, actor)
            batch = []
            log(f"reminders {index + 1:,}/{count:,}")
    _save_reminders(batch, actor)


def _save_reminders(batch, actor) -> None:
    bulk_create_with_history(
        batch, Reminder, batch_size=2000, default_user=actor, default_change_reason="Generated"
    )
