"""What a robot posts: the notice as markdown, within the platform's size limit.

WeCom takes ``{"msgtype": "markdown", "markdown": {"content": …}}`` of at most 4096 bytes;
DingTalk ``{"msgtype": "markdown", "markdown": {"title": …, "text": …}}`` (20000 bytes).
A notice too long for one message loses its last list lines, replaced by a count and the
link to the full page: it still goes out, as one message.
"""

import datetime

from django.conf import settings
from django.db.models import Max, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cooperation import permissions
from cooperation.choices import Channel, City, ReminderKind, ReviewState
from cooperation.models import CooperationItem, Organization, Reminder, StatusUpdate

MARKDOWN_SPECIAL = str.maketrans({c: f"\\{c}" for c in "\\`*_[]"})


def escape(text: str) -> str:
    """Text as it should show, not as markdown (no stray bold, links or code)."""
    return " ".join(str(text).split()).translate(MARKDOWN_SPECIAL)


def max_bytes(platform: str) -> int:
    if platform == Channel.DINGTALK:
        return settings.CHENGYI_ROBOT_DINGTALK_MAX_BYTES
    return settings.CHENGYI_ROBOT_WECOM_MAX_BYTES


def markdown(message, *, platform: str) -> str:
    """The message in markdown, no longer than the platform takes (in UTF-8 bytes)."""
    head = [f"### {escape(message.subject)}", "", escape(message.lead)]
    facts = [f"> {escape(label)}: {escape(value)}" for label, value in message.facts]
    items = [
        "- [{code} {title}]({url}) ({detail})".format(
            code=escape(item["code"]),
            title=escape(item["title"]),
            url=item["url"],
            detail=escape(item["detail"]),
        )
        for item in message.items
    ]
    paragraphs = [escape(paragraph) for paragraph in message.paragraphs]
    link = f"[{escape(message.action_label)}]({message.action_url})"
    limit = max_bytes(platform)

    def text(shown: list[str], hidden: int) -> str:
        more = []
        if hidden:
            more = [
                ngettext(
                    "- … and %(count)d more item: see the page.",
                    "- … and %(count)d more items: see the page.",
                    hidden,
                )
                % {"count": hidden}
            ]
        parts = [*head, "", *facts, "", *shown, *more, "", *paragraphs, "", link]
        return "\n".join(parts).replace("\n\n\n", "\n\n").strip()

    shown = list(items)
    content = text(shown, 0)
    while len(content.encode()) > limit and shown:
        shown.pop()
        content = text(shown, len(items) - len(shown))
    if len(content.encode()) > limit:  # a huge agenda or lead: cut, keep the link
        tail = "…\n\n" + link
        budget = limit - len(tail.encode())
        content = content.encode()[:budget].decode(errors="ignore") + tail
    return content


def payload(*, platform: str, title: str, content: str) -> dict:
    if platform == Channel.DINGTALK:
        return {"msgtype": "markdown", "markdown": {"title": title[:60], "text": content}}
    return {"msgtype": "markdown", "markdown": {"content": content}}


# --- notices that say something different to a group than to a person ------------------


def _robot_organizations(robot) -> list[int]:
    if robot.organization_id:
        return [robot.organization_id]
    return list(Organization.objects.filter(city=robot.leaders_city).values_list("pk", flat=True))


def _status_call(reminder: Reminder, now: datetime.datetime):
    """A status call to a group: the items of its organisation (or city) without a status
    update since the previous meeting; nothing to say when every one has one."""
    from cooperation.meetings import messages
    from cooperation.meetings.recipients import REPORTING_STATUSES
    from cooperation.meetings.selectors import previous_meeting_start

    meeting = reminder.meeting
    messages._upcoming(meeting, now)
    since = previous_meeting_start(meeting)
    outdated = Q(last_update__isnull=True)
    if since is not None:
        outdated |= Q(last_update__lt=since)
    items = (
        permissions.owned_items(
            _robot_organizations(reminder.robot),
            CooperationItem.objects.filter(
                category__in=meeting.mechanism.scope_categories, status__in=REPORTING_STATUSES
            ),
        )
        .annotate(last_update=Max("status_updates__reported_at"))
        .filter(outdated)
        .order_by("sort_order", "code")
    )
    dues = [messages.recipients.ItemDue(item, item.last_update) for item in items]
    if not dues:
        raise messages.NotRelevant("Every item has a status update since the previous meeting.")
    values = {
        "meeting": meeting,
        "when": messages.when(meeting.starts_at),
        "previous": messages.day(since) if since else _("the start"),
        "group": reminder.robot.organization or City(reminder.robot.leaders_city).label,
    }
    return messages.Message(
        subject=_("Status updates requested before %(meeting)s") % values,
        lead=_(
            "%(meeting)s meets on %(when)s. These items of %(group)s have no status update "
            "since the previous meeting (%(previous)s). Their coordinators: please report "
            "before the meeting."
        )
        % values,
        items=messages._item_rows(dues),
        facts=messages.meeting_facts(meeting),
        action_url=messages.object_url(meeting),
        action_label=_("Open the meeting page"),
    )


def _group_digest(reminder: Reminder, now: datetime.datetime):
    """An organisation's digest (催办) to its group: what waits for the organisation."""
    from cooperation.meetings.messages import Message, NotRelevant, day, site_url
    from cooperation.workflow.digest import digest_summary, todo_for_organization
    from cooperation.workflow.messages import digest_rows

    organization = reminder.robot.organization
    todo = todo_for_organization(organization.pk, now=now) if organization else None
    if not todo:
        raise NotRelevant("Nothing waits for the organisation.")
    values = {"org": organization, "date": day(now), "summary": digest_summary(todo)}
    return Message(
        subject=_("%(org)s: to-do list for %(date)s: %(summary)s") % values,
        lead=_(
            "What waits for %(org)s in the Chengdu–Yibin cooperation tracker today. Its "
            "coordinators: each of you finds it on your to-do page."
        )
        % values,
        items=digest_rows(todo),
        action_url=site_url(reverse("cooperation:todo_list")),
        action_label=_("Open your to-do list"),
    )


def _review_request(reminder: Reminder, now: datetime.datetime):
    """A status report waiting for the review of the group's organisation (审核)."""
    from cooperation.meetings.messages import Message, NotRelevant, day, object_url

    update = (
        StatusUpdate.objects.select_related("item", "organization")
        .filter(pk=reminder.context.get("report"))
        .first()
    )
    if update is None or update.review_state != ReviewState.PENDING:
        raise NotRelevant("The report was reviewed before its notice went out.")
    values = {
        "item": update.item,
        "org": update.organization or "—",
        "date": day(update.reported_at),
        "progress": update.progress,
    }
    return Message(
        subject=_("Report to review: %(item)s") % values,
        lead=_(
            "%(org)s reported on %(item)s on %(date)s (progress %(progress)s%%). Its "
            "coordinators on this side: please accept it or return it with a reason."
        )
        % values,
        action_url=object_url(update),
        action_label=_("Open the report"),
    )


# Kinds whose robot message differs from the person's (the others are composed alike).
COMPOSERS = {
    ReminderKind.STATUS_CALL: _status_call,
    ReminderKind.STATUS_CALL_FOLLOWUP: _status_call,
    ReminderKind.DIGEST: _group_digest,
    ReminderKind.REVIEW_REQUEST: _review_request,
}
