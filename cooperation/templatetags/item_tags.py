"""The item list's rows, written in Python: the page users open most.

The template loop cost ~1 ms a row (half the page at 50 rows): seven translated column
labels, three badges, a progress bar template, two URL reversals and a dozen conditions
each. ``item_list_rows`` writes the same markup, byte for byte (``tests/test_item_rows.py``
compares it with the loop it replaced); what repeats from row to row (the words, the
badges, the links' two ends, the dates of a day) is worked out once per page.
"""

from html import escape  # as django.utils.html.escape, without its lazy-string wrapper

from django import template
from django.conf import settings
from django.template.base import render_value_in_context
from django.template.context import Context
from django.utils import dateformat
from django.utils.formats import get_format
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _

from cooperation.filters import kept_short_names
from cooperation.urlpaths import pk_url

from .cooperation_tags import health_badge, status_badge
from .supervision_tags import light_badge

register = template.Library()
_PK = 987654321  # a pk no row has: each link is reversed once, then each row's pk put in

# One iteration of the loop, as templates/cooperation/item_list.html wrote it.
ROW = """
          <tr data-item="{code}">
            <td data-label="{w_code}" class="text-nowrap fw-semibold">{choose}{code}</td>
            <td data-label="{w_item}" class="title"><div>
              <a href="{url}">{title}</a>
              <div class="small text-body-secondary">
                {leads}{parent}
              </div>
              {overdue}
            </div></td>
            <td data-label="{w_status}">
              <div class="d-flex flex-wrap gap-1">{status} {health} {light}</div>
            </td>
            <td data-label="{w_progress}">{progress}</td>
            <td data-label="{w_target}" class="text-nowrap">{target}</td>
            <td data-label="{w_last}" class="text-nowrap"><div>
              {last}
              {stale}
            </div></td>
            <td class="text-end">
              {report}
            </td>
          </tr>
          """
CHOOSE = (
    '<input type="checkbox" class="form-check-input me-1" name="items" value="{pk}" '
    'form="bulk-choose" id="choose-{pk}" data-testid="choose-item">'
    '<label class="visually-hidden" for="choose-{pk}">{label}</label>'
)
# templates/includes/progress.html
PROGRESS = """<div class="progress-wrap">
  <div class="progress" role="progressbar" aria-label="{label}" aria-valuenow="{percent}" \
aria-valuemin="0" aria-valuemax="100">
    <div class="progress-bar pct-{percent}"></div>
  </div>
  <span class="progress-value">{percent}%</span>
</div>
"""


def _percent(value) -> int:
    """As ``progress_bar`` rounds and bounds it."""
    try:
        return max(0, min(100, round(float(value))))
    except (TypeError, ValueError):
        return 0


@register.simple_tag(takes_context=True)
def item_list_rows(context: Context, items, is_supervisor: bool) -> str:
    """One ``<tr>`` per item of the list's page (``selectors.item_rows_queryset``)."""
    words = {
        f"w_{key}": escape(_(label))
        for key, label in (
            ("code", "Code"),
            ("item", "Item"),
            ("status", "Status"),
            ("progress", "Progress"),
            ("target", "Target date"),
            ("last", "Last report"),
        )
    }
    unassigned = escape(_("Leads not assigned"))
    overdue = (
        '<span class="badge text-bg-danger" data-flag="overdue"><span aria-hidden="true">! '
        f"</span>{escape(_('Overdue'))}</span>"
    )
    stale = (
        '<div><span class="badge text-bg-warning" data-flag="stale">'
        f"{escape(_('Update due'))}</span></div>"
    )
    never = f'<span class="text-body-secondary">{escape(_("never"))}</span>'
    report_word = escape(_("Report"))
    choose_text = _("Choose %(code)s")
    sub_item_text = _("sub-item of %(code)s")
    badges: dict[tuple, str] = {}
    days: dict[object, str] = {}
    items = list(items)
    leads = {pk for item in items for pk in (item.chengdu_lead_id, item.yibin_lead_id) if pk}
    names = {pk: escape(name) for pk, name in kept_short_names(missing=leads).items()}
    date_format = get_format("DATE_FORMAT")
    detail_head, detail_tail = escape(pk_url("cooperation:item_detail", _PK)).split(str(_PK))
    update_head, update_tail = escape(pk_url("cooperation:item_update", _PK)).split(str(_PK))

    def badge(tag, value) -> str:
        html = badges.get((tag, value))
        if html is None:
            html = badges[tag, value] = tag(value)
        return html

    def day(value) -> str:
        """``{{ value|date|default:"—" }}`` (a date, or a datetime shown as its local day)."""
        if value is None:
            return "—"
        value = template_localtime(value, context.use_tz)
        key = value.date() if hasattr(value, "date") else value
        text = days.get(key)
        if text is None:
            text = days[key] = escape(dateformat.format(value, date_format) or "—")
        return text

    if settings.USE_THOUSAND_SEPARATOR:

        def number(value) -> str:
            return render_value_in_context(value, context)

    else:  # a whole number as ``{{ value }}`` shows it without separators

        def number(value) -> str:
            return str(int(value))

    out = []
    for item in items:
        code = escape(item.code)
        pk = number(item.pk)
        chengdu, yibin = item.chengdu_lead_id, item.yibin_lead_id
        if chengdu or yibin:
            lead_names = " · ".join(names[pk] for pk in (chengdu, yibin) if pk)
        else:
            lead_names = unassigned
        last_reported = item.last_reported_at
        if last_reported:
            local = template_localtime(last_reported, context.use_tz)
            last = f'<time datetime="{escape(local.isoformat())}">{day(last_reported)}</time>'
        else:
            last = never
        out.append(
            ROW.format(
                code=code,
                choose=CHOOSE.format(pk=pk, label=choose_text % {"code": code})
                if is_supervisor
                else "",
                url=f"{detail_head}{int(item.pk)}{detail_tail}",
                title=escape(item.title),
                leads=lead_names,
                parent=f" · {sub_item_text % {'code': escape(item.parent_code)}}"
                if item.parent_code is not None
                else "",
                overdue=overdue if item.is_overdue else "",
                status=badge(status_badge, item.status),
                health=badge(health_badge, item.health),
                light=badge(light_badge, item.light),
                progress=PROGRESS.format(
                    label=code or escape(_("Progress")),
                    percent=number(_percent(item.rolled_up_progress)),
                ),
                target=day(item.target_date),
                last=last,
                stale=stale if item.is_stale else "",
                report='\n              <a class="btn btn-sm btn-outline-primary text-nowrap" '
                f'href="{update_head}{int(item.pk)}{update_tail}">{report_word}'
                f'<span class="visually-hidden"> {code}</span></a>\n              '
                if item.can_change
                else "",
                **words,
            )
        )
    return mark_safe("".join(out))
