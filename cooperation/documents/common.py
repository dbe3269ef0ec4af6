"""What the documents share: dates written the official way, the issuer, the file response."""

import datetime

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
WEEKDAYS = "一二三四五六日"


def cn_date(day: datetime.date) -> str:
    """成文日期 in Arabic numerals, as GB/T 9704-2012 writes it: 2026年3月5日."""
    return f"{day.year}年{day.month}月{day.day}日"


def cn_datetime(value: datetime.datetime) -> str:
    local = timezone.localtime(value)
    return f"{cn_date(local.date())}（星期{WEEKDAYS[local.weekday()]}）{local:%H:%M}"


def issuer() -> str:
    return settings.CHENGYI_DOCUMENT_ISSUER


def person(user) -> str:
    """A person's name: a Chinese one family name first, without a space (李华)."""
    if user is None:
        return ""
    first, last = user.first_name.strip(), user.last_name.strip()
    if any(ord(char) >= 0x2E80 for char in first + last):
        return last + first
    return user.get_full_name() or user.get_username()


def docx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=DOCX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
