from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from . import permissions

# (URL name, label, path prefix that marks the entry active); entries whose URL does not
# exist (yet) are left out.
NAV = [
    ("cooperation:dashboard", _("Overview"), None),
    ("cooperation:item_list", _("Cooperation items"), "/items/"),
    ("cooperation:meeting_list", _("Consultations"), "/meetings/"),
    ("cooperation:agreement_list", _("The agreement"), "/agreements/"),
    ("cooperation:todo_list", _("To do"), "/todo/"),
    ("cooperation:slip_list", _("Supervision slips"), "/slips/"),
    ("cooperation:report_index", _("Reports"), "/reports/"),
]


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _unread(user):
    """The header's unread count, counted only on pages that show it (one query)."""

    def count() -> int:
        from cooperation.meetings.selectors import unread_count

        return unread_count(user)

    return SimpleLazyObject(count)


def navigation(request):
    """Values every page's header needs."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    entries = []
    can_view_reports = permissions.can_view_reports(user)
    for name, label, prefix in NAV:
        url = _url(name)
        if url is None or (name == "cooperation:report_index" and not can_view_reports):
            continue
        active = request.path.startswith(prefix) if prefix else request.path == url
        entries.append({"url": url, "label": label, "active": active})
    return {
        "nav_entries": entries,
        "nav_memberships": permissions.memberships(user),
        "can_view_reports": can_view_reports,
        "notifications_url": _url("cooperation:notification_list"),
        "unread_notifications": _unread(user),
    }
