"""The supervision loop's pages and actions: acknowledge, review, confirm or refuse a
completion, download evidence, comment, preferences, the to-do page.

Every action is a POST that calls one service; refusals are logged 403s and change nothing.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import permissions
from ..models import Acknowledgement, Comment, CompletionRequest, Evidence, StatusUpdate
from ..services import StaleFormError
from ..workflow import rules
from ..workflow import selectors as loop_selectors
from ..workflow.assignments import acknowledgement_acknowledge
from ..workflow.comments import comment_add, comment_edit, may_comment
from ..workflow.completion import completion_confirm, completion_refuse, completion_withdraw
from ..workflow.forms import CommentForm, PreferenceForm, ReasonForm, ReviewForm, VersionForm
from ..workflow.preferences import preference_of, preference_update
from ..workflow.reviews import report_review
from .items import stale_message


def _denied(request, what: str, text: str):
    permissions.log_denied(request, what)
    raise PermissionDenied(text)


def _errors(request, error: ValidationError) -> None:
    for text in error.messages:
        messages.error(request, text)


def _get(model, pk, **related):
    try:
        return model.objects.select_related(*related.get("select", ())).get(pk=pk)
    except model.DoesNotExist:
        raise Http404(_("Not found.")) from None


@require_POST
def acknowledgement_acknowledge_view(request, pk):
    ack = _get(Acknowledgement, pk, select=("item", "organization"))
    if not rules.may_acknowledge(request.user, ack):
        _denied(request, f"acknowledge {pk}", _("Only a coordinator of this lead can acknowledge."))
    try:
        acknowledgement_acknowledge(acknowledgement=ack, user=request.user)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("%(item)s acknowledged.") % {"item": ack.item.code})
    return redirect(ack.get_absolute_url())


@require_POST
def statusupdate_review(request, pk):
    update = _get(StatusUpdate, pk, select=("item", "organization", "author"))
    if not rules.may_review(request.user, update):
        _denied(request, f"review report {pk}", _("You may not review this report."))
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The review was not saved: choose accept or return."))
        return redirect(update.get_absolute_url())
    accept = form.cleaned_data["decision"] == "accept"
    try:
        report_review(
            update=update, user=request.user, accept=accept, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(
            request, _("Report accepted.") if accept else _("Report returned to its author.")
        )
    return redirect(update.get_absolute_url())


@require_GET
def completion_detail(request, pk):
    try:
        completion = loop_selectors.completion_detail(pk)
    except CompletionRequest.DoesNotExist:
        raise Http404(_("Not found.")) from None
    if not permissions.restrict_items(request.user, "view").filter(pk=completion.item_id).exists():
        _denied(request, f"completion {pk}", _("You may not see this item."))
    context = {
        "completion": completion,
        "item": completion.item,
        "can_decide": completion.state == "pending" and rules.may_decide(request.user, completion),
        "refuse_form": ReasonForm(initial={"version": completion.item.version}),
        "confirm_form": VersionForm(initial={"version": completion.item.version}),
    }
    return render(request, "cooperation/workflow/completion_detail.html", context)


def _decidable(request, pk, what):
    completion = _get(CompletionRequest, pk, select=("item", "requested_by"))
    if not rules.may_decide(request.user, completion):
        _denied(request, f"{what} completion {pk}", _("You may not decide on this request."))
    return completion


@require_POST
def completion_confirm_view(request, pk):
    completion = _decidable(request, pk, "confirm")
    form = VersionForm(request.POST)
    version = form.cleaned_data["version"] if form.is_valid() else None
    try:
        completion = completion_confirm(
            request=completion, user=request.user, expected_version=version
        )
    except StaleFormError as stale:
        messages.error(request, stale_message(stale))
    except ValidationError as error:
        _errors(request, error)
    else:
        if completion.state == "confirmed":
            messages.success(request, _("Confirmed: the change is in effect."))
        else:
            messages.success(request, _("Your confirmation is recorded; the other side is next."))
    return redirect(completion.get_absolute_url())


@require_POST
def completion_refuse_view(request, pk):
    completion = _decidable(request, pk, "refuse")
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the request is refused."))
        return redirect(completion.get_absolute_url())
    try:
        completion_refuse(
            request=completion,
            user=request.user,
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"],
        )
    except StaleFormError as stale:
        messages.error(request, stale_message(stale))
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("Refused: the item keeps its status."))
    return redirect(completion.get_absolute_url())


@require_POST
def completion_withdraw_view(request, pk):
    completion = _get(CompletionRequest, pk, select=("item",))
    if completion.requested_by_id != request.user.pk:
        _denied(request, f"withdraw completion {pk}", _("Only the person who asked can withdraw."))
    try:
        completion_withdraw(request=completion, user=request.user)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("Request withdrawn."))
    return redirect(completion.item.get_absolute_url())


@require_GET
def evidence_download(request, pk):
    """An evidence file, for those who may see its item: always an attachment, nosniff."""
    evidence = _get(Evidence, pk)
    if not permissions.restrict_items(request.user, "view").filter(pk=evidence.item_id).exists():
        _denied(request, f"evidence {pk}", _("You may not see this item."))
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file is missing from the store.")) from None
    response = FileResponse(
        handle, as_attachment=True, filename=evidence.name, content_type=evidence.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def comment_create(request, pk):
    item = permissions.restrict_items(request.user, "view").filter(pk=pk).first()
    if item is None:
        raise Http404(_("No such item."))
    if not may_comment(request.user, item):
        _denied(request, f"comment on item {pk}", _("You may not comment on this item."))
    form = CommentForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for text in errors:
                messages.error(request, text)
        return redirect(item.get_absolute_url() + "#comments")
    update = None
    if form.cleaned_data["status_update"]:
        update = item.status_updates.filter(pk=form.cleaned_data["status_update"]).first()
    try:
        comment = comment_add(
            item=item, user=request.user, body=form.cleaned_data["body"], status_update=update
        )
    except ValidationError as error:
        _errors(request, error)
        return redirect(item.get_absolute_url() + "#comments")
    messages.success(request, _("Comment posted."))
    return redirect(comment.get_absolute_url())


@require_http_methods(["GET", "POST"])
def comment_update(request, pk):
    comment = _get(Comment, pk, select=("item",))
    if comment.author_id != request.user.pk:
        _denied(request, f"edit comment {pk}", _("Only the author can edit a comment."))
    form = CommentForm(request.POST or None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        try:
            comment_edit(comment=comment, user=request.user, body=form.cleaned_data["body"])
        except ValidationError as error:
            form.add_error("body", error.messages[0])
        else:
            messages.success(request, _("Comment saved."))
            return redirect(comment.get_absolute_url())
    return render(
        request, "cooperation/workflow/comment_form.html", {"form": form, "comment": comment}
    )


@require_http_methods(["GET", "POST"])
def notification_preferences(request):
    preference = preference_of(request.user)
    initial = {
        "by_email": preference.by_email,
        "in_app": preference.in_app,
        "by_chat": preference.by_chat,
        "digest_time": preference.digest_time,
        "immediate_kinds": preference.immediate_kinds,
    }
    form = PreferenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            preference_update(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your notification preferences are saved."))
            return redirect("cooperation:notification_preferences")
    context = {"form": form, "chat_configured": bool(getattr(settings, "CHENGYI_WEBHOOK_URL", ""))}
    return render(request, "cooperation/workflow/preferences.html", context)


@require_GET
def todo_list(request):
    """待办: what waits for the signed-in person (the digest's list, always current)."""
    section = request.GET.get("section", "")
    if section not in loop_selectors.TODO_SECTIONS:
        section = ""
    context = loop_selectors.todo_page(request.user, section=section)
    return render(request, "cooperation/workflow/todo.html", context)
