"""Periods (a year, a half-year, a quarter, a month) and the period report (推进情况): one for
every consultation tier (quarterly, half-yearly, annual)."""

import dataclasses
import datetime
import re
from collections import Counter, defaultdict

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cooperation.choices import City, Status

from . import reporting
from . import states as st

PATTERN = re.compile(
    r"^(?P<year>\d{4})(?:-(?:Q(?P<quarter>[1-4])|H(?P<half>[12])|(?P<month>0[1-9]|1[0-2])))?$"
)
# The agreement was signed on 13 May 2020 (fixtures/agreement.json; a test checks they agree):
# period lists start with the period that holds that day.
AGREEMENT_SIGNED = datetime.date(2020, 5, 13)
FIRST_YEAR = AGREEMENT_SIGNED.year
KINDS = ("quarter", "half", "year", "month")


@dataclasses.dataclass(frozen=True)
class Period:
    """A calendar year (``2026``), half-year (``2026-H2``), quarter (``2026-Q3``) or month
    (``2026-11``), Beijing time."""

    year: int
    quarter: int | None = None
    month: int | None = None
    half: int | None = None

    @classmethod
    def parse(cls, text: str) -> "Period":
        match = PATTERN.match((text or "").strip().upper())
        if not match or not FIRST_YEAR <= int(match["year"]) <= 2100:
            raise ValueError(text)
        quarter, month, half = match["quarter"], match["month"], match["half"]
        return cls(
            int(match["year"]),
            int(quarter) if quarter else None,
            int(month) if month else None,
            int(half) if half else None,
        )

    @classmethod
    def quarter_of(cls, day: datetime.date) -> "Period":
        return cls(day.year, quarter=(day.month - 1) // 3 + 1)

    @property
    def kind(self) -> str:
        if self.half:
            return "half"
        return "quarter" if self.quarter else "month" if self.month else "year"

    @property
    def key(self) -> str:
        if self.half:
            return f"{self.year}-H{self.half}"
        if self.quarter:
            return f"{self.year}-Q{self.quarter}"
        if self.month:
            return f"{self.year}-{self.month:02d}"
        return str(self.year)

    def __str__(self) -> str:
        if self.half == 1:
            return _("First half of %(year)s") % {"year": self.year}
        if self.half == 2:
            return _("Second half of %(year)s") % {"year": self.year}
        if self.quarter:
            return _("Q%(quarter)s %(year)s") % {"year": self.year, "quarter": self.quarter}
        if self.month:
            return date_format(datetime.date(self.year, self.month, 1), "YEAR_MONTH_FORMAT")
        return _("Year %(year)s") % {"year": self.year}

    def _first_month(self) -> int:
        if self.half:
            return (self.half - 1) * 6 + 1
        return (self.quarter - 1) * 3 + 1 if self.quarter else self.month or 1

    def _months(self) -> int:
        if self.half:
            return 6
        return 3 if self.quarter else 1 if self.month else 12

    @property
    def start(self) -> datetime.datetime:
        naive = datetime.datetime(self.year, self._first_month(), 1)
        return timezone.make_aware(naive, timezone.get_default_timezone())

    @property
    def end(self) -> datetime.datetime:
        """The first instant after the period."""
        month = self._first_month() - 1 + self._months()
        naive = datetime.datetime(self.year + month // 12, month % 12 + 1, 1)
        return timezone.make_aware(naive, timezone.get_default_timezone())


def current_quarter() -> Period:
    return Period.quarter_of(timezone.localdate())


def _of(kind: str, day: datetime.date) -> Period:
    if kind == "year":
        return Period(day.year)
    if kind == "half":
        return Period(day.year, half=1 if day.month <= 6 else 2)
    if kind == "quarter":
        return Period.quarter_of(day)
    return Period(day.year, month=day.month)


def recent_periods(kind: str, today: datetime.date) -> list[Period]:
    """Periods of ``kind`` from the one holding the agreement's signing up to the current one,
    newest first."""
    periods = []
    day = _of(kind, today).start.date()
    first = _of(kind, AGREEMENT_SIGNED).start.date()
    while day >= first:
        period = _of(kind, day)
        periods.append(period)
        day = (period.start - datetime.timedelta(days=1)).date()
    return periods


STARTED = frozenset({Status.IN_PROGRESS, Status.COMPLETED, Status.SUSPENDED})
TARGET_PASSED = gettext_lazy("target date passed")
HEALTH_WORSE = gettext_lazy("health worsened")


@dataclasses.dataclass
class PeriodRow:
    item: st.ItemState
    before: st.ItemState | None
    reasons: list = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class PeriodReport:
    period: Period
    start: datetime.datetime
    end: datetime.datetime
    partial: bool
    completed: list
    started: list
    slipped: list
    reporting: list
    updates: int
    progress_before: int
    progress_after: int
    total: int
    # Items at the end of the period by status, and by category and lead city × status.
    by_status: dict = dataclasses.field(default_factory=dict)
    by_category: dict = dataclasses.field(default_factory=dict)
    by_city: dict = dataclasses.field(default_factory=dict)


def _slipped_reasons(before, after, start, end) -> list:
    reasons = []
    target = after.target_date
    if after.is_open and target is not None and start.date() <= target < end.date():
        reasons.append(TARGET_PASSED)
    if before is not None and st.HEALTH_RANK[after.health] > st.HEALTH_RANK[before.health]:
        reasons.append(HEALTH_WORSE)
    return reasons


def period_report(*, period: Period, user) -> PeriodReport:
    """Items completed, started and slipped in ``period``, and who reported (fixed queries).

    Each item is compared with its state at the start of the period or, for an item created
    during it, with its state when it was created: an item created already in progress has
    not "started" in the period.
    """
    now = timezone.now()
    start, end = period.start, min(period.end, now)
    before = st.states_at(start, user=user)
    baseline = {**st.states_created(start, end, user=user), **before}
    after = st.states_now(user=user) if end == now else st.states_at(end, user=user)
    completed, started, slipped, expected = [], [], [], []
    local_start, local_end = timezone.localtime(start), timezone.localtime(end)
    for state in st.tree_order(after):
        old = baseline.get(state.id)
        if old is not None and state.status != old.status:
            if state.status == Status.COMPLETED:
                completed.append(PeriodRow(state, old))
            if state.status in STARTED and old.status == Status.NOT_STARTED:
                started.append(PeriodRow(state, old))
        reasons = _slipped_reasons(old, state, local_start, local_end)
        if reasons:
            slipped.append(PeriodRow(state, old, reasons))
        expected.append((state, state.is_open or old is None or old.is_open))
    reports = [
        (row["item_id"], row["organization_id"], row["count"])
        for row in st.reports_between(start, end, user=user)
    ]
    reported_items = {item_id for item_id, _org, _count in reports}
    org_ids = {pk for state, _e in expected for pk in state.owner_ids()}
    org_ids |= {org for _item, org, _count in reports if org}
    organizations = reporting.org_facts(st.organizations_by_id(org_ids).values())
    entries = [
        reporting.Expected(
            id=state.id,
            code=state.code,
            owners=sorted(state.owner_ids()),
            expected=is_expected,
            reported=state.id in reported_items,
        )
        for state, is_expected in expected
    ]
    return PeriodReport(
        period=period,
        start=start,
        end=end,
        partial=end < period.end,
        completed=completed,
        started=started,
        slipped=slipped,
        reporting=reporting.by_city(entries, reports, organizations),
        updates=sum(count for _item, _org, count in reports),
        progress_before=st.overall_progress(before.values()),
        progress_after=st.overall_progress(after.values()),
        total=len(after),
        **_counts(after.values()),
    )


def _counts(states) -> dict:
    by_status = Counter()
    by_category: dict = defaultdict(Counter)
    by_city: dict = defaultdict(Counter)
    for state in states:
        by_status[state.status] += 1
        by_category[state.category][state.status] += 1
        if state.chengdu_lead_id:
            by_city[City.CHENGDU][state.status] += 1
        if state.yibin_lead_id:
            by_city[City.YIBIN][state.status] += 1
    return {"by_status": by_status, "by_category": by_category, "by_city": by_city}
