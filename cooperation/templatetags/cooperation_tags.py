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


def badge(choices, styles: dict, value: str, *, kind: str, prefix: str, suffix="") -> dict:
    """The context of ``includes/badge.html`` for a value of ``choices`` (shared by all badges)."""
    colour, symbol = styles.get(value, ("secondary", "?"))
    label = choices(value).label if value in choices.values else value
    if suffix != "":
        label = f"{label} {suffix}"
    return {
        "colour": colour,
        "symbol": symbol,
        "label": label,
        "kind": kind,
        "value": value,
        "prefix": prefix,
    }


@register.inclusion_tag("includes/badge.html")
def status_badge(value: str):
    return badge(Status, STATUS_STYLE, value, kind="status", prefix=_("Status"))


@register.inclusion_tag("includes/badge.html")
def health_badge(value: str):
    return badge(Health, HEALTH_STYLE, value, kind="health", prefix=_("Health"))


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
