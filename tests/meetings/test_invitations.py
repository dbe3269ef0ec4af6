"""Reminder e-mails carry real invitations (iMIP, RFC 6047), read back as a mail program
would: Python's e-mail parser on what a real SMTP server on loopback received, icalendar on
the calendar part. The downloadable .ics and the personal feed stay PUBLISH.
"""

import datetime
import email.utils

import pytest
from django.urls import reverse
from icalendar import Calendar

from cooperation.meetings import changes
from cooperation.meetings.dispatch import reminders_dispatch_due
from cooperation.models import Profile

from .helpers import local

pytestmark = pytest.mark.django_db
NOW = local(2026, 11, 26, 10, 0)
TOMORROW = local(2026, 11, 27, 14, 30)


@pytest.fixture
def meeting(people, half_yearly, time_machine, settings):
    settings.CHENGYI_STALE_DAYS = settings.CHENGYI_ESCALATION_DAYS = 10_000
    settings.CHENGYI_SITE_URL = "https://chengyi.example.gov.cn"
    settings.DEFAULT_FROM_EMAIL = "成宜合作项目推进系统 <tracker@chengyi.example.gov.cn>"
    time_machine.move_to(NOW, tick=False)
    return changes.meeting_create(
        mechanism=half_yearly,
        starts_at=TOMORROW,
        host_city="yibin",
        location="宜宾市政府第二会议室",
        user=people["cd_sup"],
    )


def calendar_part(message):
    """The text/calendar alternative a mail program acts on, and the invite.ics attachment."""
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1, [p.get_content_type() for p in message.walk()]
    (attachment,) = [p for p in message.iter_attachments() if p.get_filename() == "invite.ics"]
    assert attachment.get_content_type() == "application/ics"
    assert attachment.get_content() == parts[0].get_content().encode()
    return parts[0]


def invitation(message):
    part = calendar_part(message)
    cal = Calendar.from_ical(part.get_content())
    (event,) = cal.walk("VEVENT")
    return part, cal, event


def by_recipient(messages):
    return {str(m["To"]).split("@")[0]: m for m in messages}


def test_a_reminder_is_an_invitation_to_the_recipient(meeting, people, smtp):
    Profile.objects.filter(user=people["yb_sup"]).update(language="en")
    assert reminders_dispatch_due().sent == 3
    mails = by_recipient(smtp.wait_for(3) and smtp.messages)
    for username, message in mails.items():
        part, cal, event = invitation(message)
        assert part.get_param("method") == "REQUEST"
        assert str(cal["method"]) == "REQUEST"
        assert str(event["uid"]) == f"meeting-{meeting.pk}@chengyi.example.gov.cn"
        assert int(event["sequence"]) == 0
        organizer = event["organizer"]
        assert str(organizer) == "mailto:tracker@chengyi.example.gov.cn"
        attendee = event["attendee"]  # one, and it is this recipient
        assert str(attendee) == f"mailto:{username}@example.com"
        assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
        assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
        assert attendee.params["CN"] == people[username].get_full_name() or username
        assert event.decoded("dtstart") == TOMORROW
        # Headers: Beijing time, and a Message-ID of the site's own host.
        assert message["Date"].endswith("+0800")
        assert email.utils.parsedate_to_datetime(message["Date"]) == NOW
        assert message["Message-ID"].endswith("@chengyi.example.gov.cn>")
    # The organizer is the host city's office, named in the recipient's language.
    assert invitation(mails["cd_sup"])[2]["organizer"].params["CN"] == "宜宾市人民政府办公室"
    english = mails["yb_sup"]
    assert invitation(english)[2]["organizer"].params["CN"] == (
        "General Office of the Yibin Municipal People's Government"
    )
    # English e-mails say whose time it is; Chinese ones need not.
    assert "14:30 Beijing time" in english.get_body(("plain",)).get_content()
    assert "14:30 Beijing time" in english.get_body(("html",)).get_content()
    assert "Beijing time" not in mails["cd_sup"].get_body(("plain",)).get_content()


def test_a_reschedule_updates_the_same_event_and_a_cancellation_removes_it(
    meeting, people, smtp, time_machine
):
    assert reminders_dispatch_due().sent == 3
    smtp.wait_for(3)
    first = {str(m["To"]): invitation(m)[2] for m in smtp.messages}

    later = local(2026, 12, 3, 9, 30)
    changes.meeting_reschedule(meeting=meeting, starts_at=later, user=people["cd_sup"])
    assert reminders_dispatch_due().sent == 3  # a notice to each of those already reminded
    smtp.wait_for(6)
    moved = {str(m["To"]): invitation(m) for m in smtp.messages[3:]}
    assert set(moved) == set(first)
    for address, (part, cal, event) in moved.items():
        assert part.get_param("method") == "REQUEST" and str(cal["method"]) == "REQUEST"
        assert event["uid"] == first[address]["uid"]
        assert int(event["sequence"]) > int(first[address]["sequence"])
        assert event.decoded("dtstart") == later
        assert str(event["attendee"]) == f"mailto:{address}"

    time_machine.move_to(NOW + datetime.timedelta(hours=1), tick=False)
    changes.meeting_cancel(meeting=meeting, user=people["cd_sup"], reason="领导另有安排")
    assert reminders_dispatch_due().sent == 3
    smtp.wait_for(9)
    for message in smtp.messages[6:]:
        address = str(message["To"])
        part, cal, event = invitation(message)
        assert part.get_param("method") == "CANCEL" and str(cal["method"]) == "CANCEL"
        assert str(event["status"]) == "CANCELLED"
        assert event["uid"] == first[address]["uid"]
        assert int(event["sequence"]) > int(moved[address][2]["sequence"])
        assert str(event["attendee"]) == f"mailto:{address}"
        assert str(event["organizer"]) == "mailto:tracker@chengyi.example.gov.cn"


def test_downloads_and_feeds_stay_publish_and_the_feed_speaks_its_owners_language(
    meeting, people, client
):
    client.force_login(people["cd_sup"])
    download = client.get(reverse("cooperation:meeting_ics", args=[meeting.pk]))
    cal = Calendar.from_ical(download.content)
    assert str(cal["method"]) == "PUBLISH"
    assert "attendee" not in cal.walk("VEVENT")[0]

    profile = Profile.objects.get(user=people["viewer"])
    feed_url = reverse("cooperation:calendar_feed", args=[profile.calendar_token])
    client.logout()
    chinese = Calendar.from_ical(client.get(feed_url, HTTP_ACCEPT_LANGUAGE="en").content)
    assert str(chinese["method"]) == "PUBLISH"
    assert str(chinese["x-wr-calname"]) == "成宜合作会商日程"
    summaries = [str(e["summary"]) for e in chinese.walk("VEVENT")]
    assert any("市分管领导半年会商" in s for s in summaries)

    Profile.objects.filter(pk=profile.pk).update(language="en")
    english = Calendar.from_ical(client.get(feed_url, HTTP_ACCEPT_LANGUAGE="zh-hans").content)
    assert str(english["x-wr-calname"]) == "Chengdu–Yibin consultation meetings"
    summaries = [str(e["summary"]) for e in english.walk("VEVENT")]
    assert any(s.startswith("Half-yearly") for s in summaries), summaries
