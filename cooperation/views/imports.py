"""The Excel ledger import (台账导入) for supervisors: upload, dry run, confirm, progress."""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cooperation import permissions
from cooperation.imports import reader
from cooperation.imports.forms import ImportUploadForm
from cooperation.imports.services import can_apply, item_import_confirm, item_import_upload
from cooperation.models import ItemImport
from cooperation.reports import exports
from cooperation.reports.tables import ITEM_WIDTHS, item_header

PREVIEW_ROWS = 500


def supervisor_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not permissions.is_supervisor(request.user):
            permissions.log_denied(request, "item import")
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@supervisor_required
@require_http_methods(["GET", "POST"])
def import_index(request):
    form = ImportUploadForm()
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = item_import_upload(
                    user=request.user, filename=upload.name, content=upload.read()
                )
            except ValidationError as error:
                form.add_error("file", error)
            else:
                return redirect(job.get_absolute_url())
    recent = ItemImport.objects.select_related("created_by").defer("content", "preview")[:20]
    return render(request, "cooperation/import_index.html", {"form": form, "imports": recent})


@supervisor_required
@require_GET
def import_template(request):
    """An empty workbook in the import's layout: the items sheet and the milestones sheet."""
    sheets = [
        (_("Cooperation items"), item_header(), [], ITEM_WIDTHS),
        (_("Milestones"), reader.milestone_header(), [], [12, 40, 40, 12, 12]),
    ]
    return exports.xlsx_response("items-import-template.xlsx", sheets)


def _job(pk) -> ItemImport:
    return get_object_or_404(
        ItemImport.objects.select_related("created_by").defer("content"), pk=pk
    )


@supervisor_required
@require_GET
def import_detail(request, pk):
    job = _job(pk)
    preview = job.preview or {}
    changed = [row for row in preview.get("items", []) if row["action"] != "unchanged"]
    milestones = [row for row in preview.get("milestones", []) if row["action"] != "unchanged"]
    context = {
        "job": job,
        "preview": preview,
        "changed": changed[:PREVIEW_ROWS],
        "changed_more": max(len(changed) - PREVIEW_ROWS, 0),
        "milestones": milestones[:PREVIEW_ROWS],
        "errors": preview.get("errors", [])[:PREVIEW_ROWS],
        "errors_more": max(len(preview.get("errors", [])) - PREVIEW_ROWS, 0),
        "can_apply": can_apply(job),
    }
    return render(request, "cooperation/import_detail.html", context)


@supervisor_required
@require_GET
def import_progress(request, pk):
    """What the page's progress bar polls (static/js/imports.js)."""
    job = get_object_or_404(ItemImport.objects.only("state", "rows_done", "rows_total"), pk=pk)
    return JsonResponse(
        {
            "state": job.state,
            "label": job.get_state_display(),
            "done": job.rows_done,
            "total": job.rows_total,
            "percent": job.percent,
            "busy": job.busy,
        }
    )


@supervisor_required
@require_POST
def import_apply(request, pk):
    job = _job(pk)
    try:
        job = item_import_confirm(job=job, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(job.get_absolute_url())
    if job.state == "applied":
        messages.success(request, _("The import was applied."))
    elif job.failure:
        messages.error(request, job.failure)
    return redirect(job.get_absolute_url())
