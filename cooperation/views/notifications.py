"""The signed-in user's notification list."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cooperation.meetings import selectors
from cooperation.meetings.notifications import notification_mark_read, notifications_mark_all_read
from cooperation.models import Notification
from cooperation.notifications import notification_render


@require_GET
def notification_list(request):
    page = Paginator(selectors.notifications_for(request.user), 50).get_page(
        request.GET.get("page")
    )
    for note in page:  # in the reader's current language
        note.shown_title, note.shown_body = notification_render(note)
    return render(request, "cooperation/notification_list.html", {"page": page})


@require_POST
def notification_read(request, pk: int):
    """Mark one notification read, then go to what it is about (or back to the list)."""
    if not notification_mark_read(user=request.user, notification_id=pk):
        messages.error(request, _("No such notification."))
        return redirect("cooperation:notification_list")
    target = request.POST.get("next", "")
    if request.POST.get("open") and not target:
        target = Notification.objects.filter(pk=pk).values_list("url", flat=True).first() or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("cooperation:notification_list")


@require_POST
def notification_read_all(request):
    count = notifications_mark_all_read(user=request.user)
    messages.success(request, _("%(count)d notifications marked as read.") % {"count": count})
    return redirect("cooperation:notification_list")
