"""Bulk edit on the item list (supervisors): choose items there, set values here."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from cooperation import permissions
from cooperation.bulkedit import BulkEditForm, items_bulk_update

SUMMARY_ITEMS = 20


@require_http_methods(["GET", "POST"])
def item_bulk_update(request):
    if not permissions.is_supervisor(request.user):
        permissions.log_denied(request, "bulk edit")
        raise PermissionDenied
    if request.method == "GET":
        form = BulkEditForm(initial={"items": request.GET.getlist("items")}, user=request.user)
        chosen = form.fields["items"].queryset.filter(
            pk__in=[p for p in request.GET.getlist("items") if p.isdigit()]
        )
        return _render(request, form, chosen)
    form = BulkEditForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            summary = items_bulk_update(
                items=form.cleaned_data["items"], user=request.user, fields=form.changes()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            _summary_message(request, summary, len(form.cleaned_data["items"]))
            return redirect(reverse("cooperation:item_list"))
    chosen = form.cleaned_data.get("items") if hasattr(form, "cleaned_data") else None
    return _render(request, form, chosen or form.fields["items"].queryset.none())


def _render(request, form, chosen):
    return render(
        request,
        "cooperation/item_bulk_update.html",
        {"form": form, "chosen": list(chosen.select_related("chengdu_lead", "yibin_lead"))},
    )


def _summary_message(request, summary, total: int) -> None:
    if not summary:
        messages.info(request, _("Nothing changed: the chosen items already had these values."))
        return
    lines = [
        "{}（{}）".format(
            change.item.code,
            "；".join(f"{label}: {old} → {new}" for label, old, new in change.changes),
        )
        for change in summary[:SUMMARY_ITEMS]
    ]
    head = ngettext(
        "%(changed)d of %(total)d item changed:",
        "%(changed)d of %(total)d items changed:",
        len(summary),
    ) % {"changed": len(summary), "total": total}
    more = len(summary) - SUMMARY_ITEMS
    tail = [_("… and %(n)d more.") % {"n": more}] if more > 0 else []
    messages.success(request, " ".join([head, *lines, *tail]))
