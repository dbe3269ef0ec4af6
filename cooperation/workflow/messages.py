"""What the loop's outbox rows say (acknowledgement overdue, notices, the daily digest),
composed at send time in the recipient's language, like the meeting reminders."""

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cooperation.meetings.messages import (
    Message,
    NotRelevant,
    day,
    notifications_url,
    object_url,
    site_url,
    when,
)
from cooperation.models import Acknowledgement, Reminder

from .digest import digest_summary, todo_for
from .notify import render


def _acknowledgement_due(reminder: Reminder, now) -> Message:
    ack = (
        Acknowledgement.objects.select_related("item", "organization")
        .filter(pk=reminder.context.get("acknowledgement"))
        .first()
    )
    if ack is None or not ack.active or ack.acknowledged_at is not None:
        raise NotRelevant("The item was acknowledged (or its lead changed).")
    values = {
        "item": ack.item,
        "organization": ack.organization,
        "due": date_format(ack.due_date, "DATE_FORMAT"),
    }
    return Message(
        subject=_("Not yet acknowledged: %(item)s") % values,
        lead=_(
            "%(organization)s was asked to acknowledge %(item)s by %(due)s and has not done "
            "so. Please acknowledge it on the item's page."
        )
        % values,
        action_url=object_url(ack),
        action_label=_("Open the item"),
    )


def _notice(reminder: Reminder, now) -> Message:
    context = reminder.context
    subject, body = render(context["title"], context.get("body", ""), context.get("params", {}))
    url = context.get("url") or ""
    return Message(
        subject=subject,
        lead=body or subject,
        action_url=site_url(url) if url else notifications_url(),
        action_label=_("Open"),
    )


def _row(code, title, detail, obj) -> dict:
    return {"code": code, "title": title, "detail": detail, "url": object_url(obj)}


def _digest(reminder: Reminder, now) -> Message:
    todo = todo_for(reminder.recipient, now=now)
    if not todo:
        raise NotRelevant("Nothing left to do.")
    return Message(
        subject=_("Your to-do list for %(date)s: %(summary)s")
        % {"date": day(now), "summary": digest_summary(todo)},
        lead=_("What waits for you in the Chengdu–Yibin cooperation tracker today:"),
        items=digest_rows(todo),
        action_url=site_url("/"),
        action_label=_("Open the tracker"),
    )


def digest_rows(todo) -> list[dict]:
    """A digest's lines (a person's or an organisation's), one per thing to do."""
    rows = []
    for ack in todo.acknowledgements:
        detail = _("acknowledge by %(date)s") % {"date": date_format(ack.due_date, "DATE_FORMAT")}
        rows.append(_row(ack.item.code, ack.item.title, detail, ack))
    for update in todo.reviews:
        detail = _("report of %(date)s to review") % {"date": day(update.reported_at)}
        rows.append(_row(update.item.code, update.item.title, detail, update))
    for request in todo.confirmations:
        detail = _("completion request to confirm (%(status)s)") % {
            "status": request.get_requested_status_display()
        }
        rows.append(_row(request.item.code, request.item.title, detail, request))
    for update in todo.returned:
        detail = _("your report was returned: %(reason)s") % {"reason": update.return_reason[:80]}
        rows.append(_row(update.item.code, update.item.title, detail, update))
    for item in todo.reports_due:
        rows.append(_row(item.code, item.title, _("progress report due"), item))
    for slip in todo.slips:
        detail = _("%(slip)s: feedback due %(date)s") % {
            "slip": f"{slip.number} {slip.get_colour_display()}",
            "date": date_format(slip.feedback_due, "DATE_FORMAT"),
        }
        rows.append(_row(slip.item.code, slip.item.title, detail, slip))
    for meeting in todo.meetings:
        rows.append(_row("", str(meeting), when(meeting.starts_at), meeting))
    return rows


COMPOSERS = {
    "acknowledgement_due": _acknowledgement_due,
    "loop_notice": _notice,
    "digest": _digest,
}
