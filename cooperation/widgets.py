"""Form widgets that render long lists without the template engine.

Django renders a ``<select>`` through ``select.html``, which includes ``select_option.html``
(and that ``attrs.html``) once per option: the item list's organisation and clause filters,
some 300 options, cost it more than its 50 rows did. ``CompactSelect`` writes the very same
HTML in Python (tests/test_widgets.py holds it to Django's output, byte for byte).
"""

from django import forms
from django.template.base import render_value_in_context
from django.template.context import Context
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe

# As the form renderer's templates see their values: autoescape on, localisation and time
# zone as configured.
_CONTEXT = Context(autoescape=True)


def _text(value) -> str:
    """``{{ value }}`` in a template."""
    return render_value_in_context(value, _CONTEXT)


def _string(value) -> str:
    """``{{ value|stringformat:'s' }}`` in a template."""
    text = f"{value}"
    return conditional_escape(mark_safe(text) if isinstance(value, SafeData) else text)


def _attrs(attrs: dict) -> str:
    """``django/forms/widgets/attrs.html``."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {_text(name)}" if value is True else f' {_text(name)}="{_string(value)}"')
    return "".join(parts)


def _option(option: dict) -> str:
    """``django/forms/widgets/select_option.html`` (its file ends with a newline)."""
    value, attrs, label = option["value"], option["attrs"], option["label"]
    return f'<option value="{_string(value)}"{_attrs(attrs)}>{_text(label)}</option>\n'


class CompactSelect(forms.Select):
    """``forms.Select`` with the same output, written without a template per option."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{_text(group_name)}">')
            parts.extend(f"\n  {_option(option)}" for option in group_choices)
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")  # the form renderer strips the file's last newline
        return mark_safe("".join(parts))
