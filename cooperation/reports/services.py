"""The one write reports make: freezing a held meeting's briefing pack."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from cooperation.choices import MeetingState
from cooperation.models import Meeting
from cooperation.services import system_user, tracked_save

from .briefing import briefing_facts


def meeting_briefing_freeze(*, meeting: Meeting, user=None) -> bool:
    """Store the pack of a held meeting as it was at the meeting; never overwrite one.

    The facts are read from the items' history as of the meeting's start, so freezing an
    hour or a month after the meeting gives the same pack. Returns whether it froze now.
    """
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().select_related("mechanism").get(pk=meeting.pk)
        if meeting.state != MeetingState.HELD or meeting.briefing_snapshot:
            return False
        facts = briefing_facts(meeting, user=None)
        facts["frozen_at"] = timezone.now().isoformat()
        tracked_save(
            meeting,
            user=user or system_user(),
            reason=gettext_noop("Briefing pack frozen"),
            fields={"briefing_snapshot": facts},
        )
    return True


LEADERS_GROUP = "领导 Leaders"


def leaders_group_ensure():
    """The group that gives leaders the reports (cooperation.view_reports); safe to rerun."""
    group, _created = Group.objects.get_or_create(name=LEADERS_GROUP)
    group.permissions.add(
        Permission.objects.get(codename="view_reports", content_type__app_label="cooperation")
    )
    return group
