"""Presentation helpers shared by every page: badges, progress bars, form fields."""

from django import template
from django.conf import settings
from django.dispatch import receiver
from django.template.loader import get_template
from django.utils.autoreload import file_changed
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cooperation.choices import Health, Status
from cooperation.reports.reporting import RULE as REPORTING_RULE

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
    Health.NOT_ASSESSED: ("secondary", "?"),
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
    try:
        label = choices(value).label
    except ValueError:
        label = value
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


BADGE_TEMPLATE = "includes/badge.html"
_rendered_badges: dict[tuple, str] = {}


def _rendered_badge(choices, styles: dict, value, *, kind: str, prefix: str) -> str:
    """``includes/badge.html`` for ``value``, rendered once per value and language.

    A briefing pack shows a status and a health badge on each of thousands of rows; an
    inclusion tag would render the template for each.
    """
    key = (kind, value, get_language())
    html = _rendered_badges.get(key)
    if html is None:
        if len(_rendered_badges) > 1000:  # values are few; this only bounds odd input
            _rendered_badges.clear()
        context = badge(choices, styles, value, kind=kind, prefix=prefix)
        html = _rendered_badges[key] = get_template(BADGE_TEMPLATE).render(context)
    return html


@receiver(file_changed)
def _forget_rendered_badges(sender, file_path, **kwargs):
    """In development, an edited template (or any file) renders the badges anew."""
    _rendered_badges.clear()


@register.simple_tag
def status_badge(value: str):
    return _rendered_badge(Status, STATUS_STYLE, value, kind="status", prefix=_("Status"))


@register.simple_tag
def health_badge(value: str):
    return _rendered_badge(Health, HEALTH_STYLE, value, kind="health", prefix=_("Health"))


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


@register.simple_tag
def reporting_rule() -> str:
    """How the "who reported" tables count (``reports.reporting.RULE``)."""
    return str(REPORTING_RULE)


@register.filter
def person_name(user) -> str:
    """How a person is named on a page: full name, else user name; the tracker's own system
    user (tasks, commands) by its name in the reader's language."""
    if user is None:
        return _("unknown user")
    if user.get_username() == settings.CHENGYI_SYSTEM_USERNAME:
        return _("Chengyi Tracker (system)")
    return user.get_full_name() or user.get_username()
