"""CSV and XLSX writers that keep memory constant, and the rows of the two list exports.

CSV is streamed row by row (``StreamingHttpResponse``); XLSX is written into temporary files
(openpyxl's write-only workbook, and ``SheetRows`` for the data rows), then streamed
(``FileResponse``): the rows never sit in memory together. A text cell that a spreadsheet
would take for a formula (one starting with = + - @, a tab or a carriage return) is prefixed
with an apostrophe in CSV; in XLSX it is a string cell (which Excel never evaluates) with the
``quotePrefix`` style, so it stays text when edited and shows no apostrophe.

Every sheet prints: landscape A4, one page wide, the header row repeated on each page,
gridlines, page numbers in the footer; the header is frozen and wrapped, long columns wrap,
and each sheet carries its ``<dimension>`` (the write-only workbook does not know it, so it is
added when the package is assembled).
"""

import csv
import datetime
import io
import math
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from decimal import Decimal

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.encoding import force_str
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.xml import LXML

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# The first characters of text that SheetRows.write leaves to SheetRows._cell: a formula's,
# an error code's (#N/A...).
FORMULA_TRIGGERS_OR_ERROR = frozenset(FORMULA_TRIGGERS) | {"#"}
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 500
WRAP_WIDTH = 24  # columns at least this wide wrap their text
# Character widths (Excel's unit: one digit) a column needs, at most, to show its header.
HEADER_WIDTH_CAP = 14


class Quoted(str):
    """Text a spreadsheet would read as a formula: written as a string cell with the
    ``quotePrefix`` style (no apostrophe in the value)."""

    __slots__ = ()


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
    """A cell's value for XLSX: control characters (XML cannot hold them) dropped first, so
    that "\x0b=cmd" cannot become a formula once they are gone; then marked ``Quoted``."""
    if isinstance(value, Promise):
        value = force_str(value)
    if isinstance(value, str):
        value = ILLEGAL_XML.sub("", value)
        return Quoted(value) if value.startswith(FORMULA_TRIGGERS) else value
    return local(value)


def csv_time(value: datetime.datetime, tz=None) -> str:
    """A time for CSV: Beijing time to the second, with its offset (2026-03-02 07:30:00+08:00)."""
    if timezone.is_aware(value):
        value = value.astimezone(tz or timezone.get_current_timezone())
    return value.replace(microsecond=0).isoformat(sep=" ")


def _csv_cell(value):
    if isinstance(value, datetime.datetime):
        return csv_time(value)
    return neutralise(value)


def cell_converter(*, xml: bool):
    """``_text_cell`` (``xml``) or ``_csv_cell``, with fast paths for the values nearly every
    cell holds: the same results, without a function call per step or a time-zone look-up
    per cell. Made for one export when its rows start (the time zone is looked up then).
    """
    convert = _text_cell if xml else _csv_cell
    tz = timezone.get_current_timezone()
    plain = (int, float, bool, datetime.date, type(None))

    def cell(value):
        kind = type(value)
        if kind is str:
            if xml and ILLEGAL_XML.search(value):
                value = ILLEGAL_XML.sub("", value)
            if value.startswith(FORMULA_TRIGGERS):
                return Quoted(value) if xml else "'" + value
            return value
        if kind is datetime.datetime:
            if not xml:
                return csv_time(value, tz)
            if value.utcoffset() is not None:
                return value.astimezone(tz).replace(tzinfo=None)
            return value
        if kind in plain:
            return value
        return convert(value)

    return cell


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
            cell = cell_converter(xml=False)
            for row in rows:
                yield writer.writerow([cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def sheet_title(text) -> str:
    return SHEET_TITLE_FORBIDDEN.sub(" ", force_str(text))[:31] or "Sheet"


def display_width(text: str) -> int:
    """Columns ``text`` takes in a spreadsheet: a Chinese (wide) character counts two."""
    return sum(2 if ord(char) >= 0x1100 else 1 for char in text)


def column_widths(header: list, widths=None) -> list[float]:
    """The given widths, widened where the header needs it (wrapped on two lines at most)."""
    out = []
    for index, label in enumerate(header):
        given = widths[index] if widths and index < len(widths) else 12
        needed = min(HEADER_WIDTH_CAP, (display_width(force_str(label)) + 1) // 2 + 2)
        out.append(max(given, needed))
    return out


def print_setup(sheet) -> None:
    """Landscape A4, one page wide (as many long as needed), header row on every page."""
    setup = sheet.page_setup
    setup.orientation = "landscape"
    setup.paperSize = 9  # A4
    setup.fitToWidth = 1
    setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_title_rows = "1:1"
    sheet.print_options.gridLines = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.oddFooter.center.text = "&P / &N"


def _quoted_cell(sheet, value, *, wrap: bool = False):
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, Quoted):
        cell.data_type = "s"  # openpyxl would take "=..." for a formula
        cell.quotePrefix = True
    if wrap:
        cell.alignment = WRAP
    return cell


WRAP = Alignment(wrap_text=True, vertical="top")
WRAPPED = ("wrap",)  # SheetRows' style key of wrapped text


def start_sheet(workbook, title, header: list, widths=None):
    """A write-only sheet that prints (``print_setup``), with its column widths and its bold,
    wrapped, frozen header row."""
    sheet = workbook.create_sheet(sheet_title(title))
    for index, width in enumerate(column_widths(header, widths), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    print_setup(sheet)
    bold = Font(bold=True)
    cells = []
    for value in header:
        cell = _quoted_cell(sheet, _text_cell(value), wrap=True)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    return sheet


def wrap_columns(header: list, widths=None) -> frozenset[int]:
    """Indexes of the columns whose text wraps: the wide ones."""
    return frozenset(
        index for index, width in enumerate(column_widths(header, widths)) if width >= WRAP_WIDTH
    )


def _escape(text: str) -> str:
    """Text as openpyxl's XML library escapes it inside an element."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if LXML and "\r" in text:  # ElementTree writes it as it is, lxml as a reference
        text = text.replace("\r", "&#13;")
    return text


def _number(value) -> str:
    """As openpyxl's ``safe_string``: printf's %.16g (a Decimal goes through float, which
    ``format(Decimal, ".16g")`` would not do)."""
    return "%.16g" % value  # noqa: UP031


class SheetRows:
    """Writes a sheet's data rows as the XML openpyxl writes for them, ten times faster.

    openpyxl spends ~12 µs a cell (a cell object, then an XML element serialised by
    ElementTree); an export of 10,000 items has 200,000 cells. Here each row is one string,
    built by the rules of openpyxl 3.1 (``Cell._bind_value`` and ``lxml_write_cell`` or
    ``etree_write_cell``, whichever openpyxl uses): text
    as an inline string (``xml:space="preserve"`` when it has leading or trailing spaces),
    error codes as errors, numbers and booleans as ``%.16g``, dates as Excel serial numbers
    with openpyxl's date formats, text with a line break wrapped. Styles are registered in
    the workbook through openpyxl the first time a row needs them, so the workbook's
    styles.xml is the one openpyxl would write. ``tests/test_report_exports.py`` compares
    the result with openpyxl's own, byte for byte.
    """

    def __init__(self, sheet, out, wrap=frozenset()):
        self.sheet = sheet
        self.out = out  # a binary file
        self.epoch = sheet.parent.epoch
        self.styles: dict[object, str] = {}
        self.columns: list[str] = []  # the column letters: A, B, ...
        self.serials: dict[datetime.date, str] = {}
        self.wrap = WRAP
        self.wrapped = wrap  # indexes of the columns whose text wraps
        self.text_cell = cell_converter(xml=True)
        self.rows = 1  # the header row
        self.width = 0

    def _style(self, kind, value) -> str:
        """The style id (as text) of a date, a datetime, wrapped or quoted text (or both),
        registered once."""
        style = self.styles.get(kind)
        if style is None:
            if kind in (datetime.date, datetime.datetime):
                cell = WriteOnlyCell(self.sheet, value=value)  # sets a date's number format
            else:
                cell = _quoted_cell(self.sheet, value, wrap="wrap" in kind)
            style = self.styles[kind] = str(cell.style_id)
        return style

    def _cell(self, ref: str, value, wrap: bool = False) -> str:
        if isinstance(value, str):
            quoted = type(value) is Quoted
            wrap = wrap or "\n" in value
            style = ""
            if wrap or quoted:
                kind = WRAPPED * wrap + ("quoted",) * quoted
                style = f' s="{self._style(kind, value)}"'
            value = str(value[:32767])
            if ILLEGAL_XML.search(value):
                raise ValueError(f"{value!r} cannot be used in worksheets")
            if len(value) > 1 and value.startswith("=") and not quoted:
                raise ValueError(f"{value!r} would be a formula: neutralise it first")
            if value in ERROR_CODES and not quoted:
                return f'<c r="{ref}"{style} t="e"><v>{_escape(value)}</v></c>'
            if value == "":
                return f'<c r="{ref}"{style} t="inlineStr"{EMPTY_END}'
            stripped = value.strip()
            space = ' xml:space="preserve"' if stripped != value and (stripped or LXML) else ""
            return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{_escape(value)}</t></is></c>'
        if isinstance(value, bool):
            return f'<c r="{ref}" t="b"><v>{value:d}</v></c>'
        if isinstance(value, int | float | Decimal):
            if isinstance(value, float | Decimal) and not math.isfinite(value):
                return f'<c r="{ref}" t="n"><v /></c>'
            return f'<c r="{ref}" t="n"><v>{_number(value)}</v></c>'
        if isinstance(value, datetime.date):  # a datetime too
            if getattr(value, "tzinfo", None) is not None:
                raise TypeError("Excel does not support time zones")
            if isinstance(value, datetime.datetime):
                kind, serial = datetime.datetime, _number(to_excel(value, self.epoch))
            else:  # few distinct dates (target dates, start dates): convert each once
                kind, serial = datetime.date, self.serials.get(value)
                if serial is None:
                    serial = self.serials[value] = _number(to_excel(value, self.epoch))
            return f'<c r="{ref}" s="{self._style(kind, value)}" t="n"><v>{serial}</v></c>'
        raise TypeError(f"cannot write {value!r} to a worksheet")

    def write(self, rows: Iterable[list], first: int = 2) -> None:
        """Most cells are plain text (no formula start, no line break or control character,
        no surrounding space), empty text, whole numbers, dates or nothing: those are
        written here directly, as ``_cell`` would write them; the others by ``_cell``."""
        text_cell, cell, letters = self.text_cell, self._cell, self.columns
        wrapped, illegal, escape, number_text = self.wrapped, ILLEGAL_XML.search, _escape, _number
        unusual_start = FORMULA_TRIGGERS_OR_ERROR
        serials, empty = self.serials, EMPTY_END
        wrap_attr = date_style = ""  # registered the first time a cell needs them

        number = first - 1
        for number, row in enumerate(rows, start=first):
            while len(letters) < len(row):
                letters.append(get_column_letter(len(letters) + 1))
            suffix = str(number)
            cells = []
            for index, value in enumerate(row):
                kind = type(value)
                if kind is str:
                    if (
                        value
                        and value[0] not in unusual_start
                        and not value[0].isspace()
                        and not value[-1].isspace()
                        and "\n" not in value
                        and len(value) <= 32767
                        and not illegal(value)
                    ):
                        style = ""
                        if index in wrapped:
                            style = wrap_attr or f' s="{self._style(WRAPPED, value)}"'
                            wrap_attr = style
                        cells.append(
                            f'<c r="{letters[index]}{suffix}"{style} t="inlineStr"><is><t>'
                            f"{escape(value)}</t></is></c>"
                        )
                        continue
                    if not value:  # an empty cell of text (no parent, no co-owner)
                        style = ""
                        if index in wrapped:
                            style = wrap_attr or f' s="{self._style(WRAPPED, value)}"'
                            wrap_attr = style
                        cells.append(f'<c r="{letters[index]}{suffix}"{style} t="inlineStr"{empty}')
                        continue
                elif kind is int:
                    cells.append(
                        f'<c r="{letters[index]}{suffix}" t="n"><v>{number_text(value)}</v></c>'
                    )
                    continue
                elif kind is datetime.date:  # start and target dates: few distinct ones
                    serial = serials.get(value)
                    if serial is None:
                        serial = serials[value] = number_text(to_excel(value, self.epoch))
                    date_style = date_style or self._style(datetime.date, value)
                    cells.append(
                        f'<c r="{letters[index]}{suffix}" s="{date_style}" t="n">'
                        f"<v>{serial}</v></c>"
                    )
                    continue
                elif value is None:
                    continue
                value = text_cell(value)
                if value is not None:
                    cells.append(cell(letters[index] + suffix, value, index in wrapped))
            self.out.write(f'<row r="{suffix}">{"".join(cells)}</row>'.encode(*ENCODING))
            self.width = max(self.width, len(row))
        self.rows = max(self.rows, number)

    def dimension(self, header_width: int) -> str:
        """The sheet's used range, for its ``<dimension>``."""
        last = get_column_letter(max(self.width, header_width, 1))
        return f"A1:{last}{self.rows}"


# openpyxl writes with lxml when it is installed (python-docx needs it), with ElementTree
# otherwise (tracker/settings.py chooses ElementTree); they differ in three details, which
# SheetRows follows: lxml writes non-ASCII text as character references.
EMPTY_END = "></c>" if LXML else " />"
ENCODING = ("ascii", "xmlcharrefreplace") if LXML else ("utf-8",)

SHEET_COMPRESSLEVEL = 1
SHEET_DATA_END = b"</sheetData>"
SHEET_VIEWS = b"<sheetViews>"


def xlsx_response(filename: str, sheets: Iterable[tuple]) -> FileResponse:
    """``sheets``: (title, header, rows[, widths]) tuples; rows may be generators.

    openpyxl writes the workbook with each sheet's header row; each sheet's data rows are
    written by ``SheetRows`` into a temporary file, and put into the sheet's XML when the
    package is copied into the file that is sent. Memory stays flat: rows go to disk.
    """
    workbook = Workbook(write_only=True)
    bodies = []
    try:
        for title, header, rows, *widths in sheets:
            sheet = start_sheet(workbook, title, header, *widths)
            body = tempfile.TemporaryFile()  # noqa: SIM115
            writer = SheetRows(sheet, body, wrap_columns(header, *widths))
            bodies.append((sheet, body, writer, len(header)))
            writer.write(rows)
        package = io.BytesIO()
        workbook.save(package)
        # A sheet's path is known once the workbook is saved (it numbers the sheets then).
        by_path = {
            sheet.path.lstrip("/"): (body, writer.dimension(width))
            for sheet, body, writer, width in bodies
        }
        handle = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
        _assemble(zipfile.ZipFile(package), by_path, handle)
    finally:
        for _sheet, body, *_rest in bodies:
            body.close()
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_TYPE)


def _assemble(package: zipfile.ZipFile, bodies: dict, out) -> None:
    """Copy ``package`` into ``out``, each sheet's rows (``bodies``) put before its end."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for info in package.infolist():
            data = package.read(info)
            body, dimension = bodies.pop(info.filename, (None, None))
            if body is None:
                archive.writestr(info, data)
                continue
            head, end, tail = data.partition(SHEET_DATA_END)
            if not end or SHEET_VIEWS not in head:
                raise ValueError(f"no sheetData or sheetViews in {info.filename}")
            # <dimension> comes after <sheetPr>, before <sheetViews> (ECMA-376 order).
            head = head.replace(
                SHEET_VIEWS, f'<dimension ref="{dimension}" />'.encode() + SHEET_VIEWS, 1
            )
            entry_info = zipfile.ZipInfo(info.filename, info.date_time)
            entry_info.compress_type = info.compress_type
            # The fastest level: the rows of 10,000 items are some 15 MB of XML, which zlib's
            # default level takes a few hundred ms to pack a little tighter. (A ZipInfo's
            # level has no public setter before Python 3.13; None means the default.)
            entry_info._compresslevel = SHEET_COMPRESSLEVEL
            entry_info.external_attr = info.external_attr
            # The size decides whether the entry needs ZIP64 headers (over 2 GiB).
            entry_info.file_size = len(data) + body.seek(0, io.SEEK_END)
            body.seek(0)
            with archive.open(entry_info, "w") as entry:
                entry.write(head)
                shutil.copyfileobj(body, entry, 2**20)
                entry.write(end + tail)
    if bodies:
        raise ValueError(f"sheets missing from the workbook: {sorted(bodies)}")


def export_name(stem: str, extension: str) -> str:
    return f"{stem}-{timezone.localdate():%Y%m%d}.{extension}"
