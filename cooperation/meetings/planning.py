"""Keeps the next months of meetings of every active mechanism planned.

Idempotent: meeting number N of a mechanism is one row (unique on mechanism and number), so
planning twice, or in two processes at once, never duplicates a meeting. A meeting a person
confirmed, rescheduled, held or cancelled is never moved; a planned one follows its rule
(for instance when the holiday calendar for its year becomes available).
"""

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from cooperation.choices import MeetingState
from cooperation.models import ConsultationMechanism, Meeting
from cooperation.services import system_user, tracked_save
from cooperation.webhooks.events import event_record

from . import changes, schedule

logger = logging.getLogger("cooperation.meetings")


@dataclass
class PlanResult:
    created: list[int] = field(default_factory=list)
    moved: list[int] = field(default_factory=list)

    def __iadd__(self, other: "PlanResult") -> "PlanResult":
        self.created += other.created
        self.moved += other.moved
        return self


def is_movable(meeting: Meeting) -> bool:
    return meeting.state == MeetingState.PLANNED and not meeting.manually_scheduled


def meetings_plan_all(*, now: datetime.datetime | None = None) -> PlanResult:
    result = PlanResult()
    for mechanism in ConsultationMechanism.objects.filter(is_active=True):
        result += meetings_plan(mechanism=mechanism, now=now)
    return result


def meetings_plan(*, mechanism: ConsultationMechanism, now=None) -> PlanResult:
    """Create or follow the rule's meetings from now to the planning horizon."""
    now = now or timezone.now()
    horizon = timezone.localdate(now) + datetime.timedelta(
        days=settings.CHENGYI_PLANNING_HORIZON_DAYS
    )
    existing = {
        meeting.sequence: meeting
        for meeting in mechanism.meetings.filter(sequence__isnull=False).select_related("mechanism")
    }
    result = PlanResult()
    for slot in schedule.slots_until(mechanism, horizon):
        if slot.starts_at <= now:
            continue
        meeting = existing.get(slot.sequence)
        if meeting is None:
            created = _create(mechanism, slot)
            if created:
                result.created.append(created.pk)
        elif (
            is_movable(meeting) and _differs(meeting, slot) and _follow_rule(meeting, slot, now=now)
        ):
            result.moved.append(meeting.pk)
    return result


def _differs(meeting: Meeting, slot: schedule.Slot) -> bool:
    return (meeting.starts_at, meeting.planned_for, meeting.holiday_data_missing) != (
        slot.starts_at,
        slot.rule_date,
        slot.holiday_data_missing,
    )


def _create(mechanism: ConsultationMechanism, slot: schedule.Slot) -> Meeting | None:
    meeting = Meeting(
        mechanism=mechanism,
        sequence=slot.sequence,
        starts_at=slot.starts_at,
        planned_for=slot.rule_date,
        host_city=slot.host_city,
        holiday_data_missing=slot.holiday_data_missing,
    )
    try:
        with transaction.atomic():
            tracked_save(
                meeting, user=system_user(), reason=gettext_noop("Planned from the recurrence rule")
            )
            event_record(type="meeting.planned", obj=meeting)
    except IntegrityError:
        return None  # a concurrent planner created this meeting number first
    except ValidationError:
        # full_clean saw the number taken: a concurrent planner committed it after this one
        # read the existing meetings. Anything else wrong with the meeting is an error.
        if Meeting.objects.filter(mechanism=mechanism, sequence=slot.sequence).exists():
            return None
        raise
    return meeting


def _follow_rule(meeting: Meeting, slot: schedule.Slot, *, now) -> bool:
    """Move a planned meeting to its slot; False if, once locked, there was nothing to do."""
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().select_related("mechanism").get(pk=meeting.pk)
        if not is_movable(meeting) or not _differs(meeting, slot):
            return False
        # Decided on the locked row: the copy read before the lock may be out of date.
        old_start = meeting.starts_at
        moved = old_start != slot.starts_at
        tracked_save(
            meeting,
            user=system_user(),
            reason=gettext_noop("Follows the recurrence rule and holiday calendar"),
            fields={
                "starts_at": slot.starts_at,
                "planned_for": slot.rule_date,
                "holiday_data_missing": slot.holiday_data_missing,
                "revision": meeting.revision + (1 if moved else 0),
            },
        )
        if moved:
            changes.after_move(meeting, old_start=old_start, now=now)
    logger.info(
        "meeting follows its rule",
        extra={"event": "meeting_replanned", "meeting": meeting.pk, "moved": moved},
    )
    return True
