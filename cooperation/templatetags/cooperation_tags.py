"""Presentation helpers shared by every page: badges, progress bars, form fields."""

from django import template
from django.utils.translation import gettext as _

from cooperation.choices import Health, Status

register = template.Library()

# Status and health are shown as text with a symbol, never by colour alone.
STATUS_STYLE = {
    Status.NOT_STARTED: ("secondary", "○"),
    Status.IN_PROGRESS: ("primary", "◐"),
    Status.COMPLETED: ("success", "●"),
    Status.SUSPENDED: ("warning", "‖"),
    Status.CANCELLED: ("dark", "×"),
}
HEALTH_STYLE = {
    Health.ON_TRACK: ("success", "✓"),
    Health.AT_RISK: ("warning", "!"),
    Health.OFF_TRACK: ("danger", "✕"),
}
MESSAGE_CLASSES = {"error": "danger", "debug": "secondary"}


@register.filter
def message_class(tags: str) -> str:
    tag = (tags or "info").split()[-1]
    return MESSAGE_CLASSES.get(tag, tag)


@register.inclusion_tag("includes/badge.html")
def status_badge(value: str):
    colour, symbol = STATUS_STYLE.get(value, ("secondary", "?"))
    label = Status(value).label if value in Status.values else value
    return {
        "colour": colour,
        "symbol": symbol,
        "label": label,
        "kind": "status",
        "value": value,
        "prefix": _("Status"),
    }


@register.inclusion_tag("includes/badge.html")
def health_badge(value: str):
    colour, symbol = HEALTH_STYLE.get(value, ("secondary", "?"))
    label = Health(value).label if value in Health.values else value
    return {
        "colour": colour,
        "symbol": symbol,
        "label": label,
        "kind": "health",
        "value": value,
        "prefix": _("Health"),
    }


@register.inclusion_tag("includes/progress.html")
def progress_bar(value, label: str = ""):
    try:
        percent = max(0, min(100, round(float(value))))
    except (TypeError, ValueError):
        percent = 0
    return {"percent": percent, "label": label}


@register.inclusion_tag("includes/form_field.html")
def form_field(field, help_text: str = ""):
    return {"field": field, "help_text": help_text or field.help_text}
