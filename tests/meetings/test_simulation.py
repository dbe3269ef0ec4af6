"""Three years of simulated time (2024–2026) on the real agreement's three mechanisms.

Beat is simulated: the planners run every second day at 02:30 (the reminder window is three
days, so every row is written ahead), and the dispatcher runs at every instant a reminder
falls due. The simulated people: the Chengdu coordinator reports on all of their items as
soon as a status call reaches them; the Yibin coordinator never reports; a supervisor
records the minutes of every quarterly meeting the day after it, never of the others.

The expectations below are written out by hand from the calendar, not computed by the code
under test: quarter, half-year and year ends, the Spring Festival (and its make-up working
day on Sunday 26 January 2025), Mid-Autumn and National Day all fall inside the window.
"""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.db.models import Min

from cooperation.choices import Health, MeetingState, ReminderKind, ReminderState, Role, Status
from cooperation.meetings import changes, planning, reminders
from cooperation.meetings.dispatch import reminders_dispatch_due
from cooperation.models import CooperationItem, Meeting, Reminder
from cooperation.services import StatusReport, status_report_submit

from .helpers import local

START = local(2024, 1, 1, 0, 0)
END = local(2026, 12, 31, 23, 59)
QUARTERLY, HALF_YEARLY, ANNUAL = (
    "lead-dept-quarterly",
    "supervising-leaders-semiannual",
    "principal-leaders-annual",
)
CD, YB = "chengdu", "yibin"

# (mechanism, number, start, host city): every meeting that starts inside the window.
EXPECTED_MEETINGS = [
    (HALF_YEARLY, 8, local(2024, 1, 25, 14, 30), CD),
    (QUARTERLY, 16, local(2024, 3, 15, 9, 30), YB),
    (ANNUAL, 4, local(2024, 5, 13, 10, 0), CD),
    (QUARTERLY, 17, local(2024, 6, 17, 9, 30), CD),  # 15 Jun is a Saturday
    (HALF_YEARLY, 9, local(2024, 7, 25, 14, 30), YB),
    (QUARTERLY, 18, local(2024, 9, 18, 9, 30), YB),  # Mid-Autumn 15–17 Sep
    (QUARTERLY, 19, local(2024, 12, 16, 9, 30), CD),
    (HALF_YEARLY, 10, local(2025, 1, 26, 14, 30), CD),  # Sunday, a Spring Festival 调休 day
    (QUARTERLY, 20, local(2025, 3, 17, 9, 30), YB),
    (ANNUAL, 5, local(2025, 5, 13, 10, 0), YB),
    (QUARTERLY, 21, local(2025, 6, 16, 9, 30), CD),
    (HALF_YEARLY, 11, local(2025, 7, 25, 14, 30), YB),
    (QUARTERLY, 22, local(2025, 9, 15, 9, 30), YB),
    (QUARTERLY, 23, local(2025, 12, 15, 9, 30), CD),
    (HALF_YEARLY, 12, local(2026, 1, 26, 14, 30), CD),
    (QUARTERLY, 24, local(2026, 3, 16, 9, 30), YB),
    (ANNUAL, 6, local(2026, 5, 13, 10, 0), CD),
    (QUARTERLY, 25, local(2026, 6, 15, 9, 30), CD),
    (HALF_YEARLY, 13, local(2026, 7, 27, 14, 30), YB),  # 25 Jul is a Saturday
    (QUARTERLY, 26, local(2026, 9, 15, 9, 30), YB),
    (QUARTERLY, 27, local(2026, 12, 15, 9, 30), CD),
]
PARTICIPANTS = {
    QUARTERLY: {"cd_coord", "yb_coord", "cd_sup", "yb_sup"},
    HALF_YEARLY: {"cd_sup", "yb_sup"},
    ANNUAL: {"cd_sup", "yb_sup"},
}
# Derived by hand from "last report before the previous meeting of that mechanism": the
# Chengdu coordinator, who reports whenever called, is called before these meetings only.
CD_CALLED = {(HALF_YEARLY, 8)} | {(QUARTERLY, n) for n in range(17, 28)}
CD_ITEMS = ("KP-1", "KP-1.1", "KP-1.2", "KP-1.3", "KP-1.4", "SP-7")


def expected_reminders() -> set[tuple]:
    """(kind, mechanism, number, recipient, due) of every reminder due inside the window."""
    day = datetime.timedelta(days=1)
    rows = set()
    for code, number, start, host in EXPECTED_MEETINGS:
        for offset in (14, 3, 1):
            for person in PARTICIPANTS[code]:
                rows.add((ReminderKind.MEETING, code, number, person, start - offset * day))
        callees = {"yb_coord"} | ({"cd_coord"} if (code, number) in CD_CALLED else set())
        for person in callees:
            rows.add((ReminderKind.STATUS_CALL, code, number, person, start - 21 * day))
        # The Yibin coordinator never reports: a second call a week later, every time.
        rows.add((ReminderKind.STATUS_CALL_FOLLOWUP, code, number, "yb_coord", start - 14 * day))
        if code != QUARTERLY:  # no minutes: the host city's supervisor is nudged
            host_supervisor = "cd_sup" if host == CD else "yb_sup"
            rows.add((ReminderKind.MINUTES_NUDGE, code, number, host_supervisor, start + 3 * day))
    return rows


class World:
    """The simulated beat and the simulated people."""

    def __init__(self, time_machine, users):
        self.time_machine = time_machine
        self.users = users
        self.next_plan = START + datetime.timedelta(hours=2, minutes=30)
        self.planner_runs = 0

    def step(self, moment):
        self.time_machine.move_to(moment, tick=False)
        if moment >= self.next_plan:
            planning.meetings_plan_all()
            reminders.reminders_plan_all()
            self.next_plan += datetime.timedelta(days=2)
            self.planner_runs += 1
        reminders_dispatch_due()
        self.react(moment)

    def react(self, moment):
        called = Reminder.objects.filter(
            kind=ReminderKind.STATUS_CALL, recipient=self.users["cd_coord"], sent_at=moment
        )
        if called.exists():
            for code in CD_ITEMS:
                status_report_submit(
                    item=CooperationItem.objects.get(code=code),
                    user=self.users["cd_coord"],
                    report=StatusReport(Status.IN_PROGRESS, Health.ON_TRACK, 20),
                )
        for meeting in self.minutes_due(moment):
            changes.meeting_minutes_record(
                meeting=meeting, user=self.users["cd_sup"], minutes="纪要", decisions=""
            )

    def minutes_due(self, moment):
        return Meeting.objects.filter(
            mechanism__code=QUARTERLY,
            state=MeetingState.PLANNED,
            starts_at__lte=moment - datetime.timedelta(days=1),
        ).select_related("mechanism")

    def next_moment(self, moment):
        due = Reminder.objects.filter(state=ReminderState.PENDING).aggregate(at=Min("due_at"))
        assert due["at"] is None or due["at"] > moment, "a due reminder was left behind"
        minutes = Meeting.objects.filter(
            mechanism__code=QUARTERLY, state=MeetingState.PLANNED
        ).aggregate(at=Min("starts_at"))["at"]
        candidates = [self.next_plan, due["at"]]
        if minutes is not None:
            candidates.append(minutes + datetime.timedelta(days=1))
        return min(c for c in candidates if c is not None and c > moment)


@pytest.mark.slow
@pytest.mark.django_db
def test_three_years_of_meetings_and_reminders(time_machine, make_user, settings):
    settings.CHENGYI_STALE_DAYS = settings.CHENGYI_ESCALATION_DAYS = 10_000
    time_machine.move_to(START, tick=False)
    call_command("setup_site", verbosity=0)
    users = {
        "cd_coord": make_user("cd_coord", org="cdig", role=Role.COORDINATOR),
        "yb_coord": make_user("yb_coord", org="yibin-lingang-etdz", role=Role.COORDINATOR),
        "cd_sup": make_user("cd_sup", org="chengdu-gov", role=Role.SUPERVISOR),
        "yb_sup": make_user("yb_sup", org="yibin-gov", role=Role.SUPERVISOR),
    }
    world = World(time_machine, users)
    moment = START
    while moment <= END:
        world.step(moment)
        moment = world.next_moment(moment)

    meetings = Meeting.objects.filter(starts_at__range=(START, END)).select_related("mechanism")
    assert [
        (m.mechanism.code, m.sequence, m.starts_at, m.host_city) for m in meetings
    ] == EXPECTED_MEETINGS
    assert not any(m.holiday_data_missing for m in meetings)
    # A year ahead is planned at the end: four quarterly, two half-yearly, one annual.
    assert Meeting.objects.filter(starts_at__gt=END).count() == 7

    sent = Reminder.objects.filter(state=ReminderState.SENT, due_at__lte=END).select_related(
        "meeting__mechanism", "recipient"
    )
    actual = [
        (r.kind, r.meeting.mechanism.code, r.meeting.sequence, r.recipient.username, r.due_at)
        for r in sent
    ]
    expected = expected_reminders()
    assert len(actual) == len(set(actual)), "a reminder was sent twice"
    assert set(actual) - expected == set(), "unexpected reminders"
    assert expected - set(actual) == set(), "missing reminders"
    assert len(actual) == 198 + 33 + 21 + 9
    assert all(r.sent_at == r.due_at for r in sent), "not sent at the intended instant"

    # Every e-mail once: one message per sent reminder, no Message-ID twice.
    ids = [m.extra_headers["Message-ID"] for m in mail.outbox]
    assert len(ids) == len(set(ids)) == len(actual)
    assert not Reminder.objects.filter(state=ReminderState.FAILED).exists()
    assert world.planner_runs >= 548
