"""Every read the report pages make: one function per page, each taking the reader."""

from cooperation import permissions
from cooperation.models import Meeting

from . import briefing
from .dashboard import dashboard_figures
from .period import period_report

__all__ = ["briefing_pack", "dashboard_figures", "period_report"]


def briefing_pack(*, meeting: Meeting, user) -> briefing.BriefingPack:
    """The pack of ``meeting`` for ``user``: frozen if the meeting was held, else live."""
    if meeting.briefing_snapshot:
        visible = None
        if not permissions.sees_every_item(user):
            visible = set(permissions.restrict_items(user, "view").values_list("pk", flat=True))
        facts = meeting.briefing_snapshot
        return briefing.present(facts, meeting, frozen=True, visible=visible)
    facts = briefing.briefing_facts(meeting, user=user)
    return briefing.present(facts, meeting, frozen=False)
