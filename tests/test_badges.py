"""The four badges share one helper and show text and a symbol, never colour alone (D6/D11)."""

import pytest
from django.template import Context, Template
from django.utils import translation


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "{% load cooperation_tags %}{% status_badge 'in_progress' %}",
            'text-bg-primary" data-status="in_progress"><span aria-hidden="true">◐ </span>'
            '<span class="visually-hidden">Status: </span>In progress</span>',
        ),
        (
            "{% load cooperation_tags %}{% health_badge 'off_track' %}",
            'text-bg-danger" data-health="off_track"><span aria-hidden="true">✕ </span>'
            '<span class="visually-hidden">Health: </span>Off track</span>',
        ),
        (
            "{% load meeting_tags %}{% meeting_state_badge 'held' %}",
            'text-bg-success" data-meeting-state="held"><span aria-hidden="true">✓ </span>'
            '<span class="visually-hidden">State: </span>Held</span>',
        ),
        (
            "{% load meeting_tags %}{% reminder_state_badge 'failed' 3 %}",
            'text-bg-danger" data-reminder-state="failed"><span aria-hidden="true">! </span>'
            '<span class="visually-hidden">Reminders: </span>Failed 3</span>',
        ),
        (
            "{% load cooperation_tags %}{% status_badge 'bogus' %}",
            'text-bg-secondary" data-status="bogus"><span aria-hidden="true">? </span>'
            '<span class="visually-hidden">Status: </span>bogus</span>',
        ),
    ],
)
def test_badges_render_label_symbol_and_value(source, expected):
    with translation.override("en"):
        html = Template(source).render(Context())
    assert html.strip().endswith(expected), html
