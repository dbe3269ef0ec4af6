"""The item admin cannot change status, health or progress behind the reports' back (H2)."""

import pytest

from cooperation.choices import Health, Status
from cooperation.models import CooperationItem

pytestmark = pytest.mark.django_db


def _value(field):
    value = field.value()
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    if isinstance(value, bool):
        return "on" if value else ""
    return str(value)


def form_data(response) -> dict:
    """What the browser would post back from the admin change page, unchanged."""
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        data[form.add_prefix(name)] = _value(form[name])
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = _value(management[name])
        for sub in formset.forms:
            for name in sub.fields:
                data[sub.add_prefix(name)] = _value(sub[name])
    return {key: value for key, value in data.items() if value not in ("", [])}


def test_admin_shows_status_health_and_progress_read_only(agreement, client, superuser):
    item = CooperationItem.objects.get(code="KP-1")
    before = (item.status, item.health, item.progress, item.version)
    client.force_login(superuser)
    url = f"/admin/cooperation/cooperationitem/{item.pk}/change/"
    response = client.get(url)
    html = response.content.decode()
    assert 'name="status"' not in html and 'name="progress"' not in html
    assert 'name="health"' not in html
    assert 'name="children-0-status"' not in html  # nor on the sub-items inline
    data = form_data(response)
    data.update({"title_en": "Renamed in the admin", "status": Status.COMPLETED, "progress": "100"})
    data["health"] = Health.OFF_TRACK
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    item.refresh_from_db()
    assert item.title_en == "Renamed in the admin"  # the admin still edits everything else
    assert (item.status, item.health, item.progress) == before[:3]
    assert item.version == before[3] + 1  # an open report form sees the admin's change
