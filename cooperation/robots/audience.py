"""Which group robots receive which kind of notice, and the outbox rows for them.

Adding a kind of notice for robots is one line in ``AUDIENCES``: the kind, and the function
that says which robots hear about its subject (a meeting, an item, a slip or organisations,
given as keywords). The planner of that kind then adds ``robot_rows(kind, ...)`` to the rows
it writes; the dispatcher does the rest (one row per notice and robot, under a unique key,
so each robot gets each notice once).
"""

from collections.abc import Callable

from django.db.models import Q

from cooperation.choices import ReminderKind
from cooperation.models import ChatRobot, CooperationItem, Meeting
from cooperation.models.supervision import SlipColour, SupervisionSlip

LEADERS = ~Q(leaders_city="")


def meeting_robots(*, meeting: Meeting, **_subject):
    """The robots of the meeting's participating organisations, and both cities' leaders."""
    orgs = meeting.mechanism.participant_organizations.values("pk")
    return ChatRobot.objects.filter(Q(organization__in=orgs) | LEADERS)


def item_robots(*, item: CooperationItem, **_subject):
    """The robots of the item's owners (leads, co-owners, and its parent's)."""
    ids = item.owner_organization_ids()
    if item.parent_id:
        ids |= item.parent.owner_organization_ids()
    return ChatRobot.objects.filter(organization__in=ids)


def slip_robots(*, slip: SupervisionSlip, **_subject):
    """The robots of the organisations the slip is addressed to; a red slip also goes to
    both cities' leaders."""
    wanted = Q(organization__in=[org.pk for org in slip.addressed_to.all()])
    if slip.colour == SlipColour.RED:
        wanted |= LEADERS
    return ChatRobot.objects.filter(wanted)


def organization_robots(*, organizations, **_subject):
    """The robots of these organisations' working groups (an organisation's digest, a report
    waiting for that organisation's review)."""
    return ChatRobot.objects.filter(organization__in=list(organizations))


AUDIENCES: dict[str, Callable] = {
    ReminderKind.MEETING: meeting_robots,
    ReminderKind.STATUS_CALL: meeting_robots,
    ReminderKind.MEETING_CANCELLED: meeting_robots,
    ReminderKind.MEETING_RESCHEDULED: meeting_robots,
    ReminderKind.MINUTES_NUDGE: meeting_robots,
    ReminderKind.DIGEST: organization_robots,
    ReminderKind.SUPERVISION_SLIP: slip_robots,
    ReminderKind.REVIEW_REQUEST: organization_robots,
}


def robots_for(kind: str, **subject) -> list[ChatRobot]:
    audience = AUDIENCES.get(kind)
    if audience is None:
        return []
    robots = audience(**subject).filter(is_active=True).order_by("pk")
    return [robot for robot in robots if robot.wants(kind)]


def robot_key(base: str, robot: ChatRobot) -> str:
    """The row's key: the notice's key (without a recipient) and the robot."""
    return f"{base}:robot{robot.pk}"


def robot_rows(kind: str, *, base_key: str, due_at, meeting=None, item=None, context=None,
               **subject):  # fmt: skip
    """The planner's rows of one notice for every robot that should get it. ``subject``:
    what the kind's audience reads besides the meeting and item (``slip``, ``organizations``)."""
    from cooperation.meetings.reminders import Planned

    return [
        Planned(
            key=robot_key(base_key, robot),
            kind=kind,
            due_at=due_at,
            meeting=meeting,
            item_id=item.pk if item is not None else None,
            channel=robot.platform,
            robot_id=robot.pk,
            context=context or {},
        )
        for robot in robots_for(kind, meeting=meeting, item=item, **subject)
    ]
