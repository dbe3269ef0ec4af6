"""The one write reports make: freezing a held meeting's briefing pack."""

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from cooperation.choices import MeetingState
from cooperation.models import BriefingPage, Meeting
from cooperation.services import system_user, tracked_save

from .briefing import briefing_facts, present
from .selectors import pack_html


def meeting_briefing_freeze(*, meeting: Meeting, user=None) -> bool:
    """Store the pack of a held meeting as it was at the meeting; never overwrite one.

    The facts are read from the items' history as of the meeting's start, so freezing an
    hour or a month after the meeting gives the same pack. The page showing them is
    rendered now in every language (``BriefingPage``), so that the frozen copy is shown
    without being worked out again. Returns whether it froze now.
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
        briefing_pages_render(meeting=meeting)
    return True


def briefing_pages_render(*, meeting: Meeting) -> None:
    """(Re)render the page of ``meeting``'s frozen pack in every language."""
    # The facts as stored: JSONB keeps its own order of keys, which the page's lists follow.
    facts = Meeting.objects.values_list("briefing_snapshot", flat=True).get(pk=meeting.pk)
    for language, _name in settings.LANGUAGES:
        with translation.override(language):  # names are picked in the language too
            html = pack_html(present(facts, meeting, frozen=True)).decode()
        BriefingPage.objects.update_or_create(
            meeting=meeting,
            language=language,
            defaults={"html": html, "rendered_at": timezone.now()},
        )


LEADERS_GROUP = "领导 Leaders"


def leaders_group_ensure():
    """The group that gives leaders the reports (cooperation.view_reports); safe to rerun."""
    group, _created = Group.objects.get_or_create(name=LEADERS_GROUP)
    group.permissions.add(
        Permission.objects.get(codename="view_reports", content_type__app_label="cooperation")
    )
    return group
