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


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_kept_filter_lists_are_the_tables_lists_and_see_an_edit_at_once(
    agreement, rf, make_user, language
):
    """The organisation, clause and agreement lists are kept between requests; what they
    show is what the tables hold, in the reader's language, and a saved edit shows at once."""
    from django.forms.models import ModelChoiceIterator

    request = rf.get("/items/")
    request.user = make_user("reader")

    def lists():
        form = ItemFilter(request.GET, request=request).form
        kept = {name: list(form.fields[name].choices) for name in ("organization", "clause")}
        fresh = {
            name: [(str(v), label) for v, label in ModelChoiceIterator(form.fields[name])]
            for name in kept
        }
        return {n: [(str(v), label) for v, label in c] for n, c in kept.items()}, fresh

    with translation.override(language):
        kept, fresh = lists()
        assert kept == fresh and len(kept["clause"]) > 10
        park = Organization.objects.get(code="cdig")
        park.short_name_zh, park.short_name_en = "新简称", "New short name"
        park.save()
        Organization.objects.create(code="new-org", name_zh="新单位", name_en="New body",
                                    short_name_zh="新单位", short_name_en="New body",
                                    city="yibin", kind=park.kind)  # fmt: skip
        kept_after, fresh_after = lists()
        assert kept_after == fresh_after != fresh
        labels = [label for _value, label in kept_after["organization"]]
        assert any(("新简称" if language == "zh-hans" else "New short name") in x for x in labels)
        assert any(("新单位" if language == "zh-hans" else "New body") in x for x in labels)
