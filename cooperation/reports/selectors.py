"""Every read the report pages make: one function per page, each taking the reader."""

import threading
import time

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import get_language

from cooperation import permissions
from cooperation.models import BriefingPage, Meeting

from . import briefing
from .dashboard import dashboard_figures, data_version
from .period import period_report

__all__ = ["briefing_pack", "briefing_page", "dashboard_figures", "period_report"]


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


def pack_html(pack: briefing.BriefingPack) -> bytes:
    """What the briefing page shows of ``pack`` (``briefing.PACK_TEMPLATE``), as UTF-8."""
    return render_to_string(briefing.PACK_TEMPLATE, briefing.page_context(pack)).encode()


class _Pages:
    """The last few packs' HTML in this process, by key: a pack of 10,000 items is 10 MB
    of HTML, which the database would send (frozen) or which takes seconds to make (live)
    for each reader."""

    size = 4

    def __init__(self):
        self._pages: dict[tuple, tuple[float, bytes]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple) -> bytes | None:
        found = self._pages.get(key)
        if found is None or found[0] < time.monotonic():
            return None
        return found[1]

    def put(self, key: tuple, html: bytes, seconds: float = float("inf")) -> None:
        with self._lock:
            while len(self._pages) >= self.size:
                self._pages.pop(next(iter(self._pages)))
            self._pages[key] = (time.monotonic() + seconds, html)


_pages = _Pages()


def briefing_page(*, meeting: Meeting, user) -> bytes | None:
    """The pack part of ``meeting``'s briefing page for ``user`` in the active language, as
    UTF-8, when one copy serves every reader who sees every item; None for a reader who
    does not (the view then renders ``briefing_pack``).

    A frozen pack: as its page was rendered when it was frozen (``BriefingPage``; one
    query, two the first time in a process). A pack not frozen, worked out from the data:
    kept under the data's version (``dashboard.data_version``, one query) for
    CHENGYI_BRIEFING_CACHE_SECONDS, as the dashboard's figures are, so that a write shows
    at once and time alone (an item turning stale) after at most that long; the page says
    when its figures were worked out. A meeting frozen before pages were kept is shown from
    its facts, and so is every pack when the setting is 0.
    """
    if not permissions.sees_every_item(user):
        return None
    language = get_language()
    page = (
        BriefingPage.objects.filter(
            meeting=meeting, language=language, meeting__briefing_snapshot__isnull=False
        )
        .values_list("pk", "rendered_at")
        .first()
    )
    if page is not None:
        key = ("frozen", *page)
        html = _pages.get(key)
        if html is None:
            html = BriefingPage.objects.values_list("html", flat=True).get(pk=page[0]).encode()
            _pages.put(key, html)
        return html
    seconds = settings.CHENGYI_BRIEFING_CACHE_SECONDS
    if not seconds:
        return None
    key = ("computed", meeting.pk, language, data_version())
    html = _pages.get(key)
    if html is None:
        html = pack_html(briefing_pack(meeting=meeting, user=user))
        _pages.put(key, html, seconds)
    return html
