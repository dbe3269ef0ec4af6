"""iCalendar (RFC 5545) files: one meeting, or a person's feed of the meetings they attend,
both METHOD:PUBLISH; and the invitations (iMIP, RFC 6047) that reminder e-mails carry:
METHOD:REQUEST with the tracker as ORGANIZER and the recipient as ATTENDEE, METHOD:CANCEL
when the meeting is cancelled.

Times are written in UTC (``...Z``), which every calendar program reads without a VTIMEZONE.
The UID is stable and SEQUENCE follows the meeting's revision, so a moved or cancelled
meeting updates the event already in someone's calendar instead of adding a second one.
"""

import datetime
import functools
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from icalendar import Calendar, Event, vCalAddress
from icalendar.parser import Contentline

from cooperation.choices import City, MeetingState
from cooperation.models import Meeting

from .messages import object_url

PRODID = "-//Chengyi Tracker//Consultation calendar//ZH"
STATUS = {
    MeetingState.PLANNED: "TENTATIVE",
    MeetingState.CONFIRMED: "CONFIRMED",
    MeetingState.HELD: "CONFIRMED",
    MeetingState.CANCELLED: "CANCELLED",
}


REQUEST, CANCEL, PUBLISH = "REQUEST", "CANCEL", "PUBLISH"
# Who invites: the host city's government office, writing from the tracker's address.
ORGANIZER_NAMES = {
    City.CHENGDU: gettext_lazy("General Office of the Chengdu Municipal People's Government"),
    City.YIBIN: gettext_lazy("General Office of the Yibin Municipal People's Government"),
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


def tracker_address() -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "tracker@localhost"


def organizer(meeting: Meeting) -> vCalAddress:
    address = vCalAddress(f"mailto:{tracker_address()}")
    address.params["CN"] = str(ORGANIZER_NAMES.get(meeting.host_city, _("Chengyi Tracker")))
    return address


def attendee_line(*, email: str, name: str) -> bytes:
    """The recipient as ATTENDEE, one folded content line (CRLF-terminated)."""
    return _attendee_line(email, name)


@functools.lru_cache(maxsize=4096)
def _attendee_line(email: str, name: str) -> bytes:
    # The same people are invited meeting after meeting: each line is made once per process.
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["CN"] = name
    address.params.update(
        {"CUTYPE": "INDIVIDUAL", "ROLE": "REQ-PARTICIPANT", "PARTSTAT": "NEEDS-ACTION"}
    )
    line = Contentline.from_parts("ATTENDEE", address.params, address).to_ical().decode()
    return (line + "\r\n").encode()  # to_ical() folds at 75 octets


def method_for(meeting: Meeting) -> str:
    return CANCEL if meeting.state == MeetingState.CANCELLED else REQUEST


def invitation_shared(meeting: Meeting) -> bytes:
    """The invitation without its ATTENDEE: what every recipient's copy shares (METHOD:REQUEST,
    or METHOD:CANCEL for a cancelled meeting; the same UID and the meeting's revision as
    SEQUENCE, so a calendar updates or removes the entry it has)."""
    method = method_for(meeting)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    event = meeting_event(meeting, stamp=timezone.now())
    event.add("organizer", organizer(meeting))  # STATUS is CANCELLED with METHOD:CANCEL
    cal.add_component(event)
    return cal.to_ical()


def invitation_for(shared: bytes, *, email: str, name: str) -> bytes:
    """One recipient's invitation: the shared part with the recipient as ATTENDEE."""
    head, sep, tail = shared.rpartition(b"END:VEVENT\r\n")
    return head + attendee_line(email=email, name=name) + sep + tail


def invitation_ics(meeting: Meeting, *, email: str, name: str) -> bytes:
    return invitation_for(invitation_shared(meeting), email=email, name=name)


def calendar_bytes(meetings, *, name: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", PUBLISH)
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
