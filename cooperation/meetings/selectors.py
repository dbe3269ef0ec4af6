"""Reads for the meeting pages, the notification list and the calendar feed."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cooperation.choices import MeetingState, ReminderKind, ReminderState
from cooperation.models import ConsultationMechanism, Meeting, Notification


@dataclass
class MechanismMeetings:
    mechanism: ConsultationMechanism
    upcoming: list[Meeting] = field(default_factory=list)
    past: list[Meeting] = field(default_factory=list)


def meeting_list(
    *, mechanism_id: int | None = None, now=None, past_days: int = 365
) -> list[MechanismMeetings]:
    """Upcoming and recent meetings of each mechanism (two queries, however many meetings)."""
    now = now or timezone.now()
    mechanisms = ConsultationMechanism.objects.order_by("pk")
    if mechanism_id:
        mechanisms = mechanisms.filter(pk=mechanism_id)
    groups = {mechanism.pk: MechanismMeetings(mechanism) for mechanism in mechanisms}
    meetings = Meeting.objects.filter(
        mechanism_id__in=groups, starts_at__gte=now - datetime.timedelta(days=past_days)
    ).order_by("starts_at")
    for meeting in meetings:
        group = groups[meeting.mechanism_id]
        meeting.mechanism = group.mechanism
        (group.upcoming if meeting.starts_at >= now else group.past).append(meeting)
    for group in groups.values():
        group.past.reverse()
    return list(groups.values())


def mechanisms() -> list[ConsultationMechanism]:
    return list(ConsultationMechanism.objects.order_by("pk"))


def meeting_get(pk: int) -> Meeting:
    return Meeting.objects.select_related("mechanism__agreement").get(pk=pk)


def baseline_meeting(
    *,
    mechanism_id: int | None = None,
    before: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
    exclude_pk: int | None = None,
) -> Meeting | None:
    """THE baseline rule, for the briefing pack, the dashboard's "since the last consultation",
    the status call and the reports: the latest meeting (of ``mechanism_id``; of any mechanism
    when None) that has started before both ``before`` and now, and was not cancelled.

    A meeting still ahead is never a baseline, even one scheduled before the meeting in
    question; None when there is none (then every report since the tracker started counts).
    """
    now = now or timezone.now()
    limit = min(before, now) if before is not None else now
    queryset = Meeting.objects.filter(starts_at__lt=limit).exclude(state=MeetingState.CANCELLED)
    if mechanism_id is not None:
        queryset = queryset.filter(mechanism_id=mechanism_id)
    if exclude_pk is not None:
        queryset = queryset.exclude(pk=exclude_pk)
    # Not the baseline's frozen briefing pack: thousands of facts, which no caller reads.
    queryset = queryset.defer("briefing_snapshot")
    return queryset.select_related("mechanism").order_by("-starts_at", "-pk").first()


def previous_meeting(meeting: Meeting, *, now: datetime.datetime | None = None) -> Meeting | None:
    """The baseline of ``meeting``: ``baseline_meeting`` of its mechanism before it."""
    return baseline_meeting(
        mechanism_id=meeting.mechanism_id, before=meeting.starts_at, now=now, exclude_pk=meeting.pk
    )


def previous_meeting_start(meeting: Meeting, *, previous: Meeting | None = None):
    """Where "since the previous meeting" begins, for the status call and the briefing pack:
    the baseline meeting's start, or None when there is none (every report counts, "since the
    tracker started recording"). Pass ``previous`` when it is already known (saves a query).
    """
    previous = previous or previous_meeting(meeting)
    return previous.starts_at if previous is not None else None


def meeting_participants(meeting: Meeting) -> dict:
    mechanism = meeting.mechanism
    return {
        "organizations": list(mechanism.participant_organizations.order_by("city", "name_zh")),
        "people": list(mechanism.participants.order_by("username")),
    }


@dataclass
class ReminderLine:
    kind: str
    kind_label: str
    due_at: datetime.datetime | None
    counts: dict[str, int]
    errors: list[str] = field(default_factory=list)
    # When the line actually went out, if well after its planned time (a reminder caught up
    # because the meeting was set at short notice, or retried): the latest send.
    sent_late_at: datetime.datetime | None = None


SENT_LATE = datetime.timedelta(minutes=5)


def meeting_reminder_lines(meeting: Meeting, *, show_errors: bool = False) -> list[ReminderLine]:
    """The meeting's reminders grouped by kind and due time, counted by state.

    Sends that failed are listed under their line: the raw error (English, may name
    addresses) when ``show_errors`` (supervisors), else only a translated state.
    """
    rows = (
        meeting.reminders.values("kind", "due_at", "state")
        .annotate(n=Count("pk"), sent=Max("sent_at"))
        .order_by("due_at", "kind")
    )
    lines: dict[tuple, ReminderLine] = {}
    for row in rows:
        key = (row["kind"], row["due_at"])
        line = lines.setdefault(
            key, ReminderLine(row["kind"], ReminderKind(row["kind"]).label, row["due_at"], {})
        )
        line.counts[row["state"]] = row["n"]
        if row["sent"] and row["sent"] - row["due_at"] > SENT_LATE:
            line.sent_late_at = row["sent"]
    retrying = Q(state=ReminderState.PENDING, attempts__gt=0) & ~Q(last_error="")
    failures = meeting.reminders.filter(Q(state=ReminderState.FAILED) | retrying).values_list(
        "kind", "due_at", "state", "last_error"
    )
    for kind, due_at, state, error in failures:
        line = lines.get((kind, due_at))
        if show_errors:
            text = error
        elif state == ReminderState.FAILED:
            text = _("Sending failed")
        else:
            text = _("Sending failed; it will be tried again")
        if line and text not in line.errors:
            line.errors.append(text)
    return list(lines.values())


def meeting_reminder_schedule(meeting: Meeting, *, now=None) -> list[tuple[str, datetime.datetime]]:
    """Meeting reminders not written yet: (label, due time) for the page's "to come" list."""
    now = now or timezone.now()
    written = set(
        meeting.reminders.filter(kind=ReminderKind.MEETING).values_list(
            "context__offset_days", flat=True
        )
    )
    mechanism = meeting.mechanism
    upcoming = []
    status_call_at = meeting.starts_at - datetime.timedelta(days=mechanism.status_call_offset_days)
    called = meeting.reminders.filter(kind=ReminderKind.STATUS_CALL).exists()
    if status_call_at > now and not called:
        upcoming.append((ReminderKind.STATUS_CALL.label, status_call_at))
    for offset in sorted({int(d) for d in mechanism.reminder_offsets_days}, reverse=True):
        due_at = meeting.starts_at - datetime.timedelta(days=offset)
        if due_at > now and offset not in written:
            upcoming.append((ReminderKind.MEETING.label, due_at))
    return sorted(upcoming, key=lambda pair: pair[1])


def user_meetings(user, *, now=None, past_days: int = 365) -> QuerySet:
    """Meetings of the mechanisms the user takes part in (by name or by organisation)."""
    now = now or timezone.now()
    mechanisms = ConsultationMechanism.objects.filter(
        Q(participants=user) | Q(participant_organizations__memberships__user=user)
    ).values("pk")
    return (
        Meeting.objects.filter(
            mechanism__in=mechanisms, starts_at__gte=now - datetime.timedelta(days=past_days)
        )
        .select_related("mechanism")
        .order_by("starts_at")
    )


def notifications_for(user) -> QuerySet:
    return Notification.objects.filter(user=user).order_by("-created_at", "-pk")


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
