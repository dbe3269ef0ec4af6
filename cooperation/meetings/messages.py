"""What a reminder says. Composed at send time from the current data, in the language that
is active (the dispatcher switches to the recipient's), or refused when no longer relevant."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from cooperation import selectors
from cooperation.choices import MeetingState, ReminderKind, ReminderState
from cooperation.models import Meeting, Reminder

from . import recipients
from .selectors import previous_meeting_start


class NotRelevant(Exception):
    """The reminder has nothing left to say (meeting cancelled, items reported ...)."""


@dataclass
class Message:
    subject: str
    lead: str
    action_url: str
    action_label: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    items: list[dict] = field(default_factory=list)
    meeting: Meeting | None = None


def site_url(path: str) -> str:
    return settings.CHENGYI_SITE_URL.rstrip("/") + path


def object_url(obj) -> str:
    try:
        return site_url(obj.get_absolute_url())
    except NoReverseMatch:  # the page for this kind of object is not there yet
        return site_url("/")


def notifications_url() -> str:
    return site_url(reverse("cooperation:notification_list"))


def day(moment: datetime.datetime) -> str:
    return date_format(timezone.localtime(moment), "DATE_FORMAT")


def when(moment: datetime.datetime) -> str:
    local = timezone.localtime(moment)
    # English readers may be anywhere: the time says whose it is.
    return _("%(date)s (%(weekday)s) %(time)s Beijing time") % {
        "date": date_format(local, "DATE_FORMAT"),
        "weekday": date_format(local, "l"),
        "time": local.strftime("%H:%M"),
    }


def meeting_facts(meeting: Meeting) -> list[tuple[str, str]]:
    return [
        (_("Meeting"), str(meeting)),
        (_("Time"), when(meeting.starts_at)),
        (_("Place"), meeting.location or _("to be confirmed")),
        (_("Host city"), meeting.get_host_city_display()),
    ]


def _open_meeting(meeting: Meeting) -> dict:
    return {"action_url": object_url(meeting), "action_label": _("Open the meeting page")}


def _upcoming(meeting: Meeting, now) -> None:
    if meeting.state == MeetingState.CANCELLED:
        raise NotRelevant("The meeting was cancelled.")
    if meeting.starts_at <= now:
        raise NotRelevant("The meeting has already started.")


# A caught-up reminder (meeting set at short notice) and the next regular one can fall due
# within hours of each other; the second then has nothing new to say. Offsets are whole
# days, so regular reminders are always further apart than this.
RECENTLY = datetime.timedelta(hours=20)


def _reminded_recently(reminder: Reminder, now) -> bool:
    return (
        Reminder.objects.filter(
            meeting_id=reminder.meeting_id,
            kind=ReminderKind.MEETING,
            recipient_id=reminder.recipient_id,
            robot_id=reminder.robot_id,
            channel=reminder.channel,
            state=ReminderState.SENT,
            sent_at__gt=now - RECENTLY,
        )
        .exclude(pk=reminder.pk)
        .exists()
    )


def meeting_slot(reminder: Reminder) -> tuple | None:
    """What "already reminded of this meeting" is about: meeting, person (or robot), channel."""
    if reminder.kind != ReminderKind.MEETING:
        return None
    return (reminder.meeting_id, reminder.recipient_id, reminder.channel, reminder.robot_id)


class BatchLookups:
    """What composing a batch of rows looks up once for all of them.

    The supervision slips that its notices announce, with their items and addressees. The
    meeting reminders sent within RECENTLY to the batch's people: one query instead of
    one per row (what the batch itself sends is not in it: the dispatcher holds back a second
    row for the same slot until the first is recorded). And the message of each meeting in
    each language, which a meeting reminder says alike to everyone.
    """

    def __init__(self, reminders, *, now):
        self.now = now
        self.sent: dict[tuple, set[int]] = {}
        self.messages: dict[tuple, Message] = {}
        self.slips: dict = {}
        notices = [r for r in reminders if r.kind == ReminderKind.SUPERVISION_SLIP]
        if notices:
            from cooperation.supervision.notices import slips_of  # a feature above this one

            self.slips = slips_of(notices)
        rows = [reminder for reminder in reminders if meeting_slot(reminder)]
        if not rows:
            return
        people = {reminder.recipient_id for reminder in rows if reminder.recipient_id}
        to = Q(recipient_id__in=people)
        if any(reminder.recipient_id is None for reminder in rows):
            to |= Q(recipient__isnull=True)
        recent = Reminder.objects.filter(
            to,
            meeting_id__in={reminder.meeting_id for reminder in rows},
            kind=ReminderKind.MEETING,
            state=ReminderState.SENT,
            sent_at__gt=now - RECENTLY,
        ).values_list("pk", "meeting_id", "recipient_id", "channel", "robot_id")
        for pk, *slot in recent:
            self.sent.setdefault(tuple(slot), set()).add(pk)

    def reminded_recently(self, reminder: Reminder) -> bool:
        return bool(self.sent.get(meeting_slot(reminder), set()) - {reminder.pk})

    def meeting_message(self, meeting: Meeting) -> Message:
        key = (meeting.pk, get_language())
        if key not in self.messages:
            self.messages[key] = _meeting_message(meeting, self.now)
        return self.messages[key]


def _meeting_reminder(reminder: Reminder, now, batch: BatchLookups | None = None) -> Message:
    meeting = reminder.meeting
    _upcoming(meeting, now)
    if batch is None:
        reminded = _reminded_recently(reminder, now)
    else:
        reminded = batch.reminded_recently(reminder)
    if reminded:
        raise NotRelevant("A reminder of this meeting went out less than 20 hours ago.")
    return _meeting_message(meeting, now) if batch is None else batch.meeting_message(meeting)


def _meeting_message(meeting: Meeting, now) -> Message:
    days = (timezone.localdate(meeting.starts_at) - timezone.localdate(now)).days
    values = {"meeting": meeting, "when": when(meeting.starts_at), "days": days}
    if days <= 0:
        lead = _("%(meeting)s takes place today, %(when)s.") % values
    elif days == 1:
        lead = _("%(meeting)s takes place tomorrow, %(when)s.") % values
    else:
        lead = (
            ngettext(
                "%(meeting)s takes place in %(days)d day, on %(when)s.",
                "%(meeting)s takes place in %(days)d days, on %(when)s.",
                days,
            )
            % values
        )
    paragraphs = [_("Agenda: %(agenda)s") % {"agenda": meeting.agenda}] if meeting.agenda else []
    return Message(
        subject=_("Reminder: %(meeting)s on %(date)s") % {**values, "date": day(meeting.starts_at)},
        lead=lead,
        facts=meeting_facts(meeting),
        paragraphs=paragraphs,
        meeting=meeting,
        **_open_meeting(meeting),
    )


def _item_rows(dues) -> list[dict]:
    return [
        {
            "code": due.item.code,
            "title": due.item.title,
            "detail": (
                _("last update %(date)s") % {"date": day(due.last_update)}
                if due.last_update
                else _("no update yet")
            ),
            "url": object_url(due.item),
        }
        for due in dues
    ]


def _status_call(reminder: Reminder, now) -> Message:
    meeting = reminder.meeting
    _upcoming(meeting, now)
    dues = recipients.status_call_missing(meeting, user_id=reminder.recipient_id).get(
        reminder.recipient_id
    )
    if not dues:
        raise NotRelevant("Every item has a status update since the previous meeting.")
    previous = previous_meeting_start(meeting)
    values = {"meeting": meeting, "when": when(meeting.starts_at)}
    if previous is not None:
        values["since"] = _("since the previous meeting (%(previous)s)") % {
            "previous": day(previous)
        }
    else:
        values["since"] = _("since the tracker started recording")
    if reminder.kind == ReminderKind.STATUS_CALL_FOLLOWUP:
        subject = _("Second request: status updates before %(meeting)s") % values
        lead = (
            _(
                "A week ago we asked for status updates before %(meeting)s on %(when)s. These "
                "items still have none %(since)s:"
            )
            % values
        )
    else:
        subject = _("Status updates requested before %(meeting)s") % values
        lead = (
            _(
                "%(meeting)s meets on %(when)s. These items of your organisation have no status "
                "update %(since)s. Please report their progress before the meeting:"
            )
            % values
        )
    return Message(
        subject=subject,
        lead=lead,
        items=_item_rows(dues),
        facts=meeting_facts(meeting),
        meeting=None,
        **_open_meeting(meeting),
    )


def _minutes_nudge(reminder: Reminder, now) -> Message:
    meeting = reminder.meeting
    if meeting.state == MeetingState.CANCELLED:
        raise NotRelevant("The meeting was cancelled.")
    if meeting.minutes:
        raise NotRelevant("The minutes are recorded.")
    values = {"meeting": meeting, "when": when(meeting.starts_at)}
    return Message(
        subject=_("Minutes missing: %(meeting)s") % values,
        lead=_(
            "%(meeting)s was due on %(when)s and no minutes are recorded yet. Please record "
            "its minutes and decisions, or cancel it if it did not take place."
        )
        % values,
        facts=meeting_facts(meeting),
        **_open_meeting(meeting),
    )


def _stale(reminder: Reminder, now) -> Message:
    item = reminder.item
    since = selectors.item_stale_since(item_id=item.pk, now=now)
    if since is None:
        raise NotRelevant("The item is no longer stale (closed, suspended or reported on).")
    values = {"item": item, "days": (now - since).days, "since": day(since)}
    if reminder.kind == ReminderKind.STALE_ESCALATION:
        subject = _("Escalation: no progress reported on %(item)s for %(days)s days") % values
        lead = (
            _(
                "%(item)s has had no status update since %(since)s (%(days)s days). Its "
                "coordinators are reminded every week; this notice goes to supervisors too."
            )
            % values
        )
    else:
        subject = _("No progress reported on %(item)s for %(days)s days") % values
        lead = (
            _(
                "%(item)s has had no status update since %(since)s (%(days)s days). Please "
                "report its progress."
            )
            % values
        )
    return Message(
        subject=subject,
        lead=lead,
        action_url=object_url(item),
        action_label=_("Open the item"),
    )


def _cancelled(reminder: Reminder, now) -> Message:
    meeting = reminder.meeting
    if meeting.state != MeetingState.CANCELLED:
        raise NotRelevant("The meeting is no longer cancelled.")
    values = {"meeting": meeting, "when": when(meeting.starts_at), "date": day(meeting.starts_at)}
    return Message(
        subject=_("Cancelled: %(meeting)s on %(date)s") % values,
        lead=_("%(meeting)s, planned for %(when)s, is cancelled.") % values,
        paragraphs=[_("Reason: %(reason)s") % {"reason": meeting.cancellation_reason}],
        facts=meeting_facts(meeting),
        meeting=meeting,
        **_open_meeting(meeting),
    )


def _rescheduled(reminder: Reminder, now) -> Message:
    meeting = reminder.meeting
    if meeting.state == MeetingState.CANCELLED:
        raise NotRelevant("The meeting was cancelled.")
    if reminder.context.get("revision") != meeting.revision:
        raise NotRelevant("A later change superseded this notice.")
    old = datetime.datetime.fromisoformat(reminder.context["old_start"])
    values = {
        "meeting": meeting,
        "old": when(old),
        "new": when(meeting.starts_at),
        "date": day(meeting.starts_at),
    }
    return Message(
        subject=_("Rescheduled: %(meeting)s, now on %(date)s") % values,
        lead=_("%(meeting)s has moved from %(old)s to %(new)s.") % values,
        facts=meeting_facts(meeting),
        meeting=meeting,
        **_open_meeting(meeting),
    )


def _supervision_slip(reminder: Reminder, now) -> Message:
    from cooperation.supervision.notices import slip_message  # a feature above this one

    return slip_message(reminder, now)


COMPOSERS: dict[str, Callable[[Reminder, datetime.datetime], Message]] = {
    ReminderKind.MEETING: _meeting_reminder,
    ReminderKind.STATUS_CALL: _status_call,
    ReminderKind.STATUS_CALL_FOLLOWUP: _status_call,
    ReminderKind.MINUTES_NUDGE: _minutes_nudge,
    ReminderKind.STALE_ITEM: _stale,
    ReminderKind.STALE_ESCALATION: _stale,
    ReminderKind.MEETING_CANCELLED: _cancelled,
    ReminderKind.MEETING_RESCHEDULED: _rescheduled,
    ReminderKind.SUPERVISION_SLIP: _supervision_slip,
}


def compose(
    reminder: Reminder,
    *,
    now: datetime.datetime | None = None,
    batch: BatchLookups | None = None,
) -> Message:
    """The message for ``reminder``, or NotRelevant. Call it in the recipient's language.

    ``batch``: what a batch of rows looked up at once (its ``now`` is used); without it, each
    row asks the database.
    """
    recipient = reminder.recipient
    if recipient is not None and not recipient.is_active:
        raise NotRelevant("The recipient's account is inactive.")
    now = batch.now if batch is not None else now or timezone.now()
    if reminder.robot_id is not None:
        from cooperation.robots.compose import COMPOSERS as ROBOT_COMPOSERS

        if reminder.kind in ROBOT_COMPOSERS:
            return ROBOT_COMPOSERS[reminder.kind](reminder, now)
    if batch is not None and reminder.kind == ReminderKind.MEETING:
        return _meeting_reminder(reminder, now, batch)
    if batch is not None and reminder.kind == ReminderKind.SUPERVISION_SLIP:
        from cooperation.supervision.notices import slip_message

        return slip_message(reminder, now, slips=batch.slips)
    return COMPOSERS[reminder.kind](reminder, now)


def language_of(reminder: Reminder) -> str:
    """The recipient's language (Chinese by default); the site's for the webhook."""
    profile = getattr(reminder.recipient, "profile", None) if reminder.recipient else None
    return (profile.language if profile else None) or settings.LANGUAGE_CODE


# The supervision loop's kinds (cooperation/workflow/): composed there, sent by this outbox.
from cooperation.workflow.messages import COMPOSERS as _LOOP_COMPOSERS  # noqa: E402

COMPOSERS.update(_LOOP_COMPOSERS)
