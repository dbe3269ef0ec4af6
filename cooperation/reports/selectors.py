"""Every read the report pages make: one function per page, each taking the reader."""

import threading

from django.utils.translation import get_language

from cooperation import permissions
from cooperation.models import BriefingPage, Meeting

from . import briefing
from .dashboard import dashboard_figures
from .period import period_report

__all__ = ["briefing_pack", "dashboard_figures", "frozen_briefing_page", "period_report"]


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


# Kept pages as UTF-8, by (page id, rendered at), in each process: a frozen pack never
# changes, and its page at 10,000 items is 10 MB that the database would send every time.
# A few packs per process (the recent meetings' are the ones read).
KEPT_PAGES = 4
_kept: dict[tuple, bytes] = {}
_kept_lock = threading.Lock()


def frozen_briefing_page(*, meeting: Meeting, user) -> bytes | None:
    """The frozen pack of ``meeting`` as its page showed it when it was frozen, in the
    active language, as UTF-8 (one query; two the first time in a process); None when
    there is none to show: not frozen, frozen before pages were kept, or a reader who does
    not see every item."""
    if not permissions.sees_every_item(user):
        return None
    key = (
        BriefingPage.objects.filter(
            meeting=meeting, language=get_language(), meeting__briefing_snapshot__isnull=False
        )
        .values_list("pk", "rendered_at")
        .first()
    )
    if key is None:
        return None
    html = _kept.get(key)
    if html is None:
        html = BriefingPage.objects.values_list("html", flat=True).get(pk=key[0]).encode()
        with _kept_lock:
            while len(_kept) >= KEPT_PAGES:
                _kept.pop(next(iter(_kept)))
            _kept[key] = html
    return html
