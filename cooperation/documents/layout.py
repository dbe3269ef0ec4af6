"""The GB/T 9704-2012 page (《党政机关公文格式》) as far as a Word file can express it.

A4; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (a text area of 156 × 225 mm);
a document grid of 22 lines, 28 characters a line; title in 2号 (22 pt) 小标宋体, body in 3号
(16 pt) 仿宋_GB2312, first-level headings in 黑体, second-level in 楷体_GB2312; a red
issuing-body mark and a red rule under the document number; page numbers in 4号 (14 pt)
宋体 as "— 1 —", on the right of odd pages and the left of even ones, one character in.

Font names are written into the file (offices have these fonts); where a font is missing,
Word and LibreOffice fall back to another Chinese font and the text stays readable.
"""

import io
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_1_FONT = "黑体"
HEADING_2_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"
LATIN_FONT = "Times New Roman"
FONTS = (TITLE_FONT, BODY_FONT, HEADING_1_FONT, HEADING_2_FONT, PAGE_NUMBER_FONT)

TITLE_SIZE = Pt(22)  # 2号
BODY_SIZE = Pt(16)  # 3号
PAGE_NUMBER_SIZE = Pt(14)  # 4号
TABLE_SIZE = Pt(12)  # 小4号, inside tables
MARK_SIZE = Pt(36)
RED = RGBColor(0xFF, 0x00, 0x00)

MARGINS = {"top": 37, "bottom": 35, "left": 28, "right": 26}  # mm
TEXT_WIDTH_MM = 210 - MARGINS["left"] - MARGINS["right"]  # 156
LINES, CHARACTERS = 22, 28
# 225 mm / 22 lines = 28.97 pt a line; Word's templates for 公文 use 579 twips (28.95 pt).
LINE_PITCH_TWIPS = 579
LINE = Pt(LINE_PITCH_TWIPS / 20)
# 156 mm / 28 = 15.79 pt a character. A character grid ("linesAndChars") of that pitch is
# what Word's templates use, but LibreOffice puts a 16 pt character that does not fit one
# cell into two (14 characters a line). So the grid holds lines only, and the body text is
# condensed by 0.25 pt (in twentieths of a point): 28 × 15.75 pt = 441 pt fit in 442.2 pt,
# in Word and LibreOffice alike.
CONDENSE_TWENTIETHS = -5
INDENT = Pt(32)  # two characters


def _fonts(element, east_asia: str, latin: str = LATIN_FONT) -> None:
    """Write the font names of a run or style properties element (``w:rPr``)."""
    rfonts = element.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = element.makeelement(qn("w:rFonts"), {})
        element.insert(0, rfonts)
    for attribute, value in (
        ("w:ascii", latin),
        ("w:hAnsi", latin),
        ("w:eastAsia", east_asia),
        ("w:cs", latin),
    ):
        rfonts.set(qn(attribute), value)


def set_run(run, *, font=BODY_FONT, size=BODY_SIZE, bold=False, color=None):
    run.font.size = size
    run.font.bold = bold or None
    if color is not None:
        run.font.color.rgb = color
    _fonts(run._element.get_or_add_rPr(), font)
    return run


class OfficialDocument:
    """One document: its page, its styles, and the parts of a 公文 in order."""

    def __init__(self):
        self.doc = Document()
        self._page()
        self._styles()
        self._page_numbers()

    # --- page, styles, footer ------------------------------------------------------------

    def _page(self) -> None:
        section = self.doc.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(MARGINS["top"]), Mm(MARGINS["bottom"])
        section.left_margin, section.right_margin = Mm(MARGINS["left"]), Mm(MARGINS["right"])
        section.header_distance = Mm(15)
        # The page number sits 7 mm under the text area: its line ends ~23 mm above the edge.
        section.footer_distance = Mm(23)
        sect_pr = section._sectPr
        for old in sect_pr.findall(qn("w:docGrid")):
            sect_pr.remove(old)
        grid = parse_xml(
            f'<w:docGrid {nsdecls("w")} w:type="lines" w:linePitch="{LINE_PITCH_TWIPS}"/>'
        )
        sect_pr.append(grid)
        self.doc.settings.odd_and_even_pages_header_footer = True

    def _styles(self) -> None:
        normal = self.doc.styles["Normal"]
        normal.font.size = BODY_SIZE
        rpr = normal.element.get_or_add_rPr()
        _fonts(rpr, BODY_FONT)
        rpr.append(parse_xml(f'<w:spacing {nsdecls("w")} w:val="{CONDENSE_TWENTIETHS}"/>'))
        paragraph = normal.paragraph_format
        paragraph.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        paragraph.line_spacing = LINE
        paragraph.space_before = paragraph.space_after = Pt(0)
        paragraph.widow_control = False
        # The document defaults too, so that what has no style (table text) is Chinese.
        defaults = self.doc.styles.element.find(qn("w:docDefaults"))
        if defaults is not None:
            rpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
            if rpr is not None:
                _fonts(rpr, BODY_FONT)
        self.doc.core_properties.language = "zh-CN"

    def _page_number_footer(self, footer, align) -> None:
        paragraph = footer.paragraphs[0]
        paragraph.alignment = align
        paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            paragraph.paragraph_format.right_indent = PAGE_NUMBER_SIZE
        else:
            paragraph.paragraph_format.left_indent = PAGE_NUMBER_SIZE
        set_run(paragraph.add_run("— "), font=PAGE_NUMBER_FONT, size=PAGE_NUMBER_SIZE)
        for kind, text in (("begin", None), (None, " PAGE "), ("separate", None)):
            run = set_run(paragraph.add_run(), font=PAGE_NUMBER_FONT, size=PAGE_NUMBER_SIZE)
            if kind:
                run._element.append(
                    parse_xml(f'<w:fldChar {nsdecls("w")} w:fldCharType="{kind}"/>')
                )
            else:
                run._element.append(
                    parse_xml(
                        f'<w:instrText {nsdecls("w")} xml:space="preserve">{text}</w:instrText>'
                    )
                )
        set_run(paragraph.add_run("1"), font=PAGE_NUMBER_FONT, size=PAGE_NUMBER_SIZE)
        end = set_run(paragraph.add_run(), font=PAGE_NUMBER_FONT, size=PAGE_NUMBER_SIZE)
        end._element.append(parse_xml(f'<w:fldChar {nsdecls("w")} w:fldCharType="end"/>'))
        set_run(paragraph.add_run(" —"), font=PAGE_NUMBER_FONT, size=PAGE_NUMBER_SIZE)

    def _page_numbers(self) -> None:
        section = self.doc.sections[0]
        self._page_number_footer(section.footer, WD_ALIGN_PARAGRAPH.RIGHT)  # odd pages
        self._page_number_footer(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)

    # --- the parts of a document ----------------------------------------------------------

    def paragraph(self, text: str = "", *, indent=True, align=None, font=BODY_FONT, **run):
        paragraph = self.doc.add_paragraph()
        if indent:
            paragraph.paragraph_format.first_line_indent = INDENT
        if align is not None:
            paragraph.alignment = align
        if text:
            set_run(paragraph.add_run(text), font=font, **run)
        return paragraph

    def blank(self):
        return self.paragraph(indent=False)

    def red_mark(self, text: str) -> None:
        """The issuing-body mark (发文机关标志), red, centred; then a blank line."""
        paragraph = self.paragraph(indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
        paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        paragraph.paragraph_format.space_after = Pt(14)
        # As large as 36 pt while the mark fits on one line of the text area.
        fit = Pt(min(MARK_SIZE.pt, int(TEXT_WIDTH_MM / 25.4 * 72 / max(len(text), 1)) - 1))
        set_run(paragraph.add_run(text), font=TITLE_FONT, size=fit, color=RED)
        self.blank()

    def number_and_rule(self, number: str, *, red=True) -> None:
        """The document number, centred, over the red rule (版头中的分隔线), 4 mm below it."""
        paragraph = self.paragraph(number, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
        color = "FF0000" if red else "000000"
        ppr = paragraph._element.get_or_add_pPr()
        ppr.append(
            parse_xml(
                f'<w:pBdr {nsdecls("w")}><w:bottom w:val="single" w:sz="12" w:space="11" '
                f'w:color="{color}"/></w:pBdr>'
            )
        )
        self.blank()

    def title(self, text: str) -> None:
        self.paragraph(
            text, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT, size=TITLE_SIZE
        )
        self.blank()

    def addressees(self, text: str) -> None:
        """主送机关: flush left, ending with a full-width colon."""
        self.paragraph(text.rstrip("：:") + "：", indent=False)

    def heading(self, text: str, level: int = 1) -> None:
        font = HEADING_1_FONT if level == 1 else HEADING_2_FONT
        self.paragraph(text, font=font)

    def signature(self, issuer: str, date_text: str) -> None:
        """发文机关署名 and 成文日期: right, four characters in, after a blank line."""
        self.blank()
        for text in (issuer, date_text):
            paragraph = self.paragraph(text, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
            paragraph.paragraph_format.right_indent = Pt(64)

    def note(self, text: str) -> None:
        """附注: in brackets, two characters in, under the date."""
        self.paragraph(f"（{text}）")

    def imprint(self, issuer: str, date_text: str, copies: str = "") -> None:
        """版记: copy-to line and printing line between rules, at the end."""
        self.blank()
        lines = ([f"抄送：{copies}。"] if copies else []) + [f"{issuer}　　{date_text}印发"]
        for index, text in enumerate(lines):
            paragraph = self.paragraph(text, indent=False, size=PAGE_NUMBER_SIZE)
            paragraph.paragraph_format.left_indent = PAGE_NUMBER_SIZE
            borders = []
            if index == 0:
                borders.append('<w:top w:val="single" w:sz="8" w:space="1" w:color="000000"/>')
            if index == len(lines) - 1:
                borders.append('<w:bottom w:val="single" w:sz="8" w:space="1" w:color="000000"/>')
            paragraph._element.get_or_add_pPr().append(
                parse_xml(f"<w:pBdr {nsdecls('w')}>{''.join(borders)}</w:pBdr>")
            )

    def picture(self, png: bytes, width_mm: float, caption: str = "") -> None:
        """A centred image (single line spacing: an exact one would cut it off)."""
        paragraph = self.paragraph(indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
        paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        paragraph.add_run().add_picture(io.BytesIO(png), width=Mm(width_mm))
        if caption:
            self.paragraph(caption, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, size=TABLE_SIZE)

    def table(self, header: list[str], rows, widths_mm: list[float]) -> int:
        """A bordered table in 小4号, its header row repeated on each page; returns its rows.

        Built as XML text and parsed once: python-docx adds a row in about a millisecond,
        which a circular of 10,000 items cannot afford.
        """
        twips = [round(width / 25.4 * 1440) for width in widths_mm]
        size = int(TABLE_SIZE.pt * 2)
        fonts = (
            f'<w:rFonts w:ascii="{LATIN_FONT}" w:hAnsi="{LATIN_FONT}" '
            f'w:eastAsia="{BODY_FONT}" w:cs="{LATIN_FONT}"/>'
        )

        def cell(text, width, bold=False) -> str:
            weight = "<w:b/>" if bold else ""
            runs = escape(str(text if text is not None else ""))
            return (
                f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>'
                '<w:p><w:pPr><w:spacing w:before="0" w:after="0" w:line="240" '
                'w:lineRule="auto"/><w:ind w:firstLine="0"/><w:snapToGrid w:val="0"/></w:pPr>'
                f'<w:r><w:rPr>{fonts}{weight}<w:sz w:val="{size}"/><w:szCs w:val="{size}"/>'
                f'</w:rPr><w:t xml:space="preserve">{runs}</w:t></w:r></w:p></w:tc>'
            )

        parts = [
            f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblW w:w="{sum(twips)}" w:type="dxa"/>'
            '<w:jc w:val="center"/><w:tblBorders>'
            + "".join(
                f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                for side in ("top", "left", "bottom", "right", "insideH", "insideV")
            )
            + '</w:tblBorders><w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid>'
            + "".join(f'<w:gridCol w:w="{w}"/>' for w in twips)
            + "</w:tblGrid>",
            "<w:tr><w:trPr><w:tblHeader/><w:cantSplit/></w:trPr>"
            + "".join(cell(text, w, bold=True) for text, w in zip(header, twips, strict=True))
            + "</w:tr>",
        ]
        count = 0
        for row in rows:
            parts.append(
                "<w:tr><w:trPr><w:cantSplit/></w:trPr>"
                + "".join(cell(text, w) for text, w in zip(row, twips, strict=True))
                + "</w:tr>"
            )
            count += 1
        parts.append("</w:tbl>")
        table = parse_xml("".join(parts))
        body = self.doc.element.body
        body.insert(len(body) - 1, table)  # before the section properties
        self.doc.tables[-1].alignment = WD_TABLE_ALIGNMENT.CENTER
        return count

    def save(self) -> bytes:
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()
