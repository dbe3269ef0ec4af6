"""The XLSX workbooks of a briefing pack and of a period report."""

from django.utils.translation import gettext as _

from cooperation.choices import Health, Status

from . import tables
from .exports import yes_no
from .tables import choice_label, reporting_sheet


def _trend(row) -> str:
    if not row.compared:
        return ""
    if row.is_new:
        return _("New since the previous meeting")
    parts = []
    if row.status_changed:
        parts.append(
            f"{choice_label(Status, row.before['status'])} → {choice_label(Status, row.status)}"
        )
    if row.health_trend:
        parts.append(
            f"{choice_label(Health, row.before['health'])} → {choice_label(Health, row.health)}"
        )
    if row.progress_delta:
        parts.append(f"{row.progress_delta:+d}%")
    return tables.joined(parts) if parts else _("No change")


def briefing_sheets(pack) -> list[tuple]:
    meeting = pack.meeting
    summary = pack.summary
    facts = [
        [_("Meeting"), str(meeting)],
        [_("Starts at"), meeting.starts_at],
        [_("Figures as at"), pack.at],
        [_("Frozen"), yes_no(pack.frozen)],
        [_("Reports counted since"), pack.window_start or _("No earlier meeting")],
        [_("Items in scope"), summary["total"]],
        *[[choice_label(Status, s), n] for s, n in summary["status"].items()],
        [_("Overdue"), summary["overdue"]],
        [_("Stale"), summary["stale"]],
        [_("Changed since the previous meeting"), summary["changed"]],  # None: no previous
        [_("Health worsened"), summary["worse"]],
        [_("Open items reported on"), f"{summary['reported']} / {summary['open']}"],
    ]
    items = [
        [
            row.code,
            row.title,
            row.category_label,
            choice_label(Status, row.status),
            choice_label(Health, row.health),
            row.progress,
            choice_label(Status, row.before["status"]) if row.before else "",
            choice_label(Health, row.before["health"]) if row.before else "",
            row.before["progress"] if row.before else "",
            _trend(row),
            yes_no(row.overdue),
            yes_no(row.stale),
            row.last_reported,
            row.target,
            yes_no(row.reported),
        ]
        for row in pack.scoped
    ]
    item_header = [
        _("Code"),
        _("Item"),
        _("Category"),
        _("Status"),
        _("Health"),
        _("Progress (%)"),
        _("Status at the previous meeting"),
        _("Health at the previous meeting"),
        _("Progress at the previous meeting (%)"),
        _("Change since the previous meeting"),
        _("Overdue"),
        _("Stale"),
        _("Last status update"),
        _("Target date"),
        _("Reported for this meeting"),
    ]
    # The previous meeting's decisions as a first row, only when there are any: an empty
    # table has no label rows.
    decisions = (pack.previous or {}).get("decisions") or ""
    followups = [[_("Decisions"), decisions]] if decisions.strip() else []
    followups += [
        [
            row.code,
            row.title,
            choice_label(Status, row.status),
            choice_label(Health, row.health),
            row.progress,
        ]
        for row in pack.followups
    ]
    return [
        (_("Summary"), [_("Figure"), _("Value")], facts, [36, 40]),
        (_("Items"), item_header, items, [10, 40, 16, 10, 10, 8, 12, 12, 10, 30, 8, 8, 18, 12, 10]),
        reporting_sheet(pack.reporting),
        (
            _("Previous decisions"),
            [_("Code"), _("Item"), _("Status"), _("Health"), _("Progress (%)")],
            followups,
            [12, 60, 10, 10, 10],
        ),
    ]


def _period_items(rows, with_reasons=False) -> list[list]:
    out = []
    for row in rows:
        state = row.item
        line = [
            state.code,
            state.title,
            choice_label(Status, row.before.status) if row.before else "",
            choice_label(Status, state.status),
            choice_label(Health, row.before.health) if row.before else "",
            choice_label(Health, state.health),
            state.rolled,
            state.target_date,
        ]
        if with_reasons:
            line.append(tables.joined(row.reasons))
        out.append(line)
    return out


def period_sheets(report) -> list[tuple]:
    header = [
        _("Code"),
        _("Item"),
        _("Status at the start"),
        _("Status at the end"),
        _("Health at the start"),
        _("Health at the end"),
        _("Progress (%)"),
        _("Target date"),
    ]
    widths = [10, 40, 12, 12, 12, 12, 10, 12, 30]
    summary = [
        [_("Period"), str(report.period)],
        [_("From"), report.start],
        [_("Until"), report.end],
        [_("Items"), report.total],
        [_("Completed"), len(report.completed)],
        [_("Started"), len(report.started)],
        [_("Slipped"), len(report.slipped)],
        [_("Status updates submitted"), report.updates],
        [_("Overall progress at the start (%)"), report.progress_before],
        [_("Overall progress at the end (%)"), report.progress_after],
    ]
    return [
        (_("Summary"), [_("Figure"), _("Value")], summary, [36, 30]),
        (_("Completed"), header, _period_items(report.completed), widths),
        (_("Started"), header, _period_items(report.started), widths),
        (_("Slipped"), [*header, _("Why")], _period_items(report.slipped, True), widths),
        reporting_sheet(report.reporting),
    ]
