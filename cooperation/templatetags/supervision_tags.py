"""Badges of supervision: the computed light and the colour of a supervision slip."""

from django import template
from django.utils.translation import gettext as _

from cooperation.models.supervision import SlipColour
from cooperation.supervision.lights import Light

from .cooperation_tags import _rendered_badge

register = template.Library()

# Shown with a word and a symbol, never by colour alone.
LIGHT_STYLE = {
    Light.GREEN: ("success", "●"),
    Light.YELLOW: ("warning", "▲"),
    Light.RED: ("danger", "■"),
    Light.NONE: ("light", "–"),
}
SLIP_STYLE = {
    SlipColour.BLUE: ("primary", "◆"),
    SlipColour.YELLOW: ("warning", "◆"),
    SlipColour.RED: ("danger", "◆"),
}


@register.simple_tag
def light_badge(value: str):
    return _rendered_badge(Light, LIGHT_STYLE, value, kind="light", prefix=_("Light"))


@register.simple_tag
def slip_colour_badge(value: str):
    return _rendered_badge(SlipColour, SLIP_STYLE, value, kind="slip", prefix=_("Slip"))
