"""督办单: a supervision slip as an official document, under the slip's own number."""

from django.utils import timezone, translation

from cooperation.choices import Health, Status
from cooperation.models import SupervisionSlip
from cooperation.models.supervision import FeedbackState, SlipCause, SlipColour, SlipState

from .common import cn_date, issuer, person
from .layout import OfficialDocument

COLOUR_NAMES = {SlipColour.BLUE: "蓝色", SlipColour.YELLOW: "黄色", SlipColour.RED: "红色"}


def slip_document(*, slip: SupervisionSlip) -> tuple[bytes, str]:
    """The slip as a .docx, and its number (成宜督〔2026〕12号, given when it was issued)."""
    with translation.override("zh-hans"):
        return _build(slip), slip.number


def _build(slip: SupervisionSlip) -> bytes:
    item = slip.item
    doc = OfficialDocument()
    doc.red_mark(issuer())
    doc.number_and_rule(slip.number)
    doc.title(f"{COLOUR_NAMES.get(slip.colour, '')}督办单")
    addressed = [org.name_zh for org in slip.addressed_to.all()]
    doc.addressees("、".join(addressed) if addressed else "有关单位")
    issued = timezone.localtime(slip.issued_at).date()
    doc.paragraph(
        f"“{item.code} {item.title_zh}”{SlipCause(slip.cause).label}，"
        f"现予{COLOUR_NAMES.get(slip.colour, '')}督办。请于{cn_date(slip.feedback_due)}前"
        "在成宜合作项目推进系统中书面反馈落实情况、存在问题和整改措施。"
    )
    rows = [
        ["督办事项", f"{item.code} {item.title_zh}"],
        ["承办单位", "、".join(addressed)],
        [
            "督办原因",
            SlipCause(slip.cause).label + (f"（{slip.occasion}）" if slip.occasion else ""),
        ],
        [
            "当前状态",
            f"{Status(item.status).label}，亮灯{Health(item.health).label}，进度{item.progress}%"
            + (f"，计划完成时间{cn_date(item.target_date)}" if item.target_date else ""),
        ],
        ["督办时间", cn_date(issued)],
        ["反馈时限", cn_date(slip.feedback_due)],
        ["办理状态", SlipState(slip.state).label],
    ]
    for feedback in slip.feedback.select_related("organization", "author").order_by("submitted_at"):
        when = cn_date(timezone.localtime(feedback.submitted_at).date())
        state = FeedbackState(feedback.state).label
        rows.append(
            [
                "反馈情况",
                f"{when} {feedback.organization.name_zh}（{person(feedback.author)}）："
                f"{feedback.text}（{state}）",
            ]
        )
    doc.table(["项目", "内容"], rows, [32, 124])
    doc.signature(issuer(), cn_date(issued))
    doc.imprint(issuer(), cn_date(issued))
    return doc.save()
