"""Milestones of an item: add, edit, delete. Only those who may change the item may."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_http_methods

from ..forms import MilestoneForm, mark_invalid
from ..models import Milestone
from ..services import milestone_delete as delete_milestone
from ..services import milestone_save
from .helpers import changeable_item


def _milestones_url(item) -> str:
    return item.get_absolute_url() + "#milestones"


def _saved(form, milestone, user, reason: str = "") -> bool:
    """Save through the service; a rule it refuses becomes the form's error."""
    try:
        milestone_save(milestone=milestone, user=user, fields=form.cleaned_data, reason=reason)
    except ValidationError as error:
        form.add_error(None, error)
        return False
    return True


@require_http_methods(["GET", "POST"])
def milestone_create(request, pk):
    item = changeable_item(request, pk, "milestone create")
    form = MilestoneForm(request.POST or None, item=item)
    if request.method == "POST" and form.is_valid():
        milestone = Milestone(item=item, sort_order=item.milestones.count() + 1)
        reason = gettext_noop("Milestone added")
        if _saved(form, milestone=milestone, user=request.user, reason=reason):
            title = milestone.title
            messages.success(request, _("Milestone “%(title)s” added.") % {"title": title})
            return redirect(_milestones_url(item))
    mark_invalid(form)
    return render(
        request, "cooperation/milestone_form.html", {"item": item, "form": form, "milestone": None}
    )


@require_http_methods(["GET", "POST"])
def milestone_update(request, pk, milestone_pk):
    item = changeable_item(request, pk, "milestone edit")
    milestone = get_object_or_404(Milestone, pk=milestone_pk, item=item)
    form = MilestoneForm(request.POST or None, item=item, milestone=milestone)
    if request.method == "POST" and form.is_valid() and _saved(form, milestone, request.user):
        messages.success(request, _("Milestone “%(title)s” saved.") % {"title": milestone.title})
        return redirect(_milestones_url(item))
    mark_invalid(form)
    context = {"item": item, "form": form, "milestone": milestone}
    return render(request, "cooperation/milestone_form.html", context)


@require_http_methods(["GET", "POST"])
def milestone_delete(request, pk, milestone_pk):
    item = changeable_item(request, pk, "milestone delete")
    milestone = get_object_or_404(Milestone, pk=milestone_pk, item=item)
    if request.method == "POST":
        title = milestone.title
        delete_milestone(milestone=milestone, user=request.user)
        messages.success(request, _("Milestone “%(title)s” deleted.") % {"title": title})
        return redirect(_milestones_url(item))
    context = {"item": item, "milestone": milestone}
    return render(request, "cooperation/milestone_confirm_delete.html", context)
