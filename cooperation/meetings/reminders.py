"""The outbox's planner: which reminder rows should exist now, each under a unique key.

Rows are written when they fall due within CHENGYI_REMINDER_LOOKAHEAD_HOURS, so recipients
are decided close to the send. Writing is idempotent: a key that exists is never written
again, so the planner may run any number of times, in any number of processes. A reminder
whose time has already passed when its meeting is planned (a meeting set for tomorrow) is
caught up once: only the latest missed offset is sent, not every one.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from cooperation.choices import Channel, MeetingState, NoticeKind, ReminderKind, ReminderState
from cooperation.models import ConsultationMechanism, Meeting, Reminder
from cooperation.robots.audience import robot_rows
from cooperation.services import system_user
from cooperation.workflow.preferences import wanting_at_once

from . import outbox, recipients

# Kinds after which a person counts as "already reminded" of a meeting.
REMINDED_KINDS = (
    ReminderKind.MEETING,
    ReminderKind.STATUS_CALL,
    ReminderKind.STATUS_CALL_FOLLOWUP,
    ReminderKind.MEETING_RESCHEDULED,
)
STALE_KINDS = (ReminderKind.STALE_ITEM, ReminderKind.STALE_ESCALATION)
UPCOMING_STATES = (MeetingState.PLANNED, MeetingState.CONFIRMED)
# A status call that comes too late (a meeting set at short notice) is not sent: people need
# time to report before the meeting.
STATUS_CALL_MIN_NOTICE = datetime.timedelta(days=7)


@dataclass
class Planned:
    key: str
    kind: str
    due_at: datetime.datetime
    meeting: Meeting | None = None
    item_id: int | None = None
    recipient_id: int | None = None
    channel: str = Channel.EMAIL
    robot_id: int | None = None
    context: dict = field(default_factory=dict)


def meeting_key(kind: str, meeting: Meeting, *, recipient_id=None, offset=None, revision=None):
    """One reminder of a meeting: kind, meeting, [revision], [offset], recipient or webhook.

    The meeting's time is not part of the key: when a meeting moves, its pending rows are
    re-timed (``meeting_pending_retime``), so each offset reaches each person at most once.
    """
    parts = [kind, str(meeting.pk)]
    if revision is not None:
        parts.append(f"r{revision}")
    if offset is not None:
        parts.append(f"d{offset}")
    parts.append(f"u{recipient_id}" if recipient_id else "webhook")
    return ":".join(parts)


def webhook_enabled() -> bool:
    return bool(settings.CHENGYI_WEBHOOK_URL)


def lookahead() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.CHENGYI_REMINDER_LOOKAHEAD_HOURS)


def write(rows: list[Planned], *, reason: str) -> int:
    """Create the rows whose key does not exist yet; returns how many were created."""
    if not rows:
        return 0
    existing = set(
        Reminder.objects.filter(key__in=[row.key for row in rows]).values_list("key", flat=True)
    )
    user = system_user()
    created = 0
    for row in rows:
        if row.key in existing:
            continue
        existing.add(row.key)
        reminder = Reminder(
            key=row.key,
            kind=row.kind,
            channel=row.channel,
            meeting=row.meeting,
            item_id=row.item_id,
            recipient_id=row.recipient_id,
            robot_id=row.robot_id,
            due_at=row.due_at,
            context=row.context,
        )
        reminder._history_user = user
        reminder._change_reason = reason
        try:
            with transaction.atomic():
                reminder.save()
        except IntegrityError:
            continue  # another planner wrote this key first: it exists, as it should
        created += 1
    return created


def _for_everyone(kind, meeting, users, *, due_at, offset=None, context=None) -> list[Planned]:
    rows = [
        Planned(
            key=meeting_key(kind, meeting, recipient_id=uid, offset=offset),
            kind=kind,
            due_at=due_at,
            meeting=meeting,
            recipient_id=uid,
            context=context or {},
        )
        for uid in users
    ]
    if webhook_enabled():
        rows.append(
            Planned(
                key=meeting_key(kind, meeting, offset=offset),
                kind=kind,
                due_at=due_at,
                meeting=meeting,
                channel=Channel.WEBHOOK,
                context=context or {},
            )
        )
    rows += robot_rows(
        kind,
        base_key=meeting_key(kind, meeting, offset=offset).removesuffix(":webhook"),
        due_at=due_at,
        meeting=meeting,
        context=context,
    )
    return rows


def _offset_dues(meeting: Meeting, *, now, until) -> list[tuple[int, datetime.datetime]]:
    """The offsets to write now: those due in the window, and the latest one already missed."""
    offsets = sorted({int(day) for day in meeting.mechanism.reminder_offsets_days}, reverse=True)
    dues = [(day, meeting.starts_at - datetime.timedelta(days=day)) for day in offsets]
    missed = [due for due in dues if due[1] <= now]
    return missed[-1:] + [due for due in dues if now < due[1] <= until]


def meeting_reminders_plan(meeting: Meeting, *, now, until) -> int:
    participants = list(recipients.participants(meeting.mechanism).values_list("pk", flat=True))
    rows = []
    for offset, due_at in _offset_dues(meeting, now=now, until=until):
        rows += _for_everyone(
            ReminderKind.MEETING,
            meeting,
            participants,
            due_at=due_at,
            offset=offset,
            context={"offset_days": offset},
        )
    return write(rows, reason="Meeting reminder planned")


def status_calls_plan(meeting: Meeting, *, now, until) -> int:
    due_at = meeting.starts_at - datetime.timedelta(days=meeting.mechanism.status_call_offset_days)
    rows = []
    if due_at <= until and meeting.starts_at - max(due_at, now) >= STATUS_CALL_MIN_NOTICE:
        for uid in sorted(recipients.status_call_recipients(meeting)):
            rows.append(_status_call(ReminderKind.STATUS_CALL, meeting, uid, due_at))
        rows += robot_rows(
            ReminderKind.STATUS_CALL,
            base_key=f"{ReminderKind.STATUS_CALL}:{meeting.pk}",
            due_at=due_at,
            meeting=meeting,
        )
    first_calls = Reminder.objects.filter(
        meeting=meeting,
        kind=ReminderKind.STATUS_CALL,
        state=ReminderState.SENT,
        recipient__isnull=False,
    )
    for first in first_calls:
        second_at = followup_due(first)
        if second_at < meeting.starts_at and second_at <= until:
            rows.append(
                _status_call(
                    ReminderKind.STATUS_CALL_FOLLOWUP, meeting, first.recipient_id, second_at
                )
            )
    return write(rows, reason="Status call planned")


def followup_due(first: Reminder) -> datetime.datetime:
    """A week after the first call; after a late (caught-up) call, a week after it went out."""
    week = datetime.timedelta(days=settings.CHENGYI_STATUS_CALL_FOLLOWUP_DAYS)
    if first.sent_at and first.sent_at - first.due_at > datetime.timedelta(days=1):
        return first.sent_at + week
    return first.due_at + week


def _status_call(kind, meeting, uid, due_at) -> Planned:
    return Planned(
        key=meeting_key(kind, meeting, recipient_id=uid),
        kind=kind,
        due_at=due_at,
        meeting=meeting,
        recipient_id=uid,
    )


def _earliest_due(meeting: Meeting) -> datetime.datetime:
    mechanism: ConsultationMechanism = meeting.mechanism
    days = max([mechanism.status_call_offset_days, *mechanism.reminder_offsets_days])
    return meeting.starts_at - datetime.timedelta(days=int(days))


def meeting_plan(meeting: Meeting, *, now=None) -> int:
    """Every reminder of one upcoming meeting that should exist by now."""
    now = now or timezone.now()
    if meeting.state not in UPCOMING_STATES or meeting.starts_at <= now:
        return 0
    until = now + lookahead()
    if _earliest_due(meeting) > until:
        return 0
    return meeting_reminders_plan(meeting, now=now, until=until) + status_calls_plan(
        meeting, now=now, until=until
    )


def minutes_nudges_plan(*, now) -> int:
    """Three days after a meeting that has no minutes, a nudge to the host side."""
    after = datetime.timedelta(days=settings.CHENGYI_MINUTES_NUDGE_DAYS)
    meetings = (
        Meeting.objects.exclude(state=MeetingState.CANCELLED)
        .filter(
            minutes="",
            starts_at__lte=now + lookahead() - after,
            starts_at__gte=now - after - datetime.timedelta(days=30),
        )
        .select_related("mechanism")
    )
    rows = []
    for meeting in meetings:
        for uid in recipients.host_side(meeting):
            rows.append(
                Planned(
                    key=meeting_key(ReminderKind.MINUTES_NUDGE, meeting, recipient_id=uid),
                    kind=ReminderKind.MINUTES_NUDGE,
                    due_at=meeting.starts_at + after,
                    meeting=meeting,
                    recipient_id=uid,
                )
            )
        rows += robot_rows(
            ReminderKind.MINUTES_NUDGE,
            base_key=f"{ReminderKind.MINUTES_NUDGE}:{meeting.pk}",
            due_at=meeting.starts_at + after,
            meeting=meeting,
        )
    return write(rows, reason="Minutes reminder planned")


def stale_nudges_plan(*, now) -> int:
    """Items without a status update in 30 days: their coordinators; in 60: supervisors too."""
    escalate_before = now - datetime.timedelta(days=settings.CHENGYI_ESCALATION_DAYS)
    week_ago = now - datetime.timedelta(days=7)
    recent = set(
        Reminder.objects.filter(kind__in=STALE_KINDS, due_at__gt=week_ago)
        .exclude(state=ReminderState.CANCELLED)
        .values_list("item_id", "recipient_id")
    )
    day = timezone.localdate(now).strftime("%Y%m%d")
    directory = recipients.Directory()
    nudges = []  # (item id, kind, the people it concerns)
    for due in recipients.stale_items(now=now):
        escalate = due.item.stale_since < escalate_before
        owners = recipients.owner_organization_ids(due.item)
        users = directory.coordinators(owners)
        if escalate:
            users |= directory.supervisors_of_owners(owners)
        kind = ReminderKind.STALE_ESCALATION if escalate else ReminderKind.STALE_ITEM
        nudges.append((due.item.pk, kind, users))
    # Per-item nudges only for those who want them at once; the others find the item in
    # their daily digest (cooperation/workflow/digest.py). Asked once for everyone concerned,
    # not once per item (a query each: 7,000 of them a pass at 10,000 items).
    wanting = wanting_at_once(set().union(*(users for *_n, users in nudges)), NoticeKind.REPORT_DUE)
    rows = []
    for item_id, kind, users in nudges:
        for uid in sorted(users & wanting):
            if (item_id, uid) in recent:
                continue
            rows.append(
                Planned(
                    key=f"stale:{item_id}:u{uid}:{day}",
                    kind=kind,
                    due_at=now,
                    item_id=item_id,
                    recipient_id=uid,
                )
            )
    return write(rows, reason="Stale item reminder planned")


def reminders_plan_all(*, now=None) -> int:
    """What the 15-minute beat task runs: every row that should exist by now."""
    now = now or timezone.now()
    created = 0
    upcoming = Meeting.objects.filter(state__in=UPCOMING_STATES, starts_at__gt=now)
    for meeting in upcoming.select_related("mechanism").order_by("starts_at"):
        created += meeting_plan(meeting, now=now)
    created += minutes_nudges_plan(now=now)
    created += stale_nudges_plan(now=now)
    return created


def notices_plan(meeting: Meeting, kind: str, *, now, context=None) -> int:
    """A notice (rescheduled, cancelled) to everyone already reminded of the meeting.

    One notice per person per revision of the meeting: a second reschedule notifies again.
    """
    reminded = (
        Reminder.objects.filter(meeting=meeting, kind__in=REMINDED_KINDS, state=ReminderState.SENT)
        .exclude(recipient=None)
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    rows = [
        Planned(
            key=meeting_key(kind, meeting, recipient_id=uid, revision=meeting.revision),
            kind=kind,
            due_at=now,
            meeting=meeting,
            recipient_id=uid,
            context=context or {},
        )
        for uid in sorted(set(reminded))
    ]
    announced = meeting.reminders.filter(channel=Channel.WEBHOOK, state=ReminderState.SENT)
    if webhook_enabled() and announced.exists():
        rows.append(
            Planned(
                key=meeting_key(kind, meeting, revision=meeting.revision),
                kind=kind,
                due_at=now,
                meeting=meeting,
                channel=Channel.WEBHOOK,
                context=context or {},
            )
        )
    told = set(
        meeting.reminders.filter(robot__isnull=False, state=ReminderState.SENT).values_list(
            "robot_id", flat=True
        )
    )
    rows += [
        row
        for row in robot_rows(
            kind,
            base_key=f"{kind}:{meeting.pk}:r{meeting.revision}",
            due_at=now,
            meeting=meeting,
            context=context,
        )
        if row.robot_id in told
    ]
    return write(rows, reason=f"{kind} notice planned")


NOTICE_KINDS = (ReminderKind.MEETING_CANCELLED, ReminderKind.MEETING_RESCHEDULED)


def meeting_pending_cancel(meeting: Meeting, *, reason: str) -> int:
    """Cancel a meeting's pending reminders, but not the notices about its cancellation."""
    pending = meeting.reminders.exclude(kind=ReminderKind.MEETING_CANCELLED)
    return outbox.pending_cancel(pending, reason=reason)


def _due_after_move(reminder: Reminder, meeting: Meeting) -> datetime.datetime | None:
    mechanism = meeting.mechanism
    if reminder.kind == ReminderKind.MEETING:
        offset = int(reminder.context.get("offset_days", 0))
        return meeting.starts_at - datetime.timedelta(days=offset)
    if reminder.kind == ReminderKind.STATUS_CALL:
        return meeting.starts_at - datetime.timedelta(days=mechanism.status_call_offset_days)
    if reminder.kind == ReminderKind.STATUS_CALL_FOLLOWUP:
        first = meeting.reminders.filter(
            kind=ReminderKind.STATUS_CALL, recipient_id=reminder.recipient_id
        ).first()
        return followup_due(first) if first else None
    if reminder.kind == ReminderKind.MINUTES_NUDGE:
        return meeting.starts_at + datetime.timedelta(days=settings.CHENGYI_MINUTES_NUDGE_DAYS)
    return None


def meeting_pending_retime(meeting: Meeting, *, now) -> int:
    """After a move, each pending reminder is due relative to the new time; none goes out
    for the old one. A meeting reminder whose new time has already passed is dropped (the
    reschedule notice tells those already reminded; the planner catches up the others)."""
    changed = 0
    for reminder in meeting.reminders.filter(state=ReminderState.PENDING).exclude(
        kind__in=NOTICE_KINDS
    ):
        due_at = _due_after_move(reminder, meeting)
        if due_at is None or due_at == reminder.due_at:
            continue
        too_late = due_at >= meeting.starts_at and reminder.kind != ReminderKind.MINUTES_NUDGE
        if too_late or (reminder.kind == ReminderKind.MEETING and due_at <= now):
            outbox.pending_cancel(
                Reminder.objects.filter(pk=reminder.pk), reason="Missed after a reschedule"
            )
        else:
            outbox.pending_retime(reminder.pk, due_at=due_at)
        changed += 1
    return changed
