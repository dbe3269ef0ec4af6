"""Badges of the consultation calendar (meeting state, reminder state)."""

from django import template
from django.utils.translation import gettext as _

from cooperation.choices import MeetingState, ReminderState

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
    colour, symbol = MEETING_STYLE.get(value, ("secondary", "?"))
    label = MeetingState(value).label if value in MeetingState.values else value
    return {
        "colour": colour,
        "symbol": symbol,
        "label": label,
        "kind": "meeting-state",
        "value": value,
        "prefix": _("State"),
    }


@register.inclusion_tag("includes/badge.html")
def reminder_state_badge(value: str, count: int | None = None):
    colour, symbol = REMINDER_STYLE.get(value, ("secondary", "?"))
    label = ReminderState(value).label if value in ReminderState.values else value
    if count is not None:
        label = f"{label} {count}"
    return {
        "colour": colour,
        "symbol": symbol,
        "label": label,
        "kind": "reminder-state",
        "value": value,
        "prefix": _("Reminders"),
    }
