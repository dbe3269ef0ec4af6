"""What people do to a meeting: create, confirm, reschedule, cancel, record minutes.

Every change runs in one transaction with the meeting row locked, records who did it in the
meeting's history, re-plans the meeting's reminders, and wakes the dispatcher once committed.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cooperation.choices import MeetingState, ReminderKind
from cooperation.models import ConsultationMechanism, Meeting
from cooperation.reports.services import meeting_briefing_freeze
from cooperation.services import tracked_save
from cooperation.webhooks.events import event_record

from . import reminders
from .enqueue import dispatch_soon


def _locked(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update().select_related("mechanism").get(pk=meeting.pk)


def _require_future(starts_at: datetime.datetime, *, now) -> None:
    if starts_at <= now:
        raise ValidationError(
            {"starts_at": _("Choose a time in the future.")}, code="starts_in_past"
        )


def after_move(meeting: Meeting, *, old_start: datetime.datetime, now) -> None:
    """Re-plan a moved meeting's reminders and tell those already reminded."""
    reminders.meeting_pending_retime(meeting, now=now)
    reminders.notices_plan(
        meeting,
        ReminderKind.MEETING_RESCHEDULED,
        now=now,
        context={"old_start": old_start.isoformat(), "revision": meeting.revision},
    )
    reminders.meeting_plan(meeting, now=now)
    dispatch_soon()
    event_record(type="meeting.rescheduled", obj=meeting)


def meeting_create(
    *,
    mechanism: ConsultationMechanism,
    starts_at: datetime.datetime,
    host_city: str,
    user,
    location: str = "",
    agenda: str = "",
) -> Meeting:
    """An extra meeting outside the rule, set by a person (so planning never moves it)."""
    now = timezone.now()
    _require_future(starts_at, now=now)
    meeting = Meeting(
        mechanism=mechanism,
        sequence=None,
        starts_at=starts_at,
        planned_for=timezone.localdate(starts_at),
        host_city=host_city,
        location=location.strip(),
        agenda=agenda.strip(),
        state=MeetingState.CONFIRMED,
        manually_scheduled=True,
    )
    with transaction.atomic():
        tracked_save(meeting, user=user, reason=gettext_noop("Extra meeting created"))
        reminders.meeting_plan(meeting, now=now)
        dispatch_soon()
        event_record(type="meeting.planned", obj=meeting)
    return meeting


def meeting_confirm(*, meeting: Meeting, user) -> Meeting:
    with transaction.atomic():
        meeting = _locked(meeting)
        if meeting.state != MeetingState.PLANNED:
            raise ValidationError(_("Only a planned meeting can be confirmed."), code="state")
        tracked_save(
            meeting,
            user=user,
            reason=gettext_noop("Meeting confirmed"),
            fields={"state": MeetingState.CONFIRMED},
        )
    return meeting


def meeting_details_update(*, meeting: Meeting, user, location: str, agenda: str) -> Meeting:
    with transaction.atomic():
        meeting = _locked(meeting)
        if meeting.state == MeetingState.CANCELLED:
            raise ValidationError(_("A cancelled meeting cannot be changed."), code="state")
        tracked_save(
            meeting,
            user=user,
            reason=gettext_noop("Agenda or location changed"),
            fields={"location": location.strip(), "agenda": agenda.strip()},
        )
    return meeting


def meeting_reschedule(
    *, meeting: Meeting, starts_at: datetime.datetime, user, location: str | None = None
) -> Meeting:
    """Move a meeting: its pending reminders follow, those already reminded are told."""
    now = timezone.now()
    _require_future(starts_at, now=now)
    with transaction.atomic():
        meeting = _locked(meeting)
        if meeting.state in (MeetingState.HELD, MeetingState.CANCELLED):
            raise ValidationError(
                _("A meeting that was held or cancelled cannot be rescheduled."), code="state"
            )
        old_start = meeting.starts_at
        moved = starts_at != old_start
        fields = {"starts_at": starts_at, "manually_scheduled": True}
        if moved:
            fields.update(holiday_data_missing=False, revision=meeting.revision + 1)
        if location is not None:
            fields["location"] = location.strip()
        tracked_save(
            meeting, user=user, reason=gettext_noop("Meeting moved to a new time"), fields=fields
        )
        if moved:
            after_move(meeting, old_start=old_start, now=now)
    return meeting


def meeting_cancel(*, meeting: Meeting, user, reason: str) -> Meeting:
    """Cancel: no more reminders; everyone already reminded gets a cancellation notice."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Say why the meeting is cancelled.")}, code="reason_required"
        )
    now = timezone.now()
    with transaction.atomic():
        meeting = _locked(meeting)
        if meeting.state in (MeetingState.HELD, MeetingState.CANCELLED):
            raise ValidationError(
                _("A meeting that was held or cancelled cannot be cancelled."), code="state"
            )
        tracked_save(
            meeting,
            user=user,
            reason=gettext_noop("Meeting cancelled by a supervisor"),
            fields={
                "state": MeetingState.CANCELLED,
                "cancellation_reason": reason,
                "revision": meeting.revision + 1,
            },
        )
        reminders.meeting_pending_cancel(meeting, reason="The meeting was cancelled")
        reminders.notices_plan(meeting, ReminderKind.MEETING_CANCELLED, now=now)
        dispatch_soon()
        event_record(type="meeting.cancelled", obj=meeting)
    return meeting


def meeting_minutes_record(*, meeting: Meeting, user, minutes: str, decisions: str) -> Meeting:
    """Minutes and decisions of a meeting that took place; it is then held."""
    with transaction.atomic():
        meeting = _locked(meeting)
        if meeting.state == MeetingState.CANCELLED:
            raise ValidationError(_("A cancelled meeting has no minutes."), code="state")
        if meeting.starts_at > timezone.now():
            raise ValidationError(
                _("Minutes can be recorded once the meeting has started."), code="not_started"
            )
        was_held = meeting.state == MeetingState.HELD
        tracked_save(
            meeting,
            user=user,
            reason=gettext_noop("Minutes and decisions recorded"),
            fields={
                "minutes": minutes.strip(),
                "decisions": decisions.strip(),
                "state": MeetingState.HELD,
            },
        )
        if meeting.minutes:
            reminders.meeting_pending_cancel(meeting, reason="Minutes recorded")
        if not was_held:
            event_record(type="meeting.held", obj=meeting)
        # Held: its briefing pack is frozen as it was at the meeting (once; never redone).
        meeting_briefing_freeze(meeting=meeting, user=user)
    return meeting
