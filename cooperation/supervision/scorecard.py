"""The scorecard (考评): per organisation and per city, for a quarter, half-year or year.

Every figure is one grouped query (so the page's queries do not grow with the data), and
every figure has the link of the rows it counts (``figure_rows``, the same conditions).
The rules below are shown on the page and in the export.
"""

import dataclasses
import datetime
import re
from collections import defaultdict
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from cooperation import permissions, selectors
from cooperation.choices import City, ReviewState
from cooperation.models import Organization, StatusUpdate
from cooperation.models.supervision import SlipColour, SlipFeedback, SupervisionSlip
from cooperation.models.workflow import Acknowledgement
from cooperation.reports.links import item_list_url

PATTERN = re.compile(r"^(?P<year>\d{4})(?:-(?:Q(?P<quarter>[1-4])|H(?P<half>[12])))?$")
FIRST_YEAR = 2020

RULES = [
    gettext_lazy("Period: from the first day of the quarter, half-year or year (Beijing time) "
                 "until the first day after it; a period not over yet counts up to now."),
    gettext_lazy("Reports: status reports the organisation submitted in the period. On time: "
                 "submitted within %(stale)s days of the item's previous report (or of its "
                 "registration, for a first report)."),
    gettext_lazy("Returned: reports of the period that a reviewer returned. Review turnaround: "
                 "the average days from submission to review of the period's reviewed reports."),
    gettext_lazy("Acknowledgement: items assigned to the organisation in the period; late ones "
                 "were acknowledged after their due date, or not yet and past it; average days "
                 "from assignment to acknowledgement."),
    gettext_lazy("Slips: supervision slips addressed to the organisation and issued in the "
                 "period, by colour; answered: with feedback from the organisation; answered "
                 "late: the first feedback came after the feedback due date, or none yet and "
                 "the due date passed; average days from issue to the first feedback."),
    gettext_lazy("Overdue items: items the organisation leads or co-owns that are overdue now "
                 "(target date or a milestone passed, not completed or cancelled)."),
    gettext_lazy("A city's figures add up those of its organisations; an item or slip shared by "
                 "two organisations of the city counts once for the city."),
]  # fmt: skip


@dataclasses.dataclass(frozen=True)
class ScorePeriod:
    year: int
    quarter: int | None = None
    half: int | None = None

    @classmethod
    def parse(cls, text: str) -> "ScorePeriod":
        match = PATTERN.match((text or "").strip().upper())
        if not match or not FIRST_YEAR <= int(match["year"]) <= 2100:
            raise ValueError(text)
        q, h = match["quarter"], match["half"]
        return cls(int(match["year"]), int(q) if q else None, int(h) if h else None)

    @classmethod
    def current_quarter(cls) -> "ScorePeriod":
        today = timezone.localdate()
        return cls(today.year, quarter=(today.month - 1) // 3 + 1)

    @property
    def key(self) -> str:
        if self.quarter:
            return f"{self.year}-Q{self.quarter}"
        if self.half:
            return f"{self.year}-H{self.half}"
        return str(self.year)

    def __str__(self) -> str:
        if self.quarter:
            return _("Q%(quarter)s %(year)s") % {"year": self.year, "quarter": self.quarter}
        if self.half:
            if self.half == 1:
                return _("First half of %(year)s") % {"year": self.year}
            return _("Second half of %(year)s") % {"year": self.year}
        return _("Year %(year)s") % {"year": self.year}

    def _months(self) -> tuple[int, int]:
        if self.quarter:
            return (self.quarter - 1) * 3 + 1, 3
        if self.half:
            return (self.half - 1) * 6 + 1, 6
        return 1, 12

    @property
    def start(self) -> datetime.datetime:
        first, _n = self._months()
        return timezone.make_aware(datetime.datetime(self.year, first, 1))

    @property
    def end(self) -> datetime.datetime:
        first, count = self._months()
        month = first - 1 + count
        naive = datetime.datetime(self.year + month // 12, month % 12 + 1, 1)
        return timezone.make_aware(naive)


def period_choices(today: datetime.date | None = None) -> list[tuple[str, str]]:
    today = today or timezone.localdate()
    choices = []
    for year in range(today.year, FIRST_YEAR - 1, -1):
        periods = [ScorePeriod(year)]
        periods += [ScorePeriod(year, half=h) for h in (2, 1)]
        periods += [ScorePeriod(year, quarter=q) for q in (4, 3, 2, 1)]
        choices += [(p.key, str(p)) for p in periods if p.start.date() <= today]
    return choices


# --- what each figure counts: one queryset per figure, filtered by organisation ids -------


def _reports(period: ScorePeriod) -> QuerySet:
    # The item's previous report: one step down the (item, reported_at DESC) index per report
    # (a grouped MAX made PostgreSQL aggregate every earlier report of the item instead).
    previous = (
        StatusUpdate.objects.filter(item=OuterRef("item"), reported_at__lt=OuterRef("reported_at"))
        .order_by("-reported_at")
        .values("reported_at")[:1]
    )
    since = ExpressionWrapper(F("reported_at") - F("previous_at"), output_field=DurationField())
    return (
        StatusUpdate.objects.filter(reported_at__gte=period.start, reported_at__lt=period.end)
        .annotate(previous_at=Subquery(previous))
        .annotate(gap=since)
    )


def _on_time_q() -> Q:
    limit = datetime.timedelta(days=settings.CHENGYI_STALE_DAYS)
    return Q(previous_at__isnull=True) | Q(gap__lte=limit)


def _reviewed(period: ScorePeriod) -> QuerySet:
    return StatusUpdate.objects.filter(
        reported_at__gte=period.start, reported_at__lt=period.end, reviewed_at__isnull=False
    ).annotate(
        turnaround=ExpressionWrapper(
            F("reviewed_at") - F("reported_at"), output_field=DurationField()
        )
    )


def _acknowledgements(period: ScorePeriod) -> QuerySet:
    return Acknowledgement.objects.filter(
        assigned_at__gte=period.start, assigned_at__lt=period.end
    ).annotate(
        took=ExpressionWrapper(
            F("acknowledged_at") - F("assigned_at"), output_field=DurationField()
        )
    )


def _ack_late_q(today: datetime.date) -> Q:
    return Q(acknowledged_at__date__gt=F("due_date")) | Q(
        acknowledged_at__isnull=True, due_date__lt=today
    )


def _slips(period: ScorePeriod) -> QuerySet:
    return SupervisionSlip.objects.filter(issued_at__gte=period.start, issued_at__lt=period.end)


def _first_feedback(by: Q):
    """When the first feedback of the slip by the organisations ``by`` selects came."""
    rows = (
        SlipFeedback.objects.filter(by, slip=OuterRef("pk"))
        .order_by()
        .values("slip")
        .annotate(first=Min("submitted_at"))
        .values("first")
    )
    return Subquery(rows)


def _slip_rows(period: ScorePeriod) -> QuerySet:
    """One row per slip and addressed organisation, with that organisation's first feedback."""
    return (
        _slips(period)
        .annotate(org=F("addressed_to"))
        .annotate(answered_at=_first_feedback(Q(organization=OuterRef("org"))))
        .annotate(
            answer_took=ExpressionWrapper(
                F("answered_at") - F("issued_at"), output_field=DurationField()
            )
        )
    )


def _answered_late_q(today: datetime.date) -> Q:
    return Q(answered_at__date__gt=F("feedback_due")) | Q(
        answered_at__isnull=True, feedback_due__lt=today
    )


FIGURES = [
    ("reports", gettext_lazy("Reports submitted")),
    ("reports_on_time", gettext_lazy("Reports on time")),
    ("returned", gettext_lazy("Returned reports")),
    ("review_days", gettext_lazy("Review turnaround (days)")),
    ("acks", gettext_lazy("Assignments")),
    ("acks_late", gettext_lazy("Acknowledged late or not yet")),
    ("ack_days", gettext_lazy("Days to acknowledge")),
    ("slips_blue", gettext_lazy("Blue slips")),
    ("slips_yellow", gettext_lazy("Yellow slips")),
    ("slips_red", gettext_lazy("Red slips")),
    ("slips_answered", gettext_lazy("Slips answered")),
    ("slips_late", gettext_lazy("Slips answered late or not yet")),
    ("slip_days", gettext_lazy("Days to answer a slip")),
    ("overdue", gettext_lazy("Overdue items")),
]
AVERAGES = {"review_days", "ack_days", "slip_days"}
# Figures whose rows are shown by the item list (the others by the scorecard's row page).
ITEM_FIGURES = {"overdue"}


def _days(value) -> float | None:
    return None if value is None else round(value.total_seconds() / 86400, 1)


@dataclasses.dataclass
class Row:
    key: str  # organisation id, or a city
    label: str
    city: str
    values: dict
    links: dict

    @property
    def cells(self) -> list[tuple]:
        return [(self.values[key], self.links[key], key) for key, _label in FIGURES]


def _by_org(queryset, org_field: str, **aggregates) -> dict[int, dict]:
    rows = queryset.order_by().values(org_field).annotate(**aggregates)
    return {row[org_field]: row for row in rows}


def _org_figures(period: ScorePeriod, today: datetime.date, scope: QuerySet) -> dict:
    """organisation id → figure → value, one grouped query per source."""
    figures: dict[int, dict] = defaultdict(dict)
    reports = _by_org(
        permissions.of_items(_reports(period), scope),
        "organization",
        reports=Count("pk"),
        reports_on_time=Count("pk", filter=_on_time_q()),
        returned=Count("pk", filter=Q(review_state=ReviewState.RETURNED)),
    )
    reviewed = _by_org(permissions.of_items(_reviewed(period), scope), "organization",
                       review_days=Avg("turnaround"))  # fmt: skip
    acks = _by_org(
        permissions.of_items(_acknowledgements(period), scope),
        "organization",
        acks=Count("pk"),
        acks_late=Count("pk", filter=_ack_late_q(today)),
        ack_days=Avg("took"),
    )
    slips = _by_org(
        permissions.of_items(_slip_rows(period), scope),
        "org",
        **{f"slips_{c}": Count("pk", filter=Q(colour=c)) for c in SlipColour.values},
        slips_answered=Count("pk", filter=Q(answered_at__isnull=False)),
        slips_late=Count("pk", filter=_answered_late_q(today)),
        slip_days=Avg("answer_took"),
    )
    for source in (reports, reviewed, acks, slips):
        for org, row in source.items():
            if org is not None:
                figures[org].update(row)
    overdue = (
        selectors.with_attention_flags(selectors.with_last_report(scope))
        .filter(is_overdue=True)
        .order_by()
    )
    # As the item list's organisation filter: a lead on either side or a co-owner, once.
    owned: dict[int, set[int]] = defaultdict(set)
    for pk, *orgs in overdue.values_list("pk", "chengdu_lead", "yibin_lead", "co_owners"):
        for org in orgs:
            if org is not None:
                owned[org].add(pk)
    for org, pks in owned.items():
        figures[org]["overdue"] = len(pks)
    for values in figures.values():
        for key in AVERAGES:
            values[key] = _days(values.get(key))
    return figures


def _city_figures(period: ScorePeriod, today: datetime.date, scope: QuerySet) -> dict:
    """city → figure → value: the same queries grouped by the organisation's city, counting
    each report, acknowledgement, slip and item once per city."""
    figures: dict[str, dict] = defaultdict(dict)
    city = "organization__city"
    for source in (
        _by_org(permissions.of_items(_reports(period), scope), city, reports=Count("pk"),
                reports_on_time=Count("pk", filter=_on_time_q()),
                returned=Count("pk", filter=Q(review_state=ReviewState.RETURNED))),
        _by_org(permissions.of_items(_reviewed(period), scope), city,
                review_days=Avg("turnaround")),
        _by_org(permissions.of_items(_acknowledgements(period), scope), city, acks=Count("pk"),
                acks_late=Count("pk", filter=_ack_late_q(today)), ack_days=Avg("took")),
    ):  # fmt: skip
        for key, row in source.items():
            figures[key].update(row)
    slip_rows = permissions.of_items(_slip_rows(period), scope).annotate(
        city=F("addressed_to__city")
    )
    slips = _by_org(
        slip_rows,
        "city",
        **{f"slips_{c}": Count("pk", distinct=True, filter=Q(colour=c)) for c in SlipColour.values},
        slips_answered=Count("pk", distinct=True, filter=Q(answered_at__isnull=False)),
        slips_late=Count("pk", distinct=True, filter=_answered_late_q(today)),
        slip_days=Avg("answer_took"),
    )
    for key, row in slips.items():
        figures[key].update(row)
    overdue = selectors.with_attention_flags(selectors.with_last_report(scope)).filter(
        is_overdue=True
    )
    for key in (City.CHENGDU, City.YIBIN):
        figures[key]["overdue"] = overdue.filter(
            Q(chengdu_lead__city=key) | Q(yibin_lead__city=key)
        ).count()
    for values in figures.values():
        for key in AVERAGES:
            values[key] = _days(values.get(key))
    return figures


def row_links(period: ScorePeriod):
    """``link(figure, org=..., city=...)``: the page of the rows a figure counts.

    The URLs are reversed and the period encoded once; a card has some 3,000 links.
    """
    rows = reverse("cooperation:scorecard_rows") + "?"
    prefixes = {key: rows + urlencode({"period": period.key, "figure": key}) for key in FIGURE_KEYS}
    overdue = item_list_url(overdue=True)

    def link(figure: str, *, org: int | None = None, city: str = "") -> str:
        if figure in ITEM_FIGURES:
            target = {"organization": org} if org else ({"city": city} if city else {})
            return f"{overdue}&{urlencode(target)}" if target else overdue
        return prefixes[figure] + "&" + urlencode({"org": org} if org else {"city": city})

    return link


def rows_url(period: ScorePeriod, figure: str, *, org: int | None = None, city: str = "") -> str:
    return row_links(period)(figure, org=org, city=city)


@dataclasses.dataclass
class Scorecard:
    period: ScorePeriod
    partial: bool
    organizations: list[Row]
    cities: list[Row]
    figures: list
    rules: list
    # Set when cached: the page keeps its rendered tables under the same key and time.
    cache_key: str = ""
    cache_seconds: int = 0


def scorecard(*, period: ScorePeriod, user) -> Scorecard:
    """The period's scorecard, computed at most once per data change and cache period.

    As the dashboard's figures (``dashboard_figures``): every reader who sees every item sees
    the same scorecard, kept under the data's version, the day (late and overdue figures
    count from today) and the language (the rows' labels) for
    CHENGYI_DASHBOARD_CACHE_SECONDS; anyone else's is computed each time.
    """
    from cooperation.reports.dashboard import data_version

    seconds = settings.CHENGYI_DASHBOARD_CACHE_SECONDS
    if not seconds or not permissions.sees_every_item(user):
        return _scorecard(period=period, user=user)
    version = data_version(Acknowledgement, SlipFeedback)
    day = timezone.localdate()
    key = f"chengyi:scorecard:{period.key}:{day:%Y%m%d}:{get_language()}:" + "-".join(
        str(v) for v in version
    )
    card = cache.get(key)
    if card is None:
        card = _scorecard(period=period, user=user)
        card.cache_key, card.cache_seconds = key, seconds
        cache.set(key, card, seconds)
    return card


def _scorecard(*, period: ScorePeriod, user) -> Scorecard:
    now = timezone.now()
    today = timezone.localdate(now)
    scope = permissions.restrict_items(user, "view")
    link = row_links(period)
    by_org = _org_figures(period, today, scope)
    by_city = _city_figures(period, today, scope)
    orgs = Organization.objects.filter(pk__in=list(by_org)).order_by("city", "name_zh")
    org_rows = [
        Row(
            key=str(org.pk),
            label=org.short_name,
            city=org.city,
            values={
                key: by_org[org.pk].get(key, 0 if key not in AVERAGES else None)
                for key, _label in FIGURES
            },
            links={key: link(key, org=org.pk) for key, _label in FIGURES},
        )
        for org in orgs
    ]
    city_rows = [
        Row(
            key=city,
            label=str(City(city).label),
            city=city,
            values={
                key: by_city[city].get(key, 0 if key not in AVERAGES else None)
                for key, _label in FIGURES
            },
            links={key: link(key, city=city) for key, _label in FIGURES},
        )
        for city in (City.CHENGDU, City.YIBIN)
    ]
    rules = [str(rule) % {"stale": settings.CHENGYI_STALE_DAYS} for rule in RULES]
    return Scorecard(period, now < period.end, org_rows, city_rows, FIGURES, rules)


# --- the rows behind one figure ------------------------------------------------------------


def figure_rows(*, period: ScorePeriod, figure: str, user, org: int | None, city: str):
    """(kind, queryset) of the rows one figure counts, for the scorecard's row page."""
    today = timezone.localdate()
    scope = permissions.restrict_items(user, "view")
    who = Q(organization=org) if org else Q(organization__city=city)
    if figure in ("reports", "reports_on_time", "returned"):
        rows = _reports(period).filter(who, item__in=scope).select_related("item", "author")
        if figure == "reports_on_time":
            rows = rows.filter(_on_time_q())
        elif figure == "returned":
            rows = rows.filter(review_state=ReviewState.RETURNED)
        return "reports", rows.order_by("reported_at", "pk")
    if figure == "review_days":
        rows = _reviewed(period).filter(who, item__in=scope).select_related("item", "author")
        return "reports", rows.order_by("reported_at", "pk")
    if figure in ("acks", "acks_late", "ack_days"):
        rows = _acknowledgements(period).filter(who, item__in=scope)
        if figure == "acks_late":
            rows = rows.filter(_ack_late_q(today))
        return "acks", rows.select_related("item", "organization").order_by("assigned_at", "pk")
    if figure.startswith("slip"):
        addressed = Q(addressed_to=org) if org else Q(addressed_to__city=city)
        rows = _slips(period).filter(addressed, item__in=scope)
        by = Q(organization=org) if org else Q(organization__city=city)
        rows = rows.annotate(answered_at=_first_feedback(by))
        if figure in ("slips_blue", "slips_yellow", "slips_red"):
            rows = rows.filter(colour=figure.removeprefix("slips_"))
        elif figure in ("slips_answered", "slip_days"):
            rows = rows.filter(answered_at__isnull=False)
        elif figure == "slips_late":
            rows = rows.filter(_answered_late_q(today))
        return "slips", rows.select_related("item").distinct().order_by("issued_at", "pk")
    raise ValueError(figure)


FIGURE_KEYS = {key for key, _label in FIGURES}
