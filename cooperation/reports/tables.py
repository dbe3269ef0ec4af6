"""What each export contains: headers and rows, in the reader's language."""

from django.db.models import (
    Aggregate,
    BooleanField,
    CharField,
    DateTimeField,
    ExpressionWrapper,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cooperation import selectors
from cooperation.choices import Category, City, Health, Status
from cooperation.models import Agreement, Clause, CooperationItem, StatusUpdate
from cooperation.models.base import joined
from cooperation.supervision.lights import Light, LightRule

from . import states as st
from .exports import CHUNK, yes_no
from .links import item_url


def choice_label(choices, value) -> str:
    """The label of ``value``; the value itself (or "") when ``choices`` has no such value."""
    try:
        return choices(value).label
    except ValueError:
        return value or ""


def _name(org) -> str:
    return org.short_name if org is not None else ""


# --- the item list ---------------------------------------------------------------------


def item_header() -> list[str]:
    return [
        _("Code"),
        _("Title (Chinese)"),
        _("Title (English)"),
        _("Category"),
        _("Parent item"),
        _("Agreement"),
        _("Chengdu lead"),
        _("Yibin lead"),
        _("Co-owners"),
        _("Status"),
        _("Health"),
        _("Reported progress (%)"),
        _("Rolled-up progress (%)"),
        _("Weight"),
        _("Start date"),
        _("Target date"),
        _("Last status update"),
        _("Overdue"),
        _("Stale"),
        _("Agreement clauses"),
        _("Light"),
        _("Link"),
    ]


ITEM_WIDTHS = [10, 40, 40, 16, 10, 24, 20, 20, 24, 10, 10, 10, 10, 8, 12, 12, 18, 8, 8, 14, 8, 40]


class IdList(Aggregate):
    """Ids as one comma-separated text: STRING_AGG on PostgreSQL, GROUP_CONCAT on SQLite."""

    function = "STRING_AGG"
    template = "%(function)s(CAST(%(expressions)s AS TEXT), ',')"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            function="GROUP_CONCAT",
            template="%(function)s(%(expressions)s)",
            **extra_context,
        )


class WallClock(Func):
    """A moment as the wall-clock time of the current time zone, without the zone: on
    PostgreSQL ``AT TIME ZONE``, which psycopg reads in C, where Django reads a timestamptz
    in Python (~4 µs a value, a tenth of the item export's time); elsewhere the moment as
    it is. ``aware`` makes it a moment again."""

    arity = 1
    output_field = DateTimeField()

    def as_sql(self, compiler, connection, **extra_context):
        return compiler.compile(self.source_expressions[0])

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql} AT TIME ZONE %s)", (*params, timezone.get_current_timezone_name())

    @staticmethod
    def aware(value, tz):
        """The value read, as a moment in ``tz`` (unchanged when it has its zone)."""
        if value is None or value.tzinfo is not None:
            return value
        return timezone.make_aware(value, tz)


def item_export_queryset(queryset: QuerySet) -> QuerySet:
    """The filtered items plus what the export needs, in one query however many rows.

    The roll-up is one subquery (``selectors.with_rollup``). "Overdue" and the light are
    worked out in Python from the facts they are made of, by the same rule
    (``lights.LightRule``): in SQL the light repeats the roll-up and the milestone scans.
    The stale flag is worked out in SQL: it reads three moments of each row, and reading a
    moment (a time-zone-aware datetime) costs Python more than comparing it.

    Co-owners come as a list of ids (one subquery), not a prefetch, which would cost a
    query per chunk of rows. The agreement's clauses are few: ``item_rows`` reads which
    items each names in one query (``clause_numbers``), not a subquery per row.
    """
    co_owners = (
        CooperationItem.co_owners.through.objects.filter(cooperationitem=OuterRef("pk"))
        .order_by()
        .values("cooperationitem")
        .annotate(ids=IdList("organization_id"))
        .values("ids")
    )
    if "rolled_up_progress" not in queryset.query.annotations:  # (one subquery: ROLLUP_RULE)
        queryset = selectors.with_rollup(queryset)
    if "first_open_due" not in queryset.query.annotations:  # "overdue" and the light
        queryset = selectors.with_first_open_due(queryset)
    queryset = queryset.annotate(co_owner_ids=Subquery(co_owners, output_field=CharField())).alias(
        export_last_report=st.last_report_at()
    )
    # Staleness counts from the assignment (its history) only for an item never reported
    # on: COALESCE reads the history only when the latest report is NULL.
    stale_since = Coalesce(
        "export_last_report", selectors.owed_from(), "created_at", output_field=DateTimeField()
    )
    return queryset.alias(export_stale_since=stale_since).annotate(
        export_reported_at=WallClock("export_last_report"),
        export_stale=ExpressionWrapper(
            Q(
                status__in=selectors.STALE_STATUSES,
                export_stale_since__lt=selectors.stale_cutoff(),
            ),
            output_field=BooleanField(),
        ),
    )


# What a row of the item export reads: plain values, not model instances (a tenth of the
# time per row). The agreement's four titles make its name without a query of its own.
ITEM_EXPORT_FIELDS = (
    "pk",
    "code",
    "title_zh",
    "title_en",
    "category",
    "parent__code",
    "agreement_id",
    "agreement__title_zh",
    "agreement__title_en",
    "agreement__short_title_zh",
    "agreement__short_title_en",
    "chengdu_lead_id",
    "yibin_lead_id",
    "co_owner_ids",
    "status",
    "health",
    "progress",
    "rolled_up_progress",
    "weight",
    "start_date",
    "target_date",
    "export_reported_at",
    "export_stale",
    "first_open_due",
)


def clause_numbers() -> dict[int, list[str]]:
    """Item id → the numbers of the agreement clauses it implements, in the agreement's order
    (one query; the clauses are the agreement's, a few dozen)."""
    numbers: dict[int, list[str]] = {}
    links = Clause.items.through.objects.values_list("cooperationitem_id", "clause__number")
    for item_id, number in links.order_by():
        numbers.setdefault(item_id, []).append(number)
    return {item_id: clause_order(",".join(found)) for item_id, found in numbers.items()}


def clause_order(numbers: str | None) -> list[str]:
    """ "3.1.2,3.1" → ["3.1", "3.1.2"]: the item's clause numbers in the agreement's order."""
    parts = [n for n in (numbers or "").split(",") if n]
    return sorted(parts, key=lambda n: [int(p) if p.isdigit() else 0 for p in n.split(".")])


def labels(choices) -> dict[str, str]:
    """Value → label of ``choices`` in the active language, to look up row after row."""
    return {value: str(label) for value, label in choices.choices}


def item_rows(queryset: QuerySet, absolute_url):
    """One row per item; ``absolute_url(path)`` makes the link absolute.

    A generator: what depends on the language (labels, names, "Yes"/"No") is set up when
    the first row is asked for, in the language of whoever consumes the rows.
    """
    organizations = st.organizations_by_id()
    names = {pk: _name(org) for pk, org in organizations.items()}
    categories, statuses, healths = labels(Category), labels(Status), labels(Health)
    light_labels = labels(Light)
    light_rule = LightRule()  # "overdue" and the light, from the facts read (as the list)
    tz, aware = timezone.get_current_timezone(), WallClock.aware
    yes, no = yes_no(True), yes_no(False)
    separator = joined(["", ""])  # "、" or "; ", as joined() puts between names
    # The link of item 1 is absolute_url("/items/1/"): make it once, put each pk in.
    head, tail = absolute_url(item_url(_LINK_PK)).rsplit(str(_LINK_PK), 1)
    agreements: dict[int, str] = {}
    clauses = {item_id: separator.join(found) for item_id, found in clause_numbers().items()}
    rows = queryset.values_list(*ITEM_EXPORT_FIELDS)
    for (
        pk,
        code,
        title_zh,
        title_en,
        category,
        parent_code,
        agreement_id,
        *agreement_titles,
        chengdu_lead_id,
        yibin_lead_id,
        co_owner_ids,
        status,
        health,
        progress,
        rolled_up_progress,
        weight,
        start_date,
        target_date,
        last_reported_at,
        is_stale,
        first_open_due,
    ) in rows.iterator(chunk_size=CHUNK):
        rolled_up = int(rolled_up_progress)  # a whole number (rounded in SQL), as a number
        is_overdue, light = light_rule(status, target_date, first_open_due, start_date, rolled_up)
        agreement = agreements.get(agreement_id)
        if agreement is None:
            agreement = agreements[agreement_id] = _agreement_name(agreement_id, agreement_titles)
        co_owners = sorted(
            names[org_pk]
            for org_pk in map(int, co_owner_ids.split(",") if co_owner_ids else ())
            if org_pk in names
        )
        yield [
            code,
            title_zh,
            title_en,
            categories.get(category, category or ""),
            parent_code or "",
            agreement,
            names.get(chengdu_lead_id, ""),
            names.get(yibin_lead_id, ""),
            separator.join(co_owners),
            statuses.get(status, status or ""),
            healths.get(health, health or ""),
            progress,
            rolled_up,
            weight,
            start_date,
            target_date,
            aware(last_reported_at, tz),
            yes if is_overdue else no,
            yes if is_stale else no,
            clauses.get(pk, ""),
            light_labels.get(light, light or ""),
            f"{head}{pk}{tail}",
        ]


_LINK_PK = 987654321  # no item has it; replaced by each row's pk


def _agreement_name(pk: int, titles) -> str:
    title_zh, title_en, short_title_zh, short_title_en = titles
    agreement = Agreement(
        pk=pk,
        title_zh=title_zh,
        title_en=title_en,
        short_title_zh=short_title_zh,
        short_title_en=short_title_en,
    )
    return str(agreement)


# --- status updates of a period --------------------------------------------------------


def status_update_header() -> list[str]:
    return [
        _("Reported at"),
        _("Code"),
        _("Item"),
        _("Category"),
        _("Organisation"),
        _("City"),
        _("Author"),
        _("Status"),
        _("Health"),
        _("Progress (%)"),
        _("Progress narrative"),
        _("Risks and blockers"),
        _("Next steps"),
    ]


STATUS_UPDATE_WIDTHS = [18, 10, 36, 16, 20, 8, 16, 10, 10, 8, 60, 40, 40]


def status_update_queryset(*, period, user) -> QuerySet:
    return (
        StatusUpdate.objects.filter(
            reported_at__gte=period.start,
            reported_at__lt=period.end,
            item__in=st.visible_pks(user),
        )
        .select_related("item", "author", "organization")
        .order_by("reported_at", "pk")
    )


def status_update_rows(queryset: QuerySet):
    for update in queryset.iterator(chunk_size=CHUNK):
        org = update.organization
        yield [
            update.reported_at,
            update.item.code,
            update.item.title,
            choice_label(Category, update.item.category),
            _name(org),
            choice_label(City, org.city) if org else "",
            update.author.get_full_name() or update.author.get_username(),
            choice_label(Status, update.status),
            choice_label(Health, update.health),
            update.progress,
            update.narrative,
            update.risks,
            update.next_steps,
        ]


# --- shared by the briefing pack and the period report ---------------------------------


def reporting_sheet(cities) -> tuple:
    header = [
        _("City"),
        _("Organisation"),
        _("Open items owned"),
        _("Status updates submitted"),
        _("Report status"),
        _("Items without any update"),
    ]
    rows = [
        [
            city["label"],
            org.name,
            len(org.expected),
            org.updates,
            org.state_label,
            joined(org.missing),
        ]
        for city in cities
        for org in city["organizations"]
    ]
    return (_("Reporting"), header, rows, [10, 28, 12, 12, 12, 50])


def when(value) -> str:
    return date_format(timezone.localtime(value), "DATETIME_FORMAT") if value else ""
