"""The dashboard, the report pages and the exports. Thin: a selector, a template, done."""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from cooperation import permissions, selectors
from cooperation.filters import ItemFilter
from cooperation.models import Meeting
from cooperation.reports import exports, sheets, tables
from cooperation.reports.briefing import page_context
from cooperation.reports.dashboard import charts, next_meetings
from cooperation.reports.forms import REPORT_KINDS, PeriodForm
from cooperation.reports.links import item_list_url
from cooperation.reports.period import current_quarter
from cooperation.reports.selectors import (
    briefing_pack,
    briefing_page,
    dashboard_figures,
    period_report,
)

REPORTS_ONLY = gettext_lazy(
    "Reports, briefing packs and exports are open to leaders with the “view reports” "
    "permission and to supervisors; your account has neither."
)


def reports_required(view):
    """Report pages and exports: leaders (view_reports), supervisors and superusers."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not permissions.can_view_reports(request.user):
            permissions.log_denied(request, "reports")
            raise PermissionDenied(str(REPORTS_ONLY))
        return view(request, *args, **kwargs)

    return require_GET(wrapped)


@require_GET
def dashboard(request):
    figures = dashboard_figures(user=request.user)
    context = {"figures": figures, "charts": charts(figures)}
    return render(request, "cooperation/dashboard.html", context)


@reports_required
def report_index(request):
    recent = (
        Meeting.objects.filter(starts_at__lte=timezone.now())
        .select_related("mechanism")
        .order_by("-starts_at")[:6]
    )
    context = {
        "upcoming": next_meetings(timezone.now()),
        "recent": recent,
        "quarter_form": PeriodForm(kinds=REPORT_KINDS, auto_id="quarter-%s"),
        "export_form": PeriodForm(kinds=(*REPORT_KINDS, "month"), auto_id="export-%s"),
    }
    return render(request, "cooperation/report_index.html", context)


def _meeting(pk) -> Meeting:
    return get_object_or_404(Meeting.objects.select_related("mechanism"), pk=pk)


@reports_required
def meeting_briefing(request, pk):
    # The frozen facts are read only when no kept page serves the reader.
    meeting = get_object_or_404(
        Meeting.objects.select_related("mechanism").defer("briefing_snapshot"), pk=pk
    )
    kept = briefing_page(meeting=meeting, user=request.user)
    if kept is None:
        context = page_context(briefing_pack(meeting=meeting, user=request.user))
        return render(request, "cooperation/meeting_briefing.html", context)
    # The page around the kept pack is rendered; the pack goes in where the marker is.
    response = render(request, "cooperation/meeting_briefing.html", {"meeting": meeting})
    head, marker, tail = response.content.partition(KEPT_MARKER)
    if not marker:
        raise ValueError("the briefing page has no place for the kept pack")
    response.content = b"".join((head, kept, tail))
    return response


KEPT_MARKER = b"<!-- the kept briefing pack -->"


@reports_required
def meeting_briefing_xlsx(request, pk):
    meeting = _meeting(pk)
    pack = briefing_pack(meeting=meeting, user=request.user)
    stem = f"briefing-{meeting.mechanism.code}-{meeting.sequence or f'extra-{meeting.pk}'}"
    return exports.xlsx_response(exports.export_name(stem, "xlsx"), sheets.briefing_sheets(pack))


def _period_form(request, kinds=("quarter",)) -> PeriodForm:
    """The period of the query string; the current quarter when none is given."""
    data = request.GET if "period" in request.GET else {"period": current_quarter().key}
    form = PeriodForm(data, kinds=kinds)
    form.is_valid()
    return form


@reports_required
def report_period(request):
    form = _period_form(request, kinds=REPORT_KINDS)
    if form.errors:
        return render(request, "cooperation/report_period.html", {"form": form}, status=400)
    report = period_report(period=form.cleaned_data["period"], user=request.user)
    return render(request, "cooperation/report_period.html", {"form": form, "report": report})


@reports_required
def report_period_xlsx(request):
    form = _period_form(request, kinds=REPORT_KINDS)
    if form.errors:
        messages.error(request, _("Choose a period from the list to download its report."))
        return redirect("cooperation:report_period")
    period = form.cleaned_data["period"]
    report = period_report(period=period, user=request.user)
    name = exports.export_name(f"{period.kind}-{period.key}", "xlsx")
    return exports.xlsx_response(name, sheets.period_sheets(report))


@reports_required
def statusupdate_export(request):
    form = _period_form(request, kinds=(*REPORT_KINDS, "month"))
    if form.errors:
        for error in form.errors["period"]:
            messages.error(request, error)
        return redirect("cooperation:report_index")
    period = form.cleaned_data["period"]
    queryset = tables.status_update_queryset(period=period, user=request.user)
    sheet = (
        _("Status updates"),
        tables.status_update_header(),
        tables.status_update_rows(queryset),
        tables.STATUS_UPDATE_WIDTHS,
    )
    name = exports.export_name(f"status-updates-{period.key}", "xlsx")
    return exports.xlsx_response(name, [sheet])


@reports_required
def item_export(request, fmt):
    """The item list with the filters of its URL, as CSV or XLSX."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    filterset = ItemFilter(
        request.GET, queryset=selectors.item_queryset(user=request.user), request=request
    )
    if not filterset.is_valid():
        messages.error(request, _("The filters are not valid; fix them and export again."))
        return redirect(f"{item_list_url()}?{request.GET.urlencode()}")
    queryset = tables.item_export_queryset(filterset.qs)
    rows = tables.item_rows(queryset, request.build_absolute_uri)
    name = exports.export_name("items", fmt)
    if fmt == "csv":
        return exports.csv_response(name, tables.item_header(), rows)
    sheet = (_("Cooperation items"), tables.item_header(), rows, tables.ITEM_WIDTHS)
    return exports.xlsx_response(name, [sheet])
