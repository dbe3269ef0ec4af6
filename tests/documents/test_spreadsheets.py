"""Spreadsheets that print and read right: every workbook converted to PDF by LibreOffice
(landscape A4, a sheet of up to 50 rows on at most 2 pages) and read back with openpyxl
(real dates, text kept as text without an apostrophe, print titles, frozen header,
<dimension>); CSV times to the second with their offset, after the BOM."""

import datetime
import io
import re
import zipfile

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfWriter

from cooperation.models import CooperationItem
from cooperation.reports.exports import WRAP_WIDTH

from .office import A4, page_size, to_pdfs

pytestmark = pytest.mark.django_db


def download(client, url, params=None) -> bytes:
    response = client.get(url, params or {})
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def one_sheet_each(body: bytes) -> list[bytes]:
    """The workbook split into one workbook per sheet (so pages count per sheet)."""
    out = []
    names = openpyxl.load_workbook(io.BytesIO(body)).sheetnames
    for keep in names:
        workbook = openpyxl.load_workbook(io.BytesIO(body))
        for name in names:
            if name != keep:
                del workbook[name]
        buffer = io.BytesIO()
        workbook.save(buffer)
        out.append(buffer.getvalue())
    return out


def assert_prints(body: bytes, tmp_path, rows_at_most=50) -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(body))
    readers = to_pdfs(one_sheet_each(body), ".xlsx", tmp_path / "sheets")
    for sheet, reader in zip(workbook.worksheets, readers, strict=True):
        assert sheet.max_row <= rows_at_most + 1
        width, height = page_size(reader)
        assert (round(width), round(height)) == (round(A4[1]), round(A4[0])), sheet.title
        assert 1 <= len(reader.pages) <= 2, (sheet.title, len(reader.pages))
        PdfWriter()  # pypdf opened it


def assert_reads_right(body: bytes) -> None:
    package = zipfile.ZipFile(io.BytesIO(body))
    workbook_xml = package.read("xl/workbook.xml").decode()
    workbook = openpyxl.load_workbook(io.BytesIO(body))
    for number, sheet in enumerate(workbook.worksheets, start=1):
        xml = package.read(f"xl/worksheets/sheet{number}.xml").decode()
        dimension = re.search(r'<dimension ref="A1:([A-Z]+)(\d+)" />', xml)
        assert dimension and int(dimension[2]) == sheet.max_row, sheet.title
        assert sheet.freeze_panes == "A2"
        assert sheet.print_title_rows == "$1:$1"
        setup = sheet.page_setup
        assert (setup.orientation, setup.paperSize, setup.fitToWidth) == ("landscape", 9, 1)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert all(cell.font.bold and cell.alignment.wrap_text for cell in sheet[1])
        for cell in sheet[1]:
            width = sheet.column_dimensions[cell.column_letter].width
            assert width >= 8
            if width >= WRAP_WIDTH and sheet.max_row > 1 and sheet.cell(2, cell.column).value:
                assert sheet.cell(2, cell.column).alignment.wrap_text, (sheet.title, cell.value)
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                assert not (isinstance(cell.value, str) and cell.value.startswith("'"))
    assert "_xlnm.Print_Titles" in workbook_xml


@pytest.fixture
def signed_in(client, leader):
    client.force_login(leader)
    return client


def test_item_export_prints_and_reads(papers, signed_in, tmp_path):
    item = CooperationItem.objects.get(code="KP-2")
    item.title_zh = '=HYPERLINK("http://evil","点我")'
    item.save()
    url = reverse("cooperation:item_export", args=["xlsx"])
    body = download(signed_in, url, {"category": "key_project"})
    assert_reads_right(body)
    sheet = openpyxl.load_workbook(io.BytesIO(body)).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["编号", "中文名称", "英文名称"]  # the column order import relies on
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    kp2 = rows["KP-2"]
    assert kp2[1].value.startswith("=HYPERLINK") and kp2[1].data_type == "s"
    assert kp2[1].quotePrefix
    kp1 = rows["KP-1"]
    assert isinstance(kp1[16].value, datetime.datetime)  # last status update: a real date
    assert kp1[16].number_format == "yyyy-mm-dd h:mm:ss"
    reported = timezone.localtime(papers["item"].status_updates.get().reported_at)
    assert abs(kp1[16].value - reported.replace(tzinfo=None)) < datetime.timedelta(seconds=1)
    assert_prints(body, tmp_path)


def test_status_update_export_prints(papers, signed_in, tmp_path):
    body = download(
        signed_in,
        reverse("cooperation:statusupdate_export"),
        {"period": str(timezone.localdate().year)},
    )
    assert_reads_right(body)
    sheet = openpyxl.load_workbook(io.BytesIO(body)).worksheets[0]
    assert isinstance(sheet["A2"].value, datetime.datetime)
    assert sheet["K2"].value == "用地审批滞后" and sheet["K2"].alignment.wrap_text
    assert_prints(body, tmp_path)


def test_briefing_pack_prints_and_has_no_empty_label_rows(papers, signed_in, tmp_path):
    meeting = papers["upcoming"]
    body = download(signed_in, reverse("cooperation:meeting_briefing_xlsx", args=[meeting.pk]))
    assert_reads_right(body)
    workbook = openpyxl.load_workbook(io.BytesIO(body))
    summary = {row[0]: row[1] for row in workbook.worksheets[0].iter_rows(values_only=True)}
    assert isinstance(summary["开始时间"], datetime.datetime)
    decisions = workbook.worksheets[3]
    assert decisions["B2"].value == papers["held"].decisions  # the previous meeting's
    assert_prints(body, tmp_path)
    # The held meeting had no earlier one: its table of decisions is the header alone.
    first = download(
        signed_in, reverse("cooperation:meeting_briefing_xlsx", args=[papers["held"].pk])
    )
    assert openpyxl.load_workbook(io.BytesIO(first)).worksheets[3].max_row == 1


@pytest.mark.parametrize("period", ["Q", "H", "Y"])
def test_period_reports_print(papers, signed_in, tmp_path, period):
    today = timezone.localdate()
    key = {
        "Q": f"{today.year}-Q{(today.month - 1) // 3 + 1}",
        "H": f"{today.year}-H{1 if today.month <= 6 else 2}",
        "Y": str(today.year),
    }[period]
    body = download(signed_in, reverse("cooperation:report_period_xlsx"), {"period": key})
    assert_reads_right(body)
    summary = openpyxl.load_workbook(io.BytesIO(body)).worksheets[0]
    assert isinstance(summary["B3"].value, datetime.datetime)  # from
    assert_prints(body, tmp_path)


def test_csv_times_to_the_second_with_offset_after_the_bom(papers, signed_in):
    body = download(signed_in, reverse("cooperation:item_export", args=["csv"]))
    assert body.startswith("\ufeff".encode())
    text = body.decode("utf-8-sig")
    kp1 = next(line for line in text.splitlines() if line.startswith("KP-1,"))
    stamps = re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[^,]*", kp1)
    assert stamps and all(re.fullmatch(r".{19}\+08:00", stamp) for stamp in stamps), stamps
