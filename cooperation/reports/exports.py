"""CSV and XLSX writers that keep memory constant, and the rows of the two list exports.

CSV is streamed row by row (``StreamingHttpResponse``); XLSX is written by openpyxl's
write-only workbook into a temporary file, which is then streamed (``FileResponse``): the
rows never sit in memory together. A text cell that a spreadsheet would take for a formula
(one starting with = + - @, a tab or a carriage return) is prefixed with an apostrophe.
"""

import csv
import datetime
import re
import tempfile
from collections.abc import Iterable

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.encoding import force_str
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 500


def neutralise(value):
    """Plain values stay; text that would start a formula gets a leading apostrophe."""
    if isinstance(value, Promise):
        value = force_str(value)
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def local(value):
    """Aware datetimes as naive Beijing time (spreadsheets know no time zones)."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def _text_cell(value):
    value = neutralise(local(value))
    if isinstance(value, str):
        value = ILLEGAL_XML.sub("", value)
    return value


class _Echo:
    """A file-like object whose write() hands the line back, for csv.writer."""

    def write(self, value):
        return value


def csv_response(filename: str, header: list, rows: Iterable[list]) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    language = translation.get_language()

    def lines():
        # The rows are made while the server sends them, after the view has returned:
        # keep the reader's language for their labels.
        with translation.override(language):
            yield "\ufeff"  # so that Excel reads the Chinese text as UTF-8
            yield writer.writerow([neutralise(cell) for cell in header])
            for row in rows:
                yield writer.writerow([neutralise(local(cell)) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def sheet_title(text) -> str:
    return SHEET_TITLE_FORBIDDEN.sub(" ", force_str(text))[:31] or "Sheet"


def write_sheet(workbook, title, header: list, rows: Iterable[list], widths=None) -> None:
    """One write-only sheet: a bold, frozen header row, then the rows as they come."""
    sheet = workbook.create_sheet(sheet_title(title))
    for index, width in enumerate(widths or [], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    cells = []
    for value in header:
        cell = WriteOnlyCell(sheet, value=_text_cell(value))
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        out = []
        for value in row:
            value = _text_cell(value)
            if isinstance(value, str) and "\n" in value:
                cell = WriteOnlyCell(sheet, value=value)
                cell.alignment = wrap
                out.append(cell)
            else:
                out.append(value)
        sheet.append(out)


def xlsx_response(filename: str, sheets: Iterable[tuple]) -> FileResponse:
    """``sheets``: (title, header, rows[, widths]) tuples; rows may be generators."""
    workbook = Workbook(write_only=True)
    for sheet in sheets:
        write_sheet(workbook, *sheet)
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_TYPE)


def export_name(stem: str, extension: str) -> str:
    return f"{stem}-{timezone.localdate():%Y%m%d}.{extension}"
