"""The item list's rows as ``item_tags.item_list_rows`` writes them: what the loop wrote."""

import datetime

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone, translation

from cooperation.choices import Health, Status
from cooperation.filters import ItemFilter
from cooperation.models import CooperationItem, Milestone, StatusUpdate
from cooperation.supervision.lights import decorate

# The list's rows as templates/cooperation/item_list.html wrote them before the tag.
TEMPLATE_ROWS = """{% load i18n cooperation_tags supervision_tags %}<tbody>
          {% for item in items %}
          <tr data-item="{{ item.code }}">
            <td data-label="{% translate 'Code' %}" class="text-nowrap fw-semibold">{% if is_supervisor %}<input type="checkbox" class="form-check-input me-1" name="items" value="{{ item.pk }}" form="bulk-choose" id="choose-{{ item.pk }}" data-testid="choose-item"><label class="visually-hidden" for="choose-{{ item.pk }}">{% blocktranslate with code=item.code %}Choose {{ code }}{% endblocktranslate %}</label>{% endif %}{{ item.code }}</td>
            <td data-label="{% translate 'Item' %}" class="title"><div>
              <a href="{{ item.get_absolute_url }}">{{ item.title }}</a>
              <div class="small text-body-secondary">
                {% if item.chengdu_lead or item.yibin_lead %}{% if item.chengdu_lead %}{{ item.chengdu_lead.short_name }}{% endif %}{% if item.chengdu_lead and item.yibin_lead %} · {% endif %}{% if item.yibin_lead %}{{ item.yibin_lead.short_name }}{% endif %}{% else %}{% translate "Leads not assigned" %}{% endif %}{% if item.parent %} · {% blocktranslate with code=item.parent.code %}sub-item of {{ code }}{% endblocktranslate %}{% endif %}
              </div>
              {% if item.is_overdue %}<span class="badge text-bg-danger" data-flag="overdue"><span aria-hidden="true">! </span>{% translate "Overdue" %}</span>{% endif %}
            </div></td>
            <td data-label="{% translate 'Status' %}">
              <div class="d-flex flex-wrap gap-1">{% status_badge item.status %} {% health_badge item.health %} {% light_badge item.light %}</div>
            </td>
            <td data-label="{% translate 'Progress' %}">{% progress_bar item.rolled_up_progress item.code %}</td>
            <td data-label="{% translate 'Target date' %}" class="text-nowrap">{{ item.target_date|date|default:"—" }}</td>
            <td data-label="{% translate 'Last report' %}" class="text-nowrap"><div>
              {% if item.last_reported_at %}<time datetime="{{ item.last_reported_at|date:'c' }}">{{ item.last_reported_at|date }}</time>{% else %}<span class="text-body-secondary">{% translate "never" %}</span>{% endif %}
              {% if item.is_stale %}<div><span class="badge text-bg-warning" data-flag="stale">{% translate "Update due" %}</span></div>{% endif %}
            </div></td>
            <td class="text-end">
              {% if item.can_change %}
              <a class="btn btn-sm btn-outline-primary text-nowrap" href="{% url 'cooperation:item_update' item.pk %}">{% translate "Report" %}<span class="visually-hidden"> {{ item.code }}</span></a>
              {% endif %}
            </td>
          </tr>
          {% endfor %}
        </tbody>"""  # noqa: E501
TAG_ROWS = """{% load item_tags %}<tbody>
          {% item_list_rows items is_supervisor %}
        </tbody>"""


@pytest.fixture
def varied_items(workspace):
    """Rows down every branch: no leads, a parent, overdue, stale, never reported, reported
    today and long ago, markup in a title and a code, a closed item, full progress."""
    today = timezone.localdate()
    CooperationItem.objects.filter(code="KP-2").update(
        title_zh='<b>"园区" & co</b>', title_en="<i>'park'</i>", progress=37, health=Health.AT_RISK
    )
    CooperationItem.objects.filter(code="KP-3").update(
        target_date=today - datetime.timedelta(days=3), status=Status.IN_PROGRESS, progress=100
    )
    CooperationItem.objects.filter(code="KP-4").update(
        status=Status.COMPLETED, progress=100, yibin_lead=None
    )
    Milestone.objects.create(
        item=workspace["item"], title_zh="逾期", due_date=today - datetime.timedelta(days=1)
    )
    owner = workspace["users"]["owner"]
    for code, days_ago in (("KP-1", 0), ("KP-1.1", 400)):
        update = StatusUpdate.objects.create(
            item=CooperationItem.objects.get(code=code),
            author=owner,
            status=Status.IN_PROGRESS,
            health=Health.ON_TRACK,
            progress=20,
            narrative="进展",
        )
        StatusUpdate.objects.filter(pk=update.pk).update(
            reported_at=timezone.now() - datetime.timedelta(days=days_ago)
        )
    return workspace


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("role", ["viewer", "owner", "supervisor"])
def test_item_list_rows_write_what_the_template_loop_wrote(varied_items, role, language):
    request = RequestFactory().get("/items/")
    request.user = varied_items["users"][role]
    with translation.override(language):
        items = decorate(list(ItemFilter({}, request=request).qs))
        context = {"items": items, "is_supervisor": role == "supervisor"}
        expected = Template(TEMPLATE_ROWS).render(Context(context))
        assert Template(TAG_ROWS).render(Context(context)) == expected
    assert len(items) == 49
    for part in ('data-flag="overdue"', 'data-flag="stale"', "<time datetime=", "&lt;"):
        assert part in expected, part
    assert ("choose-item" in expected) == (role == "supervisor")
    assert ("/update/" in expected) == (role != "viewer")
