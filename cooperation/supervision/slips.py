"""Three-colour supervision slips (三色督办单): the daily issue, escalation and closing.

One daily run (``slips_run_daily``, a Celery beat task) reads every open item's light once
and then, in one transaction that holds the year's number counter:

1. closes open slips whose item is closed (completed, cancelled) or back on time (green),
   and slips whose cause no longer holds (a report accepted after two returns, a late
   acknowledgement given);
2. escalates open slips whose feedback due date has passed without feedback: the slip
   closes as escalated and the next colour (blue → yellow → red) is issued for the same
   item, cause and occasion, addressed wider;
3. issues a slip for every cause that holds and has no slip yet for its occasion: **blue**
   for a deadline about to pass, **yellow** for an item behind its time line, a report
   returned twice or a missed acknowledgement, **red** for an overdue item or milestone.

Numbers (成宜督〔2026〕12号) count per year without gaps: numbers are given only while the
year's ``SlipNumber`` row is locked, inside the transaction that writes the slips, so a
rolled-back run gives its numbers back. A partial unique constraint allows one open slip
per item, colour and cause: two runs at once (two beats, two workers) cannot both issue
one, and the second run, which waited for the lock, sees the first run's slips.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from cooperation.choices import DEFAULT_IMMEDIATE_KINDS, NoticeKind, ReminderKind, Status
from cooperation.meetings.enqueue import dispatch_soon
from cooperation.models import ChatRobot, CooperationItem, NotificationPreference, Reminder
from cooperation.models.supervision import (
    NEXT_COLOUR,
    OPEN_STATES,
    SlipCause,
    SlipClosure,
    SlipColour,
    SlipNumber,
    SlipState,
    SupervisionSlip,
)
from cooperation.robots.audience import robot_rows
from cooperation.services import system_user
from cooperation.webhooks.events import events_record

from . import causes as cause_rules
from . import recipients
from .lights import Light, add_working_days, with_lights

# The colour a cause is first issued in.
FIRST_COLOUR = {
    SlipCause.DEADLINE_NEAR: SlipColour.BLUE,
    SlipCause.BEHIND_SCHEDULE: SlipColour.YELLOW,
    SlipCause.REPORT_RETURNED_TWICE: SlipColour.YELLOW,
    SlipCause.ACKNOWLEDGEMENT_MISSED: SlipColour.YELLOW,
    SlipCause.OVERDUE: SlipColour.RED,
}
# Causes that end when the item is back on time (its light green).
TIMELINE_CAUSES = (SlipCause.DEADLINE_NEAR, SlipCause.BEHIND_SCHEDULE, SlipCause.OVERDUE)
CLOSED_ITEM = (Status.COMPLETED, Status.CANCELLED)


@dataclass(frozen=True)
class Candidate:
    item_id: int
    cause: str
    occasion: str
    facts: dict = field(default_factory=dict, hash=False, compare=False)


@dataclass
class RunResult:
    issued: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {k: len(v) for k, v in vars(self).items()}


def feedback_due(day: datetime.date) -> datetime.date:
    return add_working_days(day, settings.CHENGYI_SLIP_FEEDBACK_WORKING_DAYS)


def quarter(day: datetime.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def timeline_candidates(*, today: datetime.date) -> tuple[list[Candidate], dict[int, str]]:
    """Causes read from the items' lights (one query), and every item's light."""
    rows = (
        with_lights(CooperationItem.objects.order_by(), today=today, reasons=True)
        .exclude(status__in=CLOSED_ITEM)
        .values_list(
            "pk", "light", "is_overdue", "deadline_near", "behind", "target_date",
            "rolled_up_progress", "schedule_line",
        )
    )  # fmt: skip
    found: list[Candidate] = []
    lights: dict[int, str] = {}
    for pk, light, overdue, near, behind, target, progress, line in rows:
        lights[pk] = light
        if overdue:
            found.append(Candidate(pk, SlipCause.OVERDUE, f"overdue:{target or ''}", {
                "target_date": str(target or "")}))  # fmt: skip
        elif near:
            found.append(Candidate(pk, SlipCause.DEADLINE_NEAR, f"near:{target or ''}", {
                "target_date": str(target or "")}))  # fmt: skip
        if behind and not overdue:
            facts = {"progress": round(progress or 0), "line": round(line or 0)}
            found.append(Candidate(pk, SlipCause.BEHIND_SCHEDULE, quarter(today), facts))
    return found, lights


def _next_numbers(year: int, count: int) -> list[int]:
    """``count`` consecutive numbers of ``year``; call inside the issuing transaction."""
    SlipNumber.objects.get_or_create(year=year)
    counter = SlipNumber.objects.select_for_update().get(year=year)
    first = counter.last + 1
    counter.last += count
    counter.save(update_fields=["last"])
    return list(range(first, first + count))


def _history(slips: list[SupervisionSlip], reason: str, user) -> None:
    if slips:
        SupervisionSlip.history.bulk_history_create(
            slips, update=True, default_user=user, default_change_reason=reason
        )


def _close(slips: list[SupervisionSlip], closure: str, *, now, user) -> list[int]:
    pks = [slip.pk for slip in slips]
    if not pks:
        return []
    # The conditional UPDATE guards against a concurrent change; history follows it.
    SupervisionSlip.objects.filter(pk__in=pks, state__in=OPEN_STATES).update(
        state=SlipState.CLOSED, closure=closure, closed_at=now
    )
    closed = list(SupervisionSlip.objects.filter(pk__in=pks, closure=closure, closed_at=now))
    _history(closed, SlipClosure(closure).label, user)
    events_record(type="slip.closed", objs=closed)
    return [slip.pk for slip in closed]


def _issue(
    new: list[SupervisionSlip], *, now, user, event: str = "slip.issued"
) -> list[SupervisionSlip]:
    """Number, save and address ``new`` (with history), write their notices and record
    ``event`` (``slip.issued``, or ``slip.escalated`` for the next colour of a chain)."""
    if not new:
        return []
    year = timezone.localdate(now).year
    for slip, number in zip(new, _next_numbers(year, len(new)), strict=True):
        slip.year, slip.sequence = year, number
    created = SupervisionSlip.objects.bulk_create(new)
    items = (
        CooperationItem.objects.select_related("parent")
        .prefetch_related("co_owners", "parent__co_owners")
        .in_bulk({slip.item_id for slip in created})
    )
    addressed = {slip.pk: recipients.addressed_organizations(items[slip.item_id])
                 for slip in created}  # fmt: skip
    through = SupervisionSlip.addressed_to.through
    through.objects.bulk_create(
        through(supervisionslip_id=pk, organization_id=org)
        for pk, orgs in addressed.items()
        for org in orgs
    )
    _history(created, gettext_noop("Supervision slip issued"), user)
    _notices_write(created, items=items, now=now, user=user)
    events_record(type=event, objs=created)
    if any(slip.colour == SlipColour.RED for slip in created):
        dispatch_soon()  # red slips go out at once, not at the dispatcher's next tick
    return created


def _notices_write(slips: list[SupervisionSlip], *, items, now, user) -> None:
    """One outbox row per slip and recipient (key ``slip:<pk>:u<user>``), due at once, for
    those who get this colour at once (red by default; blue and yellow when chosen on the
    profile). The others read their slips in the daily digest (cooperation/workflow).
    Group robots get every slip at once (key ``slip:<pk>:robot<id>``): the addressed
    organisations' groups, and for a red slip the leaders' groups too."""
    directory = recipients.SlipDirectory()
    wanted = {slip.pk: directory.recipients(slip, items[slip.item_id]) for slip in slips}
    everyone = set().union(*wanted.values()) if wanted else set()
    chosen = dict(
        NotificationPreference.objects.filter(user_id__in=everyone).values_list(
            "user_id", "immediate_kinds"
        )
    )
    rows = []
    for slip in slips:
        kind = NoticeKind.SLIP_RED if slip.colour == SlipColour.RED else NoticeKind.SLIP
        for uid in sorted(wanted[slip.pk]):
            if kind not in chosen.get(uid, DEFAULT_IMMEDIATE_KINDS):
                continue
            rows.append(
                Reminder(
                    key=f"slip:{slip.pk}:u{uid}",
                    kind=ReminderKind.SUPERVISION_SLIP,
                    item_id=slip.item_id,
                    recipient_id=uid,
                    due_at=now,
                    context={"slip": slip.pk, "colour": slip.colour},
                )
            )
    rows += _robot_rows(slips, items=items, now=now)
    if not rows:
        return
    Reminder.objects.bulk_create(rows, ignore_conflicts=True)
    # The slips are new, so are their keys: every row found was written here.
    fresh = list(Reminder.objects.filter(key__in=[r.key for r in rows]))
    if fresh:
        Reminder.history.bulk_history_create(
            fresh, default_user=user, default_change_reason="Supervision slip notice planned"
        )


def _robot_rows(slips: list[SupervisionSlip], *, items, now) -> list[Reminder]:
    if not ChatRobot.objects.filter(is_active=True).exists():
        return []
    rows = []
    for slip in slips:
        for row in robot_rows(
            ReminderKind.SUPERVISION_SLIP,
            base_key=f"slip:{slip.pk}",
            due_at=now,
            item=items[slip.item_id],
            context={"slip": slip.pk, "colour": slip.colour},
            slip=slip,
        ):
            rows.append(
                Reminder(key=row.key, kind=row.kind, channel=row.channel, robot_id=row.robot_id,
                         item_id=row.item_id, due_at=row.due_at, context=row.context)
            )  # fmt: skip
    return rows


def slips_run_daily(*, now: datetime.datetime | None = None, user=None) -> RunResult:
    """Close, escalate and issue as the module says; safe to run any number of times at once."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    user = user or system_user()
    candidates, lights = timeline_candidates(today=today)
    candidates += cause_rules.workflow_candidates(today=today)
    holding = {(c.item_id, c.cause) for c in candidates}
    result = RunResult()
    with transaction.atomic():
        # The lock first: a concurrent run waits here, then reads what this one wrote.
        _next_numbers(today.year, 0)
        open_slips = list(
            SupervisionSlip.objects.filter(state__in=OPEN_STATES)
            .select_related("item")
            .only(*OPEN_SLIP_FIELDS)
            .order_by("pk")
        )
        result.closed += _close_resolved(open_slips, lights, holding, now=now, user=user)
        still_open = [s for s in open_slips if s.pk not in set(result.closed)]
        escalated, followers = _escalations(still_open, today=today, now=now)
        result.closed += _close(escalated, SlipClosure.ESCALATED, now=now, user=user)
        escalations = _issue(followers, now=now, user=user, event="slip.escalated")
        result.escalated += [s.pk for s in escalations]
        busy = {(s.item_id, s.cause) for s in still_open if s not in escalated}
        busy |= {(s.item_id, s.cause) for s in followers}
        new = _new_slips(candidates, busy=busy, today=today, now=now)
        result.issued += [s.pk for s in _issue(new, now=now, user=user)]
    return result


def _close_resolved(open_slips, lights, holding, *, now, user) -> list[int]:
    item_closed, on_time = [], []
    for slip in open_slips:
        if slip.item.status in CLOSED_ITEM:
            item_closed.append(slip)
        elif slip.cause in TIMELINE_CAUSES:
            if lights.get(slip.item_id) == Light.GREEN:
                on_time.append(slip)
        elif (slip.item_id, slip.cause) not in holding:
            on_time.append(slip)
    return _close(item_closed, SlipClosure.ITEM_CLOSED, now=now, user=user) + _close(
        on_time, SlipClosure.BACK_ON_TIME, now=now, user=user
    )


def _escalations(open_slips, *, today, now):
    """Unanswered slips past their due date, and the next-colour slips that follow them."""
    late = [
        s
        for s in open_slips
        if s.state == SlipState.OPEN and s.feedback_due < today and s.colour in NEXT_COLOUR
    ]
    followers = [
        SupervisionSlip(
            item_id=s.item_id,
            colour=NEXT_COLOUR[s.colour],
            cause=s.cause,
            occasion=s.occasion,
            facts={**s.facts, "escalated_from": s.number},
            feedback_due=feedback_due(today),
            escalated_from=s,
            issued_at=now,
        )
        for s in late
    ]
    return late, followers


# What closing and escalating read of an open slip (and of its item: the status).
OPEN_SLIP_FIELDS = ("year", "sequence", "item_id", "item__status", "colour", "cause",
                    "occasion", "facts", "state", "feedback_due")  # fmt: skip


def _new_slips(candidates: list[Candidate], *, busy, today, now) -> list[SupervisionSlip]:
    """Candidates without a slip for their item, cause and occasion (open or closed), and
    without an open slip of their item and cause in any colour (``busy``: a chain runs)."""
    seen = set(SupervisionSlip.objects.values_list("item_id", "cause", "occasion"))
    new = []
    for c in sorted(set(candidates), key=lambda c: (c.item_id, c.cause)):
        if (c.item_id, c.cause, c.occasion) in seen:
            continue
        if (c.item_id, c.cause) in busy:
            continue
        seen.add((c.item_id, c.cause, c.occasion))
        # One open slip per item and cause: two candidates of one item (both leads missed
        # their acknowledgement) make one slip, not a duplicate that fails the whole run.
        busy = busy | {(c.item_id, c.cause)}
        new.append(
            SupervisionSlip(
                item_id=c.item_id,
                colour=FIRST_COLOUR[c.cause],
                cause=c.cause,
                occasion=c.occasion,
                facts=c.facts,
                feedback_due=feedback_due(today),
                issued_at=now,
            )
        )
    return new
