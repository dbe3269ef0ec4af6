"""Deadline lights (亮灯): computed from dates and progress, never typed.

- **red**: an open item past its target date, or with a milestone past due and not done
  (the item list's own ``overdue`` rule);
- **yellow**: its target date or an open milestone falls within CHENGYI_WARN_WORKING_DAYS
  mainland working days (``deadline_near``), or its progress is more than
  CHENGYI_BEHIND_POINTS points below the time-elapsed line (序时进度, ``behind``);
- **green**: anything else open; completed and cancelled items have no light.

Everything is one set of annotations on an item queryset, so the item list, its filter,
the exports and the dashboard's grouped counts read the same rule from the database.
"""

import datetime
import math
from fractions import Fraction

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    TextChoices,
    Value,
    When,
)
from django.db.models.functions import Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cooperation import selectors
from cooperation.meetings.workdays import is_working_day
from cooperation.models import Milestone


class Light(TextChoices):
    GREEN = "green", _("Green")
    YELLOW = "yellow", _("Yellow")
    RED = "red", _("Red")
    NONE = "none", _("No light (closed)")


LIGHT_ORDER = [Light.RED, Light.YELLOW, Light.GREEN, Light.NONE]

RULES = _(
    "Lights are computed every day from the dates, never typed. Red: the target date or a "
    "milestone's due date has passed. Yellow: the target date or a milestone falls within "
    "%(days)s working days, or progress is more than %(points)s points behind the "
    "time-elapsed line (序时进度: the share of the time between start and target dates that "
    "has passed). Green: otherwise. Completed and cancelled items have no light."
)


def rules_text() -> str:
    return RULES % {
        "days": settings.CHENGYI_WARN_WORKING_DAYS,
        "points": settings.CHENGYI_BEHIND_POINTS,
    }


def add_working_days(day: datetime.date, count: int) -> datetime.date:
    """The ``count``-th mainland working day after ``day`` (``day`` itself for 0)."""
    for _step in range(count):
        day += datetime.timedelta(days=1)
        while not is_working_day(day)[0]:
            day += datetime.timedelta(days=1)
    return day


def warn_until(today: datetime.date) -> datetime.date:
    """The last day a deadline can fall on and turn an item yellow."""
    return add_working_days(today, settings.CHENGYI_WARN_WORKING_DAYS)


class DaysBetween(Func):
    """``end - start`` in whole days, for two date expressions (PostgreSQL and SQLite)."""

    arity = 2
    output_field = IntegerField()

    def as_sql(self, compiler, connection, **extra):
        end, start = self.source_expressions
        end_sql, end_params = compiler.compile(end)
        start_sql, start_params = compiler.compile(start)
        if connection.vendor == "postgresql":
            sql = f"(({end_sql})::date - ({start_sql})::date)"
        else:
            sql = f"CAST(julianday({end_sql}) - julianday({start_sql}) AS INTEGER)"
        return sql, (*end_params, *start_params)


def schedule_line(today: datetime.date):
    """序时进度: 0–100, the share of start → target that has passed by ``today`` (else NULL)."""
    total = DaysBetween(F("target_date"), F("start_date"))
    elapsed = DaysBetween(Value(today, output_field=DateField()), F("start_date"))
    share = ExpressionWrapper(elapsed * Value(100.0) / total, output_field=FloatField())
    return Case(
        When(
            Q(start_date__isnull=False, target_date__gt=F("start_date")),
            then=Least(Greatest(share, Value(0.0)), Value(100.0)),
        ),
        default=None,
        output_field=FloatField(),
    )


def first_deadline(target_date, milestone_dues) -> datetime.date | None:
    """The earliest of an open item's target date and its undone milestones' due dates.

    The date rules above, as one date (for the dashboard's summary, which counts items by
    date): ``overdue`` holds on ``today`` exactly when this is before ``today``; when it is
    not, ``deadline_near`` holds exactly when this is no later than ``warn_until(today)``.
    """
    dates = [d for d in (target_date, *milestone_dues) if d is not None]
    return min(dates) if dates else None


def behind_from(start_date, target_date, progress, points) -> datetime.date | None:
    """The first day ``behind`` holds for an open item with this (rolled-up) progress.

    ``schedule_line`` passes ``progress + points`` on the first day on which
    ``elapsed * 100 / total > progress + points``; never if that sum is 100 or more, or
    without a time line. Whole numbers, so exact where the database divides.
    """
    if start_date is None or target_date is None or target_date <= start_date:
        return None
    limit = Fraction(progress) + Fraction(points)
    if limit >= 100:
        return None
    total = (target_date - start_date).days
    return start_date + datetime.timedelta(days=math.floor(limit * total / 100) + 1)


def deadline_near_condition(today: datetime.date, until: datetime.date) -> Q:
    near_milestone = Milestone.objects.filter(
        item=OuterRef("pk"), done_date__isnull=True, due_date__gte=today, due_date__lte=until
    )
    return ~Q(status__in=selectors.CLOSED_STATUSES) & (
        Q(target_date__gte=today, target_date__lte=until) | Exists(near_milestone)
    )


def with_lights(
    queryset: QuerySet,
    *,
    today: datetime.date | None = None,
    reasons: bool = False,
    select: bool = True,
) -> QuerySet:
    """Annotate ``is_overdue`` and ``light``; with ``reasons``, also ``schedule_line``,
    ``deadline_near`` and ``behind`` (else they are aliases: the light reads them, the
    SELECT does not repeat their subqueries). With ``select=False`` the light is an alias
    too, for filters (``decorate`` works it out from the facts of the rows read).

    Progress is the rolled-up progress (annotated here when missing), as the list shows it.
    """
    today = today or timezone.localdate()
    if "rolled_up_progress" not in queryset.query.annotations:
        queryset = selectors.with_rollup(queryset)
    if "is_overdue" not in queryset.query.annotations:
        queryset = queryset.annotate(
            is_overdue=ExpressionWrapper(
                selectors.overdue_condition(today), output_field=BooleanField()
            )
        )
    points = settings.CHENGYI_BEHIND_POINTS
    add = queryset.annotate if reasons else queryset.alias
    queryset = add(
        schedule_line=schedule_line(today),
        deadline_near=ExpressionWrapper(
            deadline_near_condition(today, warn_until(today)), output_field=BooleanField()
        ),
    )
    queryset = (queryset.annotate if reasons else queryset.alias)(
        behind=ExpressionWrapper(
            ~Q(status__in=selectors.CLOSED_STATUSES)
            & Q(schedule_line__gt=F("rolled_up_progress") + Value(float(points))),
            output_field=BooleanField(),
        )
    )
    return (queryset.annotate if select else queryset.alias)(
        light=Case(
            When(status__in=selectors.CLOSED_STATUSES, then=Value(Light.NONE.value)),
            When(is_overdue=True, then=Value(Light.RED.value)),
            When(Q(deadline_near=True) | Q(behind=True), then=Value(Light.YELLOW.value)),
            default=Value(Light.GREEN.value),
            output_field=CharField(),
        )
    )


def schedule_share(start_date, target_date, today: datetime.date) -> float | None:
    """``schedule_line`` for one item already read: the same float arithmetic."""
    if start_date is None or target_date is None or not target_date > start_date:
        return None
    share = (today - start_date).days * 100.0 / (target_date - start_date).days
    return min(max(share, 0.0), 100.0)


class LightRule:
    """The light and "overdue" of one open item from its facts, by ``with_lights``' rules
    for one day (what the rules read, worked out once: for thousands of rows)."""

    def __init__(self, today: datetime.date | None = None):
        self.today = today or timezone.localdate()
        self.until = warn_until(self.today)
        self.points = float(settings.CHENGYI_BEHIND_POINTS)

    def __call__(self, status, target_date, first_open_due, start_date, progress):
        """``(is_overdue, light)``; ``progress`` is the rolled-up progress.

        ``first_open_due`` (the earliest due date of the item's milestones not done) is
        enough: an item is overdue when it or its first open milestone is past due; only
        when it is not can a milestone make it yellow, and then the first open one falls
        within the warning days exactly when any does (``first_deadline``).
        """
        if status in selectors.CLOSED_STATUSES:
            return False, Light.NONE.value
        deadline = first_deadline(target_date, [first_open_due])
        if deadline is not None and deadline < self.today:
            return True, Light.RED.value
        line = schedule_share(start_date, target_date, self.today)
        behind = line is not None and line > progress + self.points
        near = deadline is not None and deadline <= self.until
        return False, (Light.YELLOW if near or behind else Light.GREEN).value


def decorate(items, *, today: datetime.date | None = None, now=None):
    """Set ``is_overdue``, ``is_stale`` and ``light`` on items read by
    ``selectors.item_page_queryset`` (facts: ``rolled_up_progress``, ``stale_since``,
    ``first_open_due``), by the rules ``with_lights`` and ``with_attention_flags`` write in
    SQL (tests/supervision/test_light_rules.py holds the two equal). Returns ``items``.
    """
    rule = LightRule(today)
    now = now or timezone.now()
    for item in items:
        item.is_stale = selectors.is_stale(item.status, item.stale_since, now)
        item.is_overdue, item.light = rule(
            item.status,
            item.target_date,
            item.first_open_due,
            item.start_date,
            item.rolled_up_progress,
        )
    return items


def light_reasons(item) -> list[str]:
    """Why an item has its light, in words (annotated by ``with_lights(reasons=True)``)."""
    reasons = []
    if getattr(item, "is_overdue", False):
        reasons.append(str(_("overdue")))
    if getattr(item, "deadline_near", False):
        reasons.append(
            str(_("deadline within %(days)s working days"))
            % {"days": settings.CHENGYI_WARN_WORKING_DAYS}
        )
    if getattr(item, "behind", False):
        reasons.append(
            str(_("progress %(progress)s%% against a time line of %(line)s%%"))
            % {"progress": round(item.rolled_up_progress), "line": round(item.schedule_line)}
        )
    return reasons
