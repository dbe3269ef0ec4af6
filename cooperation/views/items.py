"""The item workspace: list, detail, history and the status report form.

Views stay thin: parse input with a form or the FilterSet, call one selector or service,
set a message, redirect.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from .. import permissions, selectors
from ..agreement.selectors import item_clauses
from ..filters import KEPT_CHOICES_SECONDS, PAGE_SIZE, ItemFilter, kept_version
from ..forms import StatusUpdateForm, mark_invalid
from ..history import item_history
from ..models import CooperationItem
from ..models.base import joined
from ..services import StaleFormError, StatusReport
from ..submissions import ALREADY_SAVED, AlreadySubmitted, submit_once
from ..supervision import lights
from ..workflow import selectors as loop_selectors
from ..workflow.forms import EvidenceForm
from ..workflow.reporting import loop_report_submit
from .helpers import active_filters, changeable_item

HISTORY_PAGE_SIZE = 50


@require_GET
def item_list(request):
    item_filter = ItemFilter(request.GET, request=request)
    queryset = item_filter.qs if item_filter.is_valid() else CooperationItem.objects.none()
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filter": item_filter,
        "form_seconds": KEPT_CHOICES_SECONDS,
        "page_obj": page,
        "page_range": page.paginator.get_elided_page_range(page.number),
        "items": lights.decorate(list(page.object_list)),
        "active_filters": active_filters(request, item_filter),
        "has_memberships": bool(permissions.organization_ids(request.user)),
        "is_supervisor": permissions.is_supervisor(request.user),
        "stale_days": item_filter.form.cleaned_data.get("stale_days")
        if item_filter.is_valid()
        else None,
        # The filter form is the same for every reader of the same filters (the page number
        # aside): templates/cooperation/item_list.html keeps it rendered (cache "fragments")
        # for KEPT_CHOICES_SECONDS.
        "filter_form_key": filter_form_key(request),
    }
    return render(request, "cooperation/item_list.html", context)


def filter_form_key(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return f"{kept_version()}?{query.urlencode()}"


def _visible_item(request, pk, selector=selectors.item_detail):
    try:
        return selector(user=request.user, pk=pk)
    except CooperationItem.DoesNotExist:
        raise Http404(_("No such item.")) from None


@require_GET
def item_detail(request, pk):
    item = _visible_item(request, pk)
    updates = list(item.status_updates.all())
    context = {
        "item": item,
        "tab": "overview",
        "milestones": list(item.milestones.all()),
        "children": list(item.children.all()),
        "updates": updates,
        "rollup_rule": selectors.ROLLUP_RULE,
        "clauses": item_clauses(item),
        **loop_selectors.item_loop(item=item, user=request.user, updates=updates),
    }
    return render(request, "cooperation/item_detail.html", context)


@require_GET
def item_history_view(request, pk):
    item = _visible_item(request, pk, selectors.item_header)
    page = Paginator(item_history(item), HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "item": item,
        "tab": "history",
        "page_obj": page,
        "page_range": page.paginator.get_elided_page_range(page.number),
        "entries": page.object_list,
    }
    return render(request, "cooperation/item_history.html", context)


def _report_from(form) -> StatusReport:
    data = form.cleaned_data
    return StatusReport(
        status=data["status"],
        health=data["health"],
        progress=data["progress"],
        narrative=data["narrative"],
        risks=data["risks"].strip(),
        next_steps=data["next_steps"].strip(),
        milestones_done=tuple(m.pk for m in data["milestones_done"]),
    )


def stale_message(error: StaleFormError) -> str:
    when = date_format(timezone.localtime(error.changed_at), "DATETIME_FORMAT")
    labels = []
    for name in error.fields:
        try:
            labels.append(str(CooperationItem._meta.get_field(name).verbose_name))
        except FieldDoesNotExist:
            labels.append(name)
    if labels:
        text = _(
            "This item was changed by %(who)s at %(when)s after you opened the form; changed: "
            "%(fields)s. Your report was not saved and your input is kept below: check the "
            "current values, then submit again."
        )
        return text % {"who": error.changed_by, "when": when, "fields": joined(labels)}
    text = _(
        "%(who)s submitted a report on this item at %(when)s, after you opened the form. Your "
        "report was not saved and your input is kept below: check the current values, then "
        "submit again."
    )
    return text % {"who": error.changed_by, "when": when}


@require_http_methods(["GET", "POST"])
def item_update(request, pk):
    """The status report form: one submit writes one StatusUpdate and updates the item."""
    item = changeable_item(request, pk, "status report")
    if request.method == "GET":
        form = StatusUpdateForm(item=item)
        return _render_update(request, item, form)
    form = StatusUpdateForm(request.POST, item=item)
    files = EvidenceForm(request.POST, request.FILES, max_mb=settings.CHENGYI_UPLOAD_MAX_MB)
    if form.is_valid() and files.is_valid():
        try:
            # One form, one report (the token); the loop: evidence, the report it corrects,
            # completion as a request to confirm.
            update = submit_once(
                token=form.cleaned_data["submission_token"],
                user=request.user,
                kind="status_report",
                action=lambda: loop_report_submit(
                    item=item,
                    user=request.user,
                    report=_report_from(form),
                    expected_version=form.cleaned_data["version"],
                    files=files.cleaned_data["evidence"],
                ),
            )
        except AlreadySubmitted as done:
            messages.info(request, ALREADY_SAVED)
            return redirect(done.url or item.get_absolute_url())
        except StaleFormError as stale:
            return _render_stale(request, pk, stale)
        except ValidationError as error:
            _add_errors(form, files, error)
        else:
            if hasattr(update, "completion_request"):
                messages.success(
                    request,
                    _(
                        "Your report on %(code)s was saved. The change of status awaits "
                        "confirmation by the other side."
                    )
                    % {"code": item.code},
                )
            else:
                messages.success(
                    request,
                    _("Your report on %(code)s was saved.") % {"code": item.code},
                )
            return redirect(update.get_absolute_url())
    return _render_update(request, item, form, files)


def _add_errors(form, files, error: ValidationError) -> None:
    """Evidence problems go to the file field, the rest to the report form."""
    if hasattr(error, "error_dict") and "evidence" in error.error_dict:
        for text in error.message_dict.pop("evidence"):
            files.add_error("evidence", text)
        rest = {k: v for k, v in error.message_dict.items() if k != "evidence"}
        if rest:
            form.add_error(None, ValidationError(rest))
        form.add_error(None, _("The report was not saved: see the evidence files."))
        return
    form.add_error(None, error)


def _render_stale(request, pk, stale: StaleFormError):
    """Show the refused input again, on top of the item as it is now."""
    item = changeable_item(request, pk, "status report")
    data = request.POST.copy()
    data["version"] = str(item.version)
    form = StatusUpdateForm(data, item=item)
    form.is_valid()
    form.add_error(None, stale_message(stale))
    return _render_update(request, item, form)


def _render_update(request, item, form, files=None):
    mark_invalid(form)
    files = files or EvidenceForm(max_mb=settings.CHENGYI_UPLOAD_MAX_MB)
    mark_invalid(files)
    latest = item.status_updates.select_related("author", "organization").first()
    context = {"item": item, "form": form, "latest": latest, "files": files}
    return render(request, "cooperation/item_update.html", context)
