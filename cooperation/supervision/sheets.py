"""The scorecard's XLSX workbook, in the reports' sheet format (``reports.exports``)."""

from django.utils.translation import gettext as _

from cooperation.reports.tables import when


def _table(rows, figures) -> list[list]:
    return [[row.label, *[row.values.get(key) for key, _label in figures]] for row in rows]


def scorecard_sheets(card) -> list[tuple]:
    header = [_("Organisation"), *[str(label) for _key, label in card.figures]]
    widths = [30, *[12 for _f in card.figures]]
    city_header = [_("City"), *header[1:]]
    about = [
        [_("Period"), str(card.period)],
        [_("From"), when(card.period.start)],
        [_("Until"), when(card.period.end)],
        [_("Complete"), _("No: figures as at now") if card.partial else _("Yes")],
        *[[_("Rule"), rule] for rule in card.rules],
    ]
    return [
        (_("Organisations"), header, _table(card.organizations, card.figures), widths),
        (_("Cities"), city_header, _table(card.cities, card.figures), widths),
        (_("Rules"), [_("Figure"), _("Value")], about, [16, 120]),
    ]
