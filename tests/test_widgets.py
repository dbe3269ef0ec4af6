"""CompactSelect writes what Django's Select template writes, byte for byte."""

import pytest
from django import forms
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from cooperation.filters import ItemFilter
from cooperation.models import Organization
from cooperation.widgets import CompactSelect

CHOICES = [
    ("", "All"),
    ("a", "Plain"),
    ("b&c", 'Needs <escaping> & "quotes"'),
    (3, 1234567),
    ("lazy", gettext_lazy("Status")),
    ("safe", mark_safe("<b>kept</b>")),
    ("Group 1", [("g1", "One"), ("g2", "Two")]),
    ("<Group & 2>", [(4.5, "Four and a half")]),
]


def both(choices, value, attrs=None, widget_attrs=None):
    django_select = forms.Select(attrs=widget_attrs, choices=choices)
    compact = CompactSelect(attrs=widget_attrs, choices=choices)
    return (
        django_select.render("field", value, attrs=attrs),
        compact.render("field", value, attrs=attrs),
    )


@pytest.mark.parametrize("value", [None, "", "a", "b&c", 3, "g2", 4.5, "missing"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_same_html_as_django_for_every_choice_and_value(value, language):
    with translation.override(language):
        expected, got = both(
            CHOICES,
            value,
            attrs={"id": "id_field", "required": True, "disabled": False},
            widget_attrs={"class": "form-select", "data-x": 'a"b'},
        )
    assert got == expected
    assert "<option" in got


def test_same_html_with_no_choices_and_no_attributes():
    expected, got = both([], None)
    assert got == expected == '<select name="field">\n</select>'


def test_the_item_lists_filter_form_renders_as_with_django_selects(agreement, rf, make_user):
    user = make_user("reader")
    request = rf.get("/items/", {"organization": Organization.objects.first().pk, "sort": "title"})
    request.user = user
    form = ItemFilter(request.GET, request=request).form
    for name in ("organization", "clause", "city", "sort", "agreement"):
        field = form[name]
        compact = str(field)
        field.field.widget = forms.Select(attrs=field.field.widget.attrs)
        field.field.widget.choices = field.field.choices
        assert compact == field.as_widget(), name
    assert "selected>" in str(form["organization"])
    assert str(form["clause"]).count("<option") > 10
