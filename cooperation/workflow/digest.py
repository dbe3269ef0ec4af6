"""催办: the daily digest. Each person gets at most one a day (the outbox key
``digest:u<id>:<date>``), at their chosen time, and only when there is something to do:
acknowledgements, reviews, confirmations, returned reports, reports due, meetings this week
(and, with the supervision slips, slips to answer). Composed again at send time: a digest
whose to-do list emptied meanwhile is not sent.

A group robot of an organisation gets that organisation's digest (``todo_for_organization``):
what waits for the organisation as a whole (items to acknowledge, slips to answer, reports
and completion requests of the other city to review or confirm, its returned reports, items
due a report), never anyone's private list; once a day at the default digest time, key
``digest:o<org>:<date>:robot<id>``. Leaders' groups get none (they get red slips)."""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cooperation import permissions, selectors
from cooperation.choices import Channel, CompletionState, MeetingState, ReminderKind, ReviewState
from cooperation.models import (
    Acknowledgement,
    ChatRobot,
    CompletionRequest,
    CooperationItem,
    Meeting,
    NotificationPreference,
    Reminder,
    StatusUpdate,
)
from cooperation.models.supervision import SlipState, SupervisionSlip
from cooperation.services import system_user

from . import rules
from .reviews import reports_awaiting_review

DIGEST_LIMIT = 20  # rows shown per section; the rest are counted


@dataclass
class Todo:
    acknowledgements: list = field(default_factory=list)
    reviews: list = field(default_factory=list)
    confirmations: list = field(default_factory=list)
    returned: list = field(default_factory=list)
    reports_due: list = field(default_factory=list)
    meetings: list = field(default_factory=list)
    slips: list = field(default_factory=list)

    def sections(self):
        return [
            (_("Items to acknowledge"), self.acknowledgements),
            (_("Reports waiting for your review"), self.reviews),
            (_("Completion requests to confirm"), self.confirmations),
            (_("Your returned reports to correct"), self.returned),
            (_("Items waiting for a progress report"), self.reports_due),
            (_("Meetings this week"), self.meetings),
            (_("Supervision slips to answer"), self.slips),
        ]

    @property
    def count(self) -> int:
        return sum(len(rows) for _label, rows in self.sections())

    def __bool__(self) -> bool:
        return self.count > 0


def requests_to_confirm(user):
    """Pending completion requests of items ``user`` may decide on, oldest first (the side
    check, ``rules.may_decide``, is in Python)."""
    return (
        rules.awaiting_decision(user)
        .select_related("item", "requested_by")
        .prefetch_related("confirmations")
        .order_by("requested_at", "pk")
    )


def returned_to(user):
    """``user``'s returned reports not yet corrected, oldest first."""
    return (
        StatusUpdate.objects.filter(
            author=user, review_state=ReviewState.RETURNED, corrections__isnull=True
        )
        .select_related("item")
        .order_by("reported_at", "pk")
    )


def acknowledgements_due(orgs):
    """Items handed to ``orgs`` and not acknowledged, the earliest due first."""
    return (
        Acknowledgement.objects.open()
        .filter(organization__in=orgs)
        .select_related("item", "organization")
        .order_by("due_date", "pk")
    )


def slips_to_answer(orgs):
    """Open supervision slips addressed to one of ``orgs``, the earliest feedback due first."""
    return (
        SupervisionSlip.objects.filter(state=SlipState.OPEN, addressed_to__in=orgs)
        .select_related("item")
        .distinct()
        .order_by("feedback_due", "pk")
    )


def todo_for(user, *, now: datetime.datetime | None = None) -> Todo:
    now = now or timezone.now()
    todo = Todo()
    orgs = permissions.coordinator_organization_ids(user)
    if orgs:
        _organization_rows(todo, orgs, now=now)
    todo.reviews = list(reports_awaiting_review(user)[:DIGEST_LIMIT])
    todo.confirmations = [
        r for r in requests_to_confirm(user)[: DIGEST_LIMIT * 2] if rules.may_decide(user, r)
    ][:DIGEST_LIMIT]
    todo.returned = list(returned_to(user)[:DIGEST_LIMIT])
    if permissions.organization_ids(user):
        todo.meetings = list(
            Meeting.objects.filter(
                state__in=(MeetingState.PLANNED, MeetingState.CONFIRMED),
                starts_at__gt=now,
                starts_at__lte=now + datetime.timedelta(days=7),
            )
            .select_related("mechanism")
            .order_by("starts_at")[:DIGEST_LIMIT]
        )
    return todo


def _organization_rows(todo: Todo, orgs, *, now) -> None:
    """What waits for the organisations ``orgs`` themselves: acknowledgements, slips to
    answer, items due a report."""
    todo.acknowledgements = list(acknowledgements_due(orgs)[:DIGEST_LIMIT])
    todo.slips = list(slips_to_answer(orgs)[:DIGEST_LIMIT])
    owned = permissions.owned_items(orgs, CooperationItem.objects.all())
    todo.reports_due = list(
        selectors.stale_items(now=now, queryset=owned).order_by("sort_order", "code")[:DIGEST_LIMIT]
    )


def todo_for_organization(org_id: int, *, now: datetime.datetime | None = None) -> Todo:
    """An organisation's digest: what waits for it (for its working group's robot)."""
    now = now or timezone.now()
    orgs = {org_id}
    todo = Todo()
    _organization_rows(todo, orgs, now=now)
    pending = StatusUpdate.objects.filter(review_state=ReviewState.PENDING)
    todo.reviews = list(
        rules.reviewable_by_organizations(orgs, pending)
        .select_related("item", "author", "organization")
        .order_by("reported_at", "pk")[:DIGEST_LIMIT]
    )
    requests = CompletionRequest.objects.filter(state=CompletionState.PENDING)
    todo.confirmations = [
        r
        for r in rules.led_by(orgs, requests)
        .select_related("item", "requested_by")
        .prefetch_related("confirmations")
        .order_by("requested_at", "pk")[: DIGEST_LIMIT * 2]
        if rules.sides_to_confirm(orgs, r)
    ][:DIGEST_LIMIT]
    todo.returned = list(
        StatusUpdate.objects.filter(
            organization_id=org_id, review_state=ReviewState.RETURNED, corrections__isnull=True
        )
        .select_related("item")
        .order_by("reported_at", "pk")[:DIGEST_LIMIT]
    )
    return todo


def group_digest_time() -> datetime.time:
    """Groups get their digest at the default digest time (08:30 Beijing time)."""
    return NotificationPreference._meta.get_field("digest_time").default


def robot_digests_plan(*, now: datetime.datetime | None = None) -> int:
    """An organisation's digest for each of its robots, once a day from the default digest
    time, when something waits for the organisation."""
    from cooperation.meetings.reminders import write
    from cooperation.robots.audience import robot_rows

    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.time() < group_digest_time():
        return 0
    day = local.date()
    organizations = set(
        ChatRobot.objects.filter(is_active=True, organization__isnull=False).values_list(
            "organization_id", flat=True
        )
    )
    rows = []
    for org in sorted(organizations):
        planned = robot_rows(
            ReminderKind.DIGEST,
            base_key=f"{ReminderKind.DIGEST}:o{org}:{day:%Y%m%d}",
            due_at=now,
            organizations=[org],
            context={"day": day.isoformat(), "organization": org},
        )
        keys = [row.key for row in planned]
        if not planned or Reminder.objects.filter(key__in=keys).count() == len(keys):
            continue
        if todo_for_organization(org, now=now):
            rows += planned
    return write(rows, reason="Group digest planned")


def digest_key(user_id: int, day: datetime.date) -> str:
    return f"{ReminderKind.DIGEST}:u{user_id}:{day:%Y%m%d}"


def digests_plan(*, now: datetime.datetime | None = None) -> int:
    """A digest row for each person whose digest time has come today and who has something
    to do; never a second one the same day."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    today = local.date()
    preferences = {p.user_id: p for p in NotificationPreference.objects.all()}
    people = (
        get_user_model()
        .objects.filter(is_active=True, memberships__isnull=False)
        .distinct()
        .select_related("profile")
    )
    existing = set(
        Reminder.objects.filter(
            kind=ReminderKind.DIGEST, key__endswith=f":{today:%Y%m%d}"
        ).values_list("recipient_id", flat=True)
    )
    created = 0
    system = system_user()
    for person in people:
        preference = preferences.get(person.pk) or NotificationPreference(user=person)
        if person.pk in existing or not preference.by_email:
            continue
        if local.time() < preference.digest_time:
            continue
        if not todo_for(person, now=now):
            continue
        reminder = Reminder(
            key=digest_key(person.pk, today),
            kind=ReminderKind.DIGEST,
            channel=Channel.EMAIL,
            recipient=person,
            due_at=now,
            context={"day": today.isoformat()},
        )
        reminder._history_user = system
        reminder._change_reason = "Daily digest planned"
        try:
            with transaction.atomic():
                reminder.save()
        except IntegrityError:
            continue  # another planner wrote today's digest first
        created += 1
    return created


def digest_summary(todo: Todo) -> str:
    return ngettext("%(n)s thing to do", "%(n)s things to do", todo.count) % {"n": todo.count}
