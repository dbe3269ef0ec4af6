"""A meeting's decision becomes a follow-up cooperation item, linked back to the meeting."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cooperation.choices import Category, City, MeetingState
from cooperation.models import CooperationItem, Meeting, Organization
from cooperation.services import tracked_save

CODE_PREFIX = "CF"


def next_followup_code(year: int) -> str:
    """CF-2026-01, CF-2026-02 ...: the next free number of the year."""
    prefix = f"{CODE_PREFIX}-{year}-"
    numbers = [
        int(match.group(1))
        for code in CooperationItem.objects.filter(code__startswith=prefix).values_list(
            "code", flat=True
        )
        if (match := re.fullmatch(rf"{re.escape(prefix)}(\d+)", code))
    ]
    return f"{prefix}{max(numbers, default=0) + 1:02d}"


def _validate(meeting, chengdu_lead, yibin_lead, target_date) -> None:
    errors = {}
    if meeting.state != MeetingState.HELD:
        errors["__all__"] = _(
            "Record the meeting's minutes first: decisions come from a held meeting."
        )
    if chengdu_lead is None or chengdu_lead.city != City.CHENGDU:
        errors["chengdu_lead"] = _("Choose the Chengdu organisation that leads this decision.")
    if yibin_lead is None or yibin_lead.city != City.YIBIN:
        errors["yibin_lead"] = _("Choose the Yibin organisation that leads this decision.")
    if target_date < timezone.localdate(meeting.starts_at):
        errors["target_date"] = _("The due date cannot be before the meeting.")
    if errors:
        raise ValidationError(errors)


def meeting_decision_item_create(
    *,
    meeting: Meeting,
    user,
    title_zh: str,
    chengdu_lead: Organization | None,
    yibin_lead: Organization | None,
    target_date: datetime.date,
    title_en: str = "",
    description_zh: str = "",
) -> CooperationItem:
    _validate(meeting, chengdu_lead, yibin_lead, target_date)
    local_start = timezone.localtime(meeting.starts_at)
    for _attempt in range(5):
        item = CooperationItem(
            agreement_id=meeting.mechanism.agreement_id,
            category=Category.CONSULTATION_FOLLOWUP,
            code=next_followup_code(local_start.year),
            title_zh=title_zh.strip(),
            title_en=title_en.strip(),
            description_zh=description_zh.strip(),
            chengdu_lead=chengdu_lead,
            yibin_lead=yibin_lead,
            target_date=target_date,
            source_meeting=meeting,
            source_note=f"{meeting.mechanism.name_zh} · {local_start:%Y-%m-%d}",
            sort_order=10_000,
        )
        try:
            with transaction.atomic():
                tracked_save(
                    item, user=user, reason=gettext_noop("Decided at a consultation meeting")
                )
        except IntegrityError:
            continue  # another decision took this code at the same moment: take the next
        return item
    raise ValidationError(_("Could not number the new item; please try again."))
