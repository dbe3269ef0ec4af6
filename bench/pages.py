"""The pages the benchmark requests, by name, and how to find their URL in a database.

A page whose URL does not resolve (not built yet) is skipped with "not available yet".
Paths are built from the data (an item's id by its code, the briefing meeting), so the same
page is requested in every database.
"""

from dataclasses import dataclass

from django.urls import Resolver404, resolve

TRIVIAL = "/bench/ok/"
DETAIL_ITEM = "G-000001"  # a generated parent item with sub-items, in every dataset size
# The filter of the list measurements: the same items in the item list and in the admin.
LIST_FILTER = {"status": "in_progress", "category": "key_project"}


@dataclass(frozen=True)
class Page:
    name: str
    title: str
    template: str  # a path with {item} / {meeting} placeholders
    heavy: bool = False  # fewer repetitions (exports)


PAGES = {
    p.name: p
    for p in [
        Page("item_list", "item list, filtered, 50 per page",
             "/items/?status=in_progress&category=key_project"),
        Page("item_detail", "item detail", "/items/{item}/"),
        Page("item_history", "item history tab", "/items/{item}/history/"),
        Page("meeting_list", "meetings list", "/meetings/"),
        Page("meeting_detail", "meeting page", "/meetings/{meeting}/"),
        Page("notifications", "notifications", "/notifications/"),
        Page("todo", "To do", "/todo/"),
        Page("slip_list", "supervision slips list", "/slips/"),
        Page("slip_detail", "supervision slip page", "/slips/{slip}/"),
        Page("scorecard", "scorecard", "/reports/scorecard/"),
        Page("dashboard", "dashboard", "/"),
        Page("briefing", "briefing pack", "/meetings/{meeting}/briefing/", heavy=True),
        Page("export_xlsx", "XLSX export of every item", "/items/export.xlsx", heavy=True),
        Page("export_csv", "CSV export of every item", "/items/export.csv", heavy=True),
        Page("circular", "progress circular (Word) of the year",
             "/reports/circular.docx?period={year}", heavy=True),
        Page("period_xlsx", "period report XLSX of the year", "/reports/quarter.xlsx?period={year}",
             heavy=True),
        Page("notice", "meeting notice (Word)", "/meetings/{meeting}/notice.docx"),
        Page("admin_changelist", "admin changelist, same filter",
             "/admin/cooperation/cooperationitem/?status__exact=in_progress"
             "&category__exact=key_project"),
    ]
}  # fmt: skip


def lookup() -> dict:
    """Ids the page templates need, from the connected database."""
    from cooperation.models import CooperationItem, Meeting
    from cooperation.models.supervision import SupervisionSlip

    meeting = (
        Meeting.objects.filter(mechanism__code="lead-dept-quarterly", state="held")
        .order_by("-starts_at")
        .values_list("pk", flat=True)
        .first()
    )
    item = CooperationItem.objects.filter(code=DETAIL_ITEM).values_list("pk", flat=True).first()
    # A typical slip: the first one of the earliest item that has any (the same in every size).
    slip = (
        SupervisionSlip.objects.order_by("item__sort_order", "item__code", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    from django.utils import timezone

    year = str(timezone.localdate().year)
    return {"item": item, "meeting": meeting, "slip": slip, "year": year}


def path(page: Page, ids: dict) -> str:
    return page.template.format(**ids)


def resolves(url: str) -> bool:
    """Whether the project has this page (a redirecting placeholder does not count)."""
    from django.views.generic import RedirectView

    try:
        match = resolve(url.split("?")[0])
    except Resolver404:
        return False
    view_class = getattr(match.func, "view_class", None)
    return not (view_class and issubclass(view_class, RedirectView))
