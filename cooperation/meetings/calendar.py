"""iCalendar (RFC 5545) files: one meeting, or a person's feed of the meetings they attend.

Times are written in UTC (``...Z``), which every calendar program reads without a VTIMEZONE.
The UID is stable and SEQUENCE follows the meeting's revision, so a moved or cancelled
meeting updates the event already in someone's calendar instead of adding a second one.
"""

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from cooperation.choices import MeetingState
from cooperation.models import Meeting

from .messages import object_url

PRODID = "-//Chengyi Tracker//Consultation calendar//ZH"
STATUS = {
    MeetingState.PLANNED: "TENTATIVE",
    MeetingState.CONFIRMED: "CONFIRMED",
    MeetingState.HELD: "CONFIRMED",
    MeetingState.CANCELLED: "CANCELLED",
}


def _utc(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(datetime.UTC)


def uid(meeting: Meeting) -> str:
    host = urlsplit(settings.CHENGYI_SITE_URL).hostname or "chengyi-tracker"
    return f"meeting-{meeting.pk}@{host}"


def meeting_event(meeting: Meeting, *, stamp: datetime.datetime) -> Event:
    event = Event()
    event.add("uid", uid(meeting))
    event.add("dtstamp", _utc(stamp))
    event.add("dtstart", _utc(meeting.starts_at))
    event.add("dtend", _utc(meeting.ends_at))
    event.add("summary", str(meeting))
    event.add("sequence", meeting.revision)
    event.add("status", STATUS[meeting.state])
    event.add("last-modified", _utc(meeting.updated_at or stamp))
    event.add("url", object_url(meeting))
    if meeting.location:
        event.add("location", meeting.location)
    description = [f"{_('Host city')}: {meeting.get_host_city_display()}"]
    if meeting.agenda:
        description.append(f"{_('Agenda')}: {meeting.agenda}")
    if meeting.state == MeetingState.CANCELLED and meeting.cancellation_reason:
        description.append(f"{_('Reason for cancelling')}: {meeting.cancellation_reason}")
    description.append(object_url(meeting))
    event.add("description", "\n".join(description))
    return event


def calendar_bytes(meetings, *, name: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    cal.add("refresh-interval", datetime.timedelta(hours=6), parameters={"VALUE": "DURATION"})
    stamp = timezone.now()
    for meeting in meetings:
        cal.add_component(meeting_event(meeting, stamp=stamp))
    return cal.to_ical()


def meeting_ics(meeting: Meeting) -> bytes:
    return calendar_bytes([meeting], name=str(meeting))


def feed_ics(meetings) -> bytes:
    return calendar_bytes(meetings, name=_("Chengdu–Yibin consultation meetings"))
