"""情况通报: the progress circular of a period (a quarter, a half-year, a year)."""

import logging

from django.utils import timezone, translation

from cooperation.choices import Category, City, Health, Status
from cooperation.models import DocumentKind
from cooperation.reports.period import Period, PeriodReport, period_report

from . import chart
from .common import cn_date, issuer
from .layout import OfficialDocument
from .meetings import numeral
from .numbering import document_number_issue

log = logging.getLogger("cooperation.documents")
STATUS_COLOURS = {
    Status.NOT_STARTED: "#9e9e9e",
    Status.IN_PROGRESS: "#1f5fbf",
    Status.COMPLETED: "#2e8b3a",
    Status.SUSPENDED: "#d9a400",
    Status.CANCELLED: "#b03030",
}
ITEM_WIDTHS = [24, 52, 30, 18, 32]  # mm, 156 in all (a code such as G-000462 on one line)


def period_name(period: Period) -> str:
    """2026年第三季度, 2026年上半年, 2026年度, 2026年11月."""
    if period.half:
        return f"{period.year}年{'上' if period.half == 1 else '下'}半年"
    if period.quarter:
        return f"{period.year}年第{numeral(period.quarter)}季度"
    if period.month:
        return f"{period.year}年{period.month}月"
    return f"{period.year}年度"


def circular(*, period: Period, user) -> tuple[bytes, str]:
    """The circular of ``period`` as a .docx (what ``user`` may see), and its number."""
    number = document_number_issue(
        kind=DocumentKind.CIRCULAR, subject=f"period:{period.key}", user=user
    )
    with translation.override("zh-hans"):
        report = period_report(period=period, user=user)
        return build(report, number), str(number)


def _item_rows(rows, reasons=False):
    for row in rows:
        state = row.item
        before = Status(row.before.status).label if row.before else "—"
        yield [
            state.code,
            state.title_zh,
            f"{before}→{Status(state.status).label}" if not reasons else Health(state.health).label,
            f"{state.rolled}%",
            "；".join(str(r) for r in row.reasons)
            if reasons
            else (cn_date(state.target_date) if state.target_date else ""),
        ]


def _status_line(counts) -> str:
    parts = [f"{Status(s).label}{counts.get(s, 0)}项" for s in Status.values if counts.get(s)]
    return "、".join(parts) if parts else "无"


def build(report: PeriodReport, number) -> bytes:
    doc = OfficialDocument()
    name = period_name(report.period)
    end_day = timezone.localtime(report.end).date()
    doc.red_mark(f"{issuer()}文件")
    doc.number_and_rule(str(number))
    doc.title(f"关于{name}成宜合作事项推进情况的通报")
    doc.addressees("各牵头单位、协办单位")
    as_at = f"（截至{cn_date(end_day)}）" if report.partial else ""
    doc.paragraph(
        f"根据成都市、宜宾市合作协议确定的会商机制和督查督办工作安排，现将{name}{as_at}"
        "合作事项推进情况通报如下。"
    )

    doc.heading("一、总体情况")
    doc.paragraph(
        f"截至{cn_date(end_day)}，纳入跟踪的合作事项共{report.total}项，其中"
        f"{_status_line(report.by_status)}。整体进度由期初的{report.progress_before}%"
        f"变为{report.progress_after}%。本期办结{len(report.completed)}项，新启动"
        f"{len(report.started)}项，进度滞后{len(report.slipped)}项；各单位共报送进展"
        f"{report.updates}次。"
    )
    statuses = [s for s in Status.values if report.by_status.get(s)] or [Status.NOT_STARTED]
    try:
        png = chart.bar_chart(
            [Status(s).label for s in statuses],
            [report.by_status.get(s, 0) for s in statuses],
            [STATUS_COLOURS[s] for s in statuses],
            f"{name}合作事项状态分布",
        )
    except chart.NoChineseFont:  # the figures are in the text and tables anyway
        log.warning("circular without its chart: no Chinese font for matplotlib")
    else:
        doc.picture(png, 140, "图1　合作事项状态分布")

    doc.heading("二、分类推进情况")
    doc.heading("（一）按类别", level=2)
    header = ["类别", "合计", *[Status(s).label for s in Status.values]]
    widths = [36, 20, 20, 20, 20, 20, 20]
    doc.table(
        header,
        (
            [Category(c).label, sum(counts.values()), *[counts.get(s, 0) for s in Status.values]]
            for c, counts in sorted(report.by_category.items())
            if c in Category.values
        ),
        widths,
    )
    doc.heading("（二）按牵头城市", level=2)
    doc.table(
        ["牵头城市", "合计", *[Status(s).label for s in Status.values]],
        (
            [
                f"{City(city).label}牵头",
                sum(report.by_city.get(city, {}).values()),
                *[report.by_city.get(city, {}).get(s, 0) for s in Status.values],
            ]
            for city in (City.CHENGDU, City.YIBIN)
        ),
        widths,
    )

    doc.heading("三、重点事项进展")
    sections = (
        ("（一）本期办结事项", report.completed, False),
        ("（二）本期新启动事项", report.started, False),
        ("（三）进度滞后事项", report.slipped, True),
    )
    for heading, rows, reasons in sections:
        doc.heading(f"{heading}（{len(rows)}项）", level=2)
        if not rows:
            doc.paragraph("无。")
            continue
        doc.table(
            [
                "编号",
                "事项",
                "状态" if not reasons else "亮灯",
                "进度",
                "原因" if reasons else "完成时限",
            ],
            _item_rows(rows, reasons),
            ITEM_WIDTHS,
        )

    doc.heading("四、进展报送情况")
    for city in report.reporting:
        missing = [org.name for org in city["organizations"] if not org.reported and org.expected]
        done = [org.name for org in city["organizations"] if org.reported]
        text = f"{city['label']}方：{len(done)}家单位按期报送进展"
        text += (
            f"，{'、'.join(missing)}等{len(missing)}家单位未报送。"
            if missing
            else "，无未报送单位。"
        )
        doc.paragraph(text)

    doc.heading("五、下一步工作要求")
    doc.paragraph(
        "请各牵头单位对照合作协议和年度工作安排，加快推进滞后事项，按期在系统中报送进展；"
        "未报送进展的单位要认真查找原因，于下一期会商前补报。办结事项请及时提交办结报告和佐证材料。"
    )
    doc.signature(issuer(), cn_date(number.issued_on))
    doc.imprint(issuer(), cn_date(number.issued_on), copies="成都市人民政府、宜宾市人民政府")
    return doc.save()
