"""Official documents: read back with python-docx (page, margins, grid, fonts, number, text)
and converted to PDF by LibreOffice (page size, page count, key text)."""

import datetime
import io

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm

from cooperation.choices import Role
from cooperation.documents import chart
from cooperation.documents.layout import FONTS
from cooperation.documents.numbering import document_number_issue
from cooperation.models import DocumentKind, DocumentNumber, Organization, SupervisionSlip

from .office import A4, page_size, squeeze, text_of, to_pdf

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


def get(client, user, url, params=None):
    client.force_login(user)
    response = client.get(url, params or {})
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    return response.content


def docx_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    return "\n".join(parts)


def assert_official_layout(document, *, title=True) -> None:
    """GB/T 9704-2012 as far as the file says it: A4, margins, 22 × 28 grid, fonts, footer."""
    section = document.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(0.1)
    assert abs(section.page_height - Mm(297)) < Mm(0.1)
    for side, mm in (("top", 37), ("bottom", 35), ("left", 28), ("right", 26)):
        assert abs(getattr(section, f"{side}_margin") - Mm(mm)) < Mm(0.1), side
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "lines" and grid.get(qn("w:linePitch")) == "579"
    normal = document.styles["Normal"]
    assert normal.font.size.pt == 16  # 3号
    fonts = normal.element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    # Title in 2号 小标宋体; the first-level headings in 黑体.
    runs = [run for p in document.paragraphs for run in p.runs]
    east_asia = {
        run._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))
        for run in runs
        if run._element.rPr is not None and run._element.rPr.find(qn("w:rFonts")) is not None
    }
    assert east_asia <= set(FONTS) and "方正小标宋简体" in east_asia
    if title:  # (minutes have their red mark instead of a title)
        assert any(run.font.size is not None and run.font.size.pt == 22 for run in runs)
    # Page numbers "— 1 —" in 4号, right on odd pages and left on even ones.
    assert document.settings.odd_and_even_pages_header_footer
    for footer in (section.footer, section.even_page_footer):
        xml = footer._element.xml
        assert "PAGE" in xml and "— " in footer.paragraphs[0].text
        assert footer.paragraphs[0].runs[0].font.size.pt == 14


def assert_red_mark(document, text: str) -> None:
    mark = document.paragraphs[0]
    assert mark.text == text
    assert str(mark.runs[0].font.color.rgb) == "FF0000"
    rule = next(p for p in document.paragraphs if "〔" in p.text)
    border = rule._element.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert border.get(qn("w:color")) == "FF0000"


def assert_pdf(content: bytes, tmp_path, pages: range, *texts) -> str:
    reader = to_pdf(content, ".docx", tmp_path)
    width, height = page_size(reader)
    assert abs(width - A4[0]) < 2 and abs(height - A4[1]) < 2
    assert len(reader.pages) in pages, len(reader.pages)
    raw = text_of(reader)
    text = squeeze(raw)
    for expected in texts:
        assert squeeze(expected) in text, expected
    assert "—1—" in text  # the page number
    return raw


def test_meeting_notice(papers, leader, client, tmp_path):
    meeting = papers["upcoming"]
    url = reverse("cooperation:meeting_notice_docx", args=[meeting.pk])
    content = get(client, leader, url)
    document = Document(io.BytesIO(content))
    assert_official_layout(document)
    assert_red_mark(document, "成宜合作推进办公室文件")
    text = docx_text(document)
    number = f"成宜办〔{YEAR}〕1号"
    local = timezone.localtime(meeting.starts_at)
    for expected in (
        number,
        f"关于召开{meeting.mechanism.name_zh}第7次会议的通知",
        f"{local.year}年{local.month}月{local.day}日",
        "宜宾市政务中心三楼会议室",
        "（二）研究临港产业园用地问题。",
        "成都产业投资集团有限公司",  # a participant, and an owner owing a report
        "李华",  # the contact: who first made the notice
        "一、会议时间",
        "五、会前准备",
    ):
        assert expected in text, expected
    # The same notice downloaded again keeps its number; another document takes the next.
    again = Document(io.BytesIO(get(client, leader, url)))
    assert number in docx_text(again)
    minutes = get(client, leader, reverse("cooperation:meeting_minutes_docx", args=[meeting.pk]))
    assert f"成宜办〔{YEAR}〕2号" in docx_text(Document(io.BytesIO(minutes)))
    assert DocumentNumber.objects.count() == 2
    text = assert_pdf(
        content, tmp_path, range(1, 4), number, "会议的通知", "宜宾市政务中心三楼会议室"
    )
    # 28 characters a line: the longest all-Chinese lines of the body hold exactly 28.
    lines = [squeeze(line) for line in text.splitlines()]
    chinese = [line for line in lines if line and not any(c.isascii() for c in line)]
    assert max(len(line) for line in chinese) == 28


def test_minutes_draft_from_minutes_decisions_and_followups(papers, leader, client, tmp_path):
    from cooperation.meetings.decisions import meeting_decision_item_create

    held = papers["held"]
    cdig = Organization.objects.get(code="cdig")
    yb = Organization.objects.get(code="yibin-lingang-etdz")
    followup = meeting_decision_item_create(
        meeting=held,
        user=leader,
        title_zh="完成园区二期规划",
        chengdu_lead=cdig,
        yibin_lead=yb,
        target_date=timezone.localdate() + datetime.timedelta(days=60),
    )
    content = get(client, leader, reverse("cooperation:meeting_minutes_docx", args=[held.pk]))
    document = Document(io.BytesIO(content))
    assert_official_layout(document, title=False)
    text = docx_text(document)
    for expected in (
        f"{held.mechanism.name_zh}第6次会议纪要",
        f"成宜办〔{YEAR}〕1号（草稿）",
        "双方就园区配套达成一致。",
        "（一）年底前完成园区二期规划",
        "（二）建立双周调度机制",
        followup.code,
    ):
        assert expected in text, expected
    assert_pdf(content, tmp_path, range(1, 4), "议定事项", "建立双周调度机制", followup.code)


@pytest.mark.parametrize(("period", "name"), [("Q", "季度"), ("H", "半年"), ("Y", "年度")])
def test_circular_of_each_tier(papers, leader, client, tmp_path, period, name):
    today = timezone.localdate()
    key = {
        "Q": f"{today.year}-Q{(today.month - 1) // 3 + 1}",
        "H": f"{today.year}-H{1 if today.month <= 6 else 2}",
        "Y": str(today.year),
    }[period]
    content = get(client, leader, reverse("cooperation:report_circular_docx"), {"period": key})
    document = Document(io.BytesIO(content))
    assert_official_layout(document)
    assert_red_mark(document, "成宜合作推进办公室文件")
    text = docx_text(document)
    assert f"成宜办〔{YEAR}〕1号" in text
    assert name in document.paragraphs[4].text and "推进情况的通报" in text
    assert len(document.inline_shapes) == 1  # the status chart
    for expected in (
        "一、总体情况",
        "（一）按类别",
        "重点合作项目",
        "宜宾牵头",
        "四、进展报送情况",
        "成都方：",
    ):
        assert expected in text, expected
    # The tables' header rows repeat on each page.
    assert all(t.rows[0]._tr.find(qn("w:trPr")).find(qn("w:tblHeader")) is not None
               for t in document.tables)  # fmt: skip
    assert_pdf(content, tmp_path, range(2, 8), "推进情况的通报", "图1", "合作事项状态分布")


def test_circular_chart_uses_a_chinese_font():
    assert chart.cjk_font() in chart.FAMILIES
    png = chart.bar_chart(["推进中"], [3], ["#1f5fbf"], "状态")
    assert png.startswith(b"\x89PNG")


def test_supervision_slip(papers, leader, client, tmp_path):
    item = papers["item"]
    slip = SupervisionSlip.objects.create(
        year=YEAR,
        sequence=12,
        item=item,
        colour="red",
        cause="overdue",
        feedback_due=timezone.localdate() + datetime.timedelta(days=3),
    )
    slip.addressed_to.set(Organization.objects.filter(code__in=["cdig", "yibin-lingang-etdz"]))
    content = get(client, leader, reverse("cooperation:slip_docx", args=[slip.pk]))
    document = Document(io.BytesIO(content))
    assert_official_layout(document)
    text = docx_text(document)
    for expected in (f"成宜督〔{YEAR}〕12号", "红色督办单", "KP-1", "成都产业投资集团有限公司"):
        assert expected in text, expected
    assert_pdf(content, tmp_path, range(1, 3), f"成宜督〔{YEAR}〕12号", "红色督办单")


def test_numbers_count_per_year_and_stay(papers, leader):
    first = document_number_issue(kind=DocumentKind.CIRCULAR, subject="period:x", user=leader)
    assert str(first) == f"成宜办〔{YEAR}〕1号" and first.issued_by == leader
    with time_machine.travel(datetime.datetime(YEAR + 1, 1, 2, 9, tzinfo=datetime.UTC)):
        nxt = document_number_issue(kind=DocumentKind.CIRCULAR, subject="period:y", user=None)
        same = document_number_issue(kind=DocumentKind.CIRCULAR, subject="period:x", user=None)
    assert str(nxt) == f"成宜办〔{YEAR + 1}〕1号"
    assert same.pk == first.pk and same.issued_on == first.issued_on
    slip_kind = document_number_issue(
        kind=DocumentKind.SUPERVISION_SLIP, subject="slip:1", user=None
    )
    assert str(slip_kind) == f"成宜督〔{YEAR}〕1号"


def test_who_may_download(papers, leader, coordinator, client):
    urls = [
        reverse("cooperation:meeting_notice_docx", args=[papers["upcoming"].pk]),
        reverse("cooperation:meeting_minutes_docx", args=[papers["held"].pk]),
        reverse("cooperation:report_circular_docx"),
    ]
    for url in urls:
        client.logout()
        anonymous = client.get(url)
        assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
        client.force_login(coordinator)
        assert client.get(url).status_code == 403
        client.force_login(leader)
        assert client.get(url).status_code == 200
    assert not DocumentNumber.objects.filter(issued_by=coordinator).exists()
    bad = client.get(reverse("cooperation:report_circular_docx"), {"period": "1999-Q1"})
    assert bad.status_code == 302
    assert client.get(reverse("cooperation:meeting_notice_docx", args=[999999])).status_code == 404


def test_period_page_links_to_the_circular(papers, leader, client):
    client.force_login(leader)
    page = client.get(reverse("cooperation:report_period")).content.decode()
    assert reverse("cooperation:report_circular_docx") in page
    assert Role.VIEWER  # the leader is a viewer with the reports permission
