"""A meeting reminder's e-mail filled in from its batch's template is, byte for byte, the
message Django builds for that recipient (but for the random MIME boundaries); values that
would change more than their own bytes make the ordinary build, with the same result."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation

from cooperation.choices import MeetingState, ReminderKind
from cooperation.meetings import delivery
from cooperation.meetings.mailtemplate import MailTemplates
from cooperation.meetings.messages import BatchLookups, compose, language_of
from cooperation.models import Meeting, Profile, Reminder

from .helpers import local

pytestmark = pytest.mark.django_db
NOW = local(2026, 11, 26, 10, 0)
BOUNDARY = re.compile(rb"=_[0-9a-f]{32}")

# (first name, last name, e-mail, language): what a template can stand for ...
PEOPLE = [
    ("三", "张", "zhang.san@example.com", "zh-hans"),
    ("O'Brien & <Co>", "Ltd", "obrien+tracker@Example.COM", "zh-hans"),
    ("", "", "nameless@example.com", "zh-hans"),  # greeted by user name
    ("Li", "Wei", "li.wei@example.com", "en"),
    ("丽", "王", "wang.li@example.com", "en"),
]
# ... and what it cannot: the ordinary build, the same bytes.
UNFIT = [
    ("\U00020000" * 150, "\U00020001" * 150, "long@example.com", "zh-hans"),  # 1,201 octets
    ("A\u2028B", "", "separator@example.com", "en"),  # a line separator in the name
    ("四", "李", "li.si@例子.中国", "zh-hans"),  # an address the envelope writes otherwise
    ("五", "王", "a." + "x" * 80 + "@example.com", "zh-hans"),  # a To header that folds
]


def people(rows):
    User = get_user_model()
    users = []
    for n, (first, last, email, language) in enumerate(rows):
        user = User.objects.create(
            username=f"t{n}-{email.split('@')[0][:20]}", first_name=first, last_name=last,
            email=email,
        )  # fmt: skip
        Profile.objects.update_or_create(user=user, defaults={"language": language})
        users.append(user)
    return users


def meeting_of(quarterly, *, location: str, state=MeetingState.PLANNED) -> Meeting:
    return Meeting.objects.create(
        mechanism=quarterly,
        starts_at=NOW + datetime.timedelta(days=3),
        planned_for=(NOW + datetime.timedelta(days=3)).date(),
        host_city="yibin",
        location=location,
        agenda="听取推进情况汇报。",
        state=state,
    )


def both_ways(meeting, users, kind=ReminderKind.MEETING):
    """Each user's reminder of ``meeting`` from a batch's templates and built on its own."""
    reminders = [
        Reminder.objects.create(
            key=f"{kind}:{meeting.pk}:d3:u{user.pk}",
            kind=kind,
            meeting=meeting,
            recipient=user,
            due_at=NOW,
        )
        for user in users
    ]
    reminders = list(
        Reminder.objects.select_related("recipient__profile", "meeting__mechanism")
        .filter(pk__in=[r.pk for r in reminders])
        .order_by("pk")
    )
    lookups, renderings = BatchLookups(reminders, now=NOW), delivery.Renderings()
    templates = MailTemplates(renderings)
    pairs = []
    for reminder in reminders:
        with translation.override(language_of(reminder)):
            message = compose(reminder, batch=lookups)
            rendered = delivery.render(message, recipient=reminder.recipient, batch=renderings)
            filled = templates.outgoing(reminder=reminder, message=message, rendered=rendered)
            built = delivery.email_outgoing(reminder=reminder, rendered=rendered)
        pairs.append((filled, built))
    return templates, pairs


def same(filled, built) -> bool:
    return BOUNDARY.sub(b"B", filled.data) == BOUNDARY.sub(b"B", built.data) and (
        filled.envelope_from,
        filled.envelope_to,
    ) == (built.envelope_from, built.envelope_to)


@pytest.mark.parametrize("location", ["市政府第一会议室", "Room 101"])
@pytest.mark.parametrize("kind", [ReminderKind.MEETING, ReminderKind.MEETING_CANCELLED])
def test_filled_from_the_template_as_django_builds_it(quarterly, time_machine, location, kind):
    """Chinese and English, names with HTML to escape, none, a cancellation (METHOD:CANCEL)."""
    time_machine.move_to(NOW, tick=False)
    meeting = meeting_of(quarterly, location=location)
    if kind == ReminderKind.MEETING_CANCELLED:
        Meeting.objects.filter(pk=meeting.pk).update(
            state=MeetingState.CANCELLED, cancellation_reason="时间冲突"
        )
        meeting.refresh_from_db()
    templates, pairs = both_ways(meeting, people(PEOPLE), kind)
    assert templates.filled == len(PEOPLE) and templates.built == 0
    for filled, built in pairs:
        assert same(filled, built)
        assert b"BEGIN:VCALENDAR" in filled.data and b'boundary="=_' in filled.data
    method = b"CANCEL" if kind == ReminderKind.MEETING_CANCELLED else b"REQUEST"
    assert b"METHOD:" + method in pairs[0][0].data
    # Each message has boundaries of its own.
    first, second = (set(BOUNDARY.findall(filled.data)) for filled, _built in pairs[:2])
    assert first and not first & second


def test_values_that_do_not_fit_are_built_the_ordinary_way(quarterly, time_machine):
    time_machine.move_to(NOW, tick=False)
    meeting = meeting_of(quarterly, location="市政府第一会议室")
    templates, pairs = both_ways(meeting, people(UNFIT))
    assert templates.built == len(UNFIT) and templates.filled == 0
    for filled, built in pairs:
        assert same(filled, built)
    assert pairs[2][0].envelope_to == ["li.si@xn--fsqu00a.xn--fiqs8s"]


def test_the_mail_of_other_backends_is_django_s(quarterly, time_machine):
    """A mail backend other than SMTP gets the EmailMessage, built when asked for."""
    time_machine.move_to(NOW, tick=False)
    meeting = meeting_of(quarterly, location="市政府第一会议室")
    _templates, pairs = both_ways(meeting, people(PEOPLE[:1]))
    filled, built = pairs[0]
    assert filled.mail.to == built.mail.to == ["zhang.san@example.com"]
    assert filled.mail.body == built.mail.body
