"""Reading an uploaded workbook: the sheet in the item export's layout, and milestones.

Tolerant of how a spreadsheet program saved it: a header row anywhere in the first rows, the
headers in Chinese or English, dates as date cells, as Excel serial numbers or as text, text
that the export protected with a leading apostrophe. Strict where a value could be wrong
without anyone noticing: formulas (their cached result may be stale or missing), error
cells, macro workbooks.
"""

import datetime
import io
import re
import zipfile
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel

from cooperation.reports.exports import FORMULA_TRIGGERS
from cooperation.reports.tables import item_header

# The item export's columns, by position in ``item_header()``: what each one imports into.
# Status, health and progress change through status reports only; the rest is computed.
ITEM_COLUMNS = {
    0: "code",
    1: "title_zh",
    2: "title_en",
    3: "category",
    4: "parent",
    5: "agreement",
    6: "chengdu_lead",
    7: "yibin_lead",
    8: "co_owners",
    13: "weight",
    14: "start_date",
    15: "target_date",
}
MILESTONE_TITLES = ("Milestones", "里程碑")
HEADER_SEARCH_ROWS = 10
LANGUAGES = ("zh-hans", "en")


def milestone_header() -> list[str]:
    return [
        _("Item code"),
        _("Milestone (Chinese)"),
        _("Milestone (English)"),
        _("Due date"),
        _("Done date"),
    ]


MILESTONE_COLUMNS = {0: "item", 1: "title_zh", 2: "title_en", 3: "due_date", 4: "done_date"}


class WorkbookError(Exception):
    """The file as a whole cannot be read (not XLSX, macros, no header row)."""


@dataclass
class CellError:
    row: int
    column: str  # the letter, e.g. "P"
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": str(self.message)}


@dataclass
class Row:
    number: int  # the spreadsheet's row number
    values: dict  # field → raw cell value
    columns: dict  # field → column letter
    errors: list[CellError] = field(default_factory=list)


@dataclass
class Sheet:
    rows: list[Row]
    ignored: list[str]  # headers of columns that are not imported


@dataclass
class Workbook:
    items: Sheet
    milestones: Sheet | None


def _normal(text) -> str:
    return re.sub(r"\s+", "", str(text or "")).casefold()


def _labels(header_function, columns: dict) -> dict[str, str]:
    """Normalised header text (in either language) → field."""
    labels = {}
    for language in LANGUAGES:
        with translation.override(language):
            header = header_function()
        for index, name in columns.items():
            labels[_normal(header[index])] = name
    return labels


def _read_only_labels(header_function, columns: dict) -> set[str]:
    known = set()
    for language in LANGUAGES:
        with translation.override(language):
            header = header_function()
        known |= {_normal(text) for index, text in enumerate(header) if index not in columns}
    return known


def check_package(content: bytes, filename: str) -> None:
    """Not a zip, not a workbook, or a workbook with macros: a WorkbookError."""
    if filename.lower().endswith((".xlsm", ".xltm", ".xlsb", ".xls")):
        raise WorkbookError(
            _(
                "“%(name)s” is not an .xlsx workbook (macro workbooks and old "
                ".xls files are not accepted): save it as .xlsx."
            )
            % {"name": filename}
        )
    try:
        package = zipfile.ZipFile(io.BytesIO(content))
        names = set(package.namelist())
        types = package.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise WorkbookError(_("This file is not an Excel workbook (.xlsx).")) from exc
    if any(name.lower().endswith("vbaproject.bin") for name in names) or b"macroEnabled" in types:
        raise WorkbookError(
            _(
                "This workbook contains macros, which are not "
                "accepted: save it as a plain .xlsx workbook."
            )
        )
    if "xl/workbook.xml" not in names:
        raise WorkbookError(_("This file is not an Excel workbook (.xlsx)."))


def _sheet(worksheet, labels: dict, read_only: set, required: str) -> Sheet:
    rows = worksheet.iter_rows()
    header_at = None
    columns: dict[int, str] = {}
    ignored: list[str] = []
    for _index, cells in zip(range(HEADER_SEARCH_ROWS), rows, strict=False):
        found = {i: labels.get(_normal(cell.value)) for i, cell in enumerate(cells)}
        if required in found.values():
            header_at = cells[0].row
            columns = {i: name for i, name in found.items() if name}
            ignored = [
                str(cell.value)
                for i, cell in enumerate(cells)
                if cell.value not in (None, "") and i not in columns
            ]
            break
    if header_at is None:
        raise WorkbookError(
            _(
                "No header row found in sheet “%(sheet)s”: keep the "
                "export's first row (Code, Title …)."
            )
            % {"sheet": worksheet.title}
        )
    unknown = [text for text in ignored if _normal(text) not in read_only]
    if unknown:
        raise WorkbookError(
            _(
                "Unknown columns in sheet “%(sheet)s”: %(columns)s. Use "
                "the export's or the template's columns."
            )
            % {"sheet": worksheet.title, "columns": "、".join(unknown)}
        )
    out = []
    for cells in rows:
        values, letters, errors = {}, {}, []
        for i, name in columns.items():
            if i >= len(cells):
                continue
            cell = cells[i]
            if getattr(cell, "value", None) is None:
                continue
            letter = get_column_letter(i + 1)
            letters[name] = letter
            if cell.data_type == "f" or (
                isinstance(cell.value, str) and cell.value.startswith("=") and cell.data_type != "s"
            ):
                errors.append(
                    CellError(
                        cell.row,
                        letter,
                        _(
                            "A formula where a value is expected: paste the "
                            "values instead (Paste special → Values)."
                        ),
                    )
                )
                continue
            if cell.data_type == "e":
                errors.append(
                    CellError(
                        cell.row,
                        letter,
                        _("An error value (%(value)s) in this cell.") % {"value": cell.value},
                    )
                )
                continue
            values[name] = cell.value
        if values or errors:
            number = next(c.row for c in cells if getattr(c, "row", None))
            out.append(Row(number=number, values=values, columns=letters, errors=errors))
    return Sheet(rows=out, ignored=ignored)


def read(content: bytes, filename: str) -> Workbook:
    check_package(content, filename)
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise WorkbookError(_("This workbook cannot be read: %(error)s") % {"error": exc}) from exc
    try:
        sheets = list(book.worksheets)
        milestone_sheet = next((s for s in sheets if s.title.strip() in MILESTONE_TITLES), None)
        item_sheets = [s for s in sheets if s is not milestone_sheet]
        if not item_sheets:
            raise WorkbookError(_("The workbook has no sheet of items."))
        items = _sheet(
            item_sheets[0],
            _labels(item_header, ITEM_COLUMNS),
            _read_only_labels(item_header, ITEM_COLUMNS),
            "code",
        )
        milestones = None
        if milestone_sheet is not None:
            milestones = _sheet(
                milestone_sheet, _labels(milestone_header, MILESTONE_COLUMNS), set(), "item"
            )
        return Workbook(items=items, milestones=milestones)
    finally:
        book.close()


def count_rows(content: bytes) -> int:
    """About how many rows the workbook has (its sheets' dimensions), cheaply."""
    try:
        book = load_workbook(io.BytesIO(content), read_only=True)
    except Exception:  # the dry run reports what is wrong
        return 0
    try:
        return sum(max((sheet.max_row or 1) - 1, 0) for sheet in book.worksheets)
    finally:
        book.close()


# --- cell values, whatever their type ---------------------------------------------------

DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")
NOT_A_DATE = gettext_lazy("“%(value)s” is not a date: write it as 2026-06-30.")


def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()[:10]
    value = str(value).strip()
    if value.startswith("'") and value[1:].startswith(FORMULA_TRIGGERS):
        value = value[1:]  # the export's protection against formulas
    return value


def date(value) -> datetime.date | None:
    """ValueError (with a message for the user) when it is not a date."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:
            return from_excel(value).date()
        raise ValueError(NOT_A_DATE % {"value": value})
    raw = text(value)
    if not raw:
        return None
    for pattern in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    raise ValueError(NOT_A_DATE % {"value": raw})


def whole_number(value) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(_("“%(value)s” is not a whole number.") % {"value": value})
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raw = text(value)
    if re.fullmatch(r"\d+", raw):
        return int(raw)
    raise ValueError(_("“%(value)s” is not a whole number.") % {"value": raw})
