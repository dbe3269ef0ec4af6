"""会议通知 (meeting notice) and 会议纪要 (minutes draft) of a consultation meeting."""

import datetime

from django.db.models import Q
from django.utils import timezone, translation

from cooperation.choices import City, MeetingState, Status
from cooperation.models import CooperationItem, DocumentKind, Meeting, Organization

from .common import cn_date, cn_datetime, issuer, person
from .layout import OfficialDocument
from .numbering import document_number_issue

NUMERALS = "一二三四五六七八九十"
# Reports are due this many days before the meeting (the status call goes out 21 days before).
REPORTS_DUE_DAYS_BEFORE = 5
OPEN = (Status.NOT_STARTED, Status.IN_PROGRESS, Status.SUSPENDED)


def numeral(index: int) -> str:
    """一, 二, … 十, 十一 … (headings are few)."""
    if index <= 10:
        return NUMERALS[index - 1]
    return "十" + NUMERALS[index - 11]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _meeting_name(meeting: Meeting) -> str:
    name = meeting.mechanism.name_zh
    if meeting.sequence:
        return f"{name}第{meeting.sequence}次会议"
    return f"{name}专题会议"


def _organizations_by_city(meeting: Meeting) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {City.CHENGDU: [], City.YIBIN: []}
    for org in meeting.mechanism.participant_organizations.order_by("city", "name_zh"):
        out.setdefault(org.city, []).append(org.name_zh)
    return out


def owing_reports(meeting: Meeting) -> list[str]:
    """Organisations leading or co-owning an open item in the mechanism's scope (one query,
    with subqueries: joining three item relations at once would multiply the rows)."""
    items = CooperationItem.objects.filter(
        category__in=list(meeting.mechanism.scope_categories or []), status__in=OPEN
    )
    co_owners = CooperationItem.co_owners.through.objects.filter(cooperationitem__in=items)
    names = (
        Organization.objects.filter(
            Q(pk__in=items.values("chengdu_lead"))
            | Q(pk__in=items.values("yibin_lead"))
            | Q(pk__in=co_owners.values("organization"))
        )
        .order_by("city", "name_zh")
        .values_list("name_zh", flat=True)
    )
    return list(names)


def meeting_notice(*, meeting: Meeting, user) -> tuple[bytes, str]:
    """The notice of ``meeting`` as a .docx, and its document number."""
    number = document_number_issue(
        kind=DocumentKind.MEETING_NOTICE, subject=f"meeting:{meeting.pk}", user=user
    )
    with translation.override("zh-hans"):
        return _notice(meeting, number), str(number)


def _notice(meeting: Meeting, number) -> bytes:
    doc = OfficialDocument()
    doc.red_mark(f"{issuer()}文件")
    doc.number_and_rule(str(number))
    name = _meeting_name(meeting)
    doc.title(f"关于召开{name}的通知")
    cities = _organizations_by_city(meeting)
    organizations = [name for names in cities.values() for name in names]
    doc.addressees("、".join(organizations) if organizations else "各有关单位")
    doc.paragraph(
        f"根据《{meeting.mechanism.agreement.title_zh}》确定的会商机制，经研究，定于"
        f"{cn_date(timezone_date(meeting.starts_at))}召开{name}。现将有关事项通知如下。"
    )
    if meeting.state == MeetingState.CANCELLED:
        doc.paragraph("（本次会议已取消，本通知仅供存档。）")
    sections = [
        ("会议时间", [f"{cn_datetime(meeting.starts_at)}，会期约{_duration(meeting)}。"]),
        ("会议地点", [_place(meeting)]),
        ("参会人员", _participants(meeting, cities)),
        ("会议议程", _agenda(meeting)),
        ("会前准备", _preparation(meeting)),
        ("联系人", [_contact(number)]),
    ]
    for index, (heading, paragraphs) in enumerate(sections, start=1):
        doc.heading(f"{numeral(index)}、{heading}")
        for text in paragraphs:
            doc.paragraph(text)
    doc.signature(issuer(), cn_date(number.issued_on))
    doc.imprint(issuer(), cn_date(number.issued_on))
    return doc.save()


def timezone_date(value: datetime.datetime) -> datetime.date:
    return timezone.localtime(value).date()


def _duration(meeting: Meeting) -> str:
    minutes = meeting.mechanism.duration_minutes
    if minutes % 60 == 0:
        return f"{minutes // 60}小时"
    if minutes > 60:
        return f"{minutes / 60:.1f}小时".replace(".0小时", "小时")
    return f"{minutes}分钟"


def _place(meeting: Meeting) -> str:
    host = City(meeting.host_city).label if meeting.host_city else ""
    if meeting.location:
        return f"{meeting.location}（{host}承办）。" if host else f"{meeting.location}。"
    return f"由{host}承办，具体地点另行通知。" if host else "另行通知。"


def _participants(meeting: Meeting, cities: dict[str, list[str]]) -> list[str]:
    lines = []
    for city, names in cities.items():
        if names:
            lines.append(f"{City(city).label}方：{'、'.join(names)}负责同志。")
    people = [person(user) for user in meeting.mechanism.participants.order_by("username")]
    if people:
        lines.append(f"特邀人员：{'、'.join(people)}。")
    return lines or ["参会单位另行通知。"]


def _agenda(meeting: Meeting) -> list[str]:
    lines = _lines(meeting.agenda)
    if not lines:
        return ["会议议程另行通知。"]
    return [f"（{numeral(index)}）{line.rstrip('。；;')}。" for index, line in enumerate(lines, 1)]


def _preparation(meeting: Meeting) -> list[str]:
    due = timezone_date(meeting.starts_at) - datetime.timedelta(days=REPORTS_DUE_DAYS_BEFORE)
    lines = [
        f"请各牵头单位于{cn_date(due)}前，在成宜合作项目推进系统中报送所负责事项的推进情况，"
        "包括进展、存在的困难和问题、下一步工作打算，并准备需会商协调的事项材料。"
    ]
    owing = owing_reports(meeting)
    if owing:
        lines.append(f"需报送进展的单位：{'、'.join(owing)}。")
    return lines


def _contact(number) -> str:
    user = number.issued_by
    if user is None:
        return f"{issuer()}。"
    email = f"，电子邮箱：{user.email}" if user.email else ""
    return f"{person(user)}{email}。"


# --- minutes ---------------------------------------------------------------------------


def meeting_minutes(*, meeting: Meeting, user) -> tuple[bytes, str]:
    """A draft of the minutes of ``meeting`` from its minutes, decisions and follow-up items."""
    number = document_number_issue(
        kind=DocumentKind.MINUTES, subject=f"meeting:{meeting.pk}", user=user
    )
    with translation.override("zh-hans"):
        return _minutes(meeting, number), str(number)


def _minutes(meeting: Meeting, number) -> bytes:
    doc = OfficialDocument()
    name = _meeting_name(meeting)
    doc.red_mark(f"{name}纪要")
    doc.number_and_rule(f"{number}（草稿）")
    cities = _organizations_by_city(meeting)
    place = f"在{meeting.location}" if meeting.location else ""
    doc.paragraph(
        f"{cn_date(timezone_date(meeting.starts_at))}，{name}{place}召开。"
        f"会议由{City(meeting.host_city).label}承办，听取了合作事项推进情况汇报，"
        "研究了需协调解决的问题。现将会议议定事项纪要如下。"
    )
    minutes = _lines(meeting.minutes)
    index = 1
    if minutes:
        doc.heading(f"{numeral(index)}、会议情况")
        for line in minutes:
            doc.paragraph(line)
        index += 1
    doc.heading(f"{numeral(index)}、议定事项")
    decisions = _lines(meeting.decisions)
    for position, line in enumerate(decisions, start=1):
        doc.paragraph(f"（{numeral(position)}）{line}")
    if not decisions:
        doc.paragraph("（待补充）")
    followups = list(
        meeting.followup_items.select_related("chengdu_lead", "yibin_lead").order_by("code")
    )
    if followups:
        index += 1
        doc.heading(f"{numeral(index)}、跟踪督办事项")
        doc.paragraph("以下议定事项已纳入成宜合作项目推进系统跟踪督办：")
        doc.table(
            ["编号", "事项", "成都牵头单位", "宜宾牵头单位", "完成时限"],
            (
                [
                    item.code,
                    item.title_zh,
                    item.chengdu_lead.name_zh if item.chengdu_lead else "",
                    item.yibin_lead.name_zh if item.yibin_lead else "",
                    cn_date(item.target_date) if item.target_date else "",
                ]
                for item in followups
            ),
            [26, 48, 28, 28, 26],
        )
    attendees = [f"{City(c).label}方：{'、'.join(n)}" for c, n in cities.items() if n]
    if attendees:
        doc.blank()
        doc.paragraph("出席单位：" + "；".join(attendees) + "。", indent=False)
    doc.imprint(issuer(), cn_date(number.issued_on))
    return doc.save()
