"""Badges of the consultation calendar (meeting state, reminder state)."""

from django import template
from django.utils.translation import gettext as _

from cooperation.choices import MeetingState, ReminderState

from .cooperation_tags import badge

register = template.Library()

# Shown as text with a symbol, never by colour alone.
MEETING_STYLE = {
    MeetingState.PLANNED: ("secondary", "○"),
    MeetingState.CONFIRMED: ("primary", "◉"),
    MeetingState.HELD: ("success", "✓"),
    MeetingState.CANCELLED: ("dark", "×"),
}
REMINDER_STYLE = {
    ReminderState.PENDING: ("secondary", "…"),
    ReminderState.SENDING: ("info", "→"),
    ReminderState.SENT: ("success", "✓"),
    ReminderState.FAILED: ("danger", "!"),
    ReminderState.CANCELLED: ("light", "×"),
}


@register.inclusion_tag("includes/badge.html")
def meeting_state_badge(value: str):
    return badge(MeetingState, MEETING_STYLE, value, kind="meeting-state", prefix=_("State"))


@register.inclusion_tag("includes/badge.html")
def reminder_state_badge(value: str, count: int | None = None):
    suffix = "" if count is None else count
    prefix = _("Reminders")
    return badge(
        ReminderState, REMINDER_STYLE, value, kind="reminder-state", prefix=prefix, suffix=suffix
    )
