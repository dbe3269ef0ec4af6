"""Supervision slips and the scorecard. Thin: a selector or one service, a template."""

import re

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from cooperation import permissions
from cooperation.choices import City
from cooperation.models import Organization
from cooperation.models.supervision import SupervisionSlip
from cooperation.reports import exports
from cooperation.supervision import feedback as slip_feedback
from cooperation.supervision import scorecard as sc
from cooperation.supervision import selectors
from cooperation.supervision.filters import SlipFilter
from cooperation.supervision.lights import rules_text
from cooperation.supervision.notices import reason_text
from cooperation.supervision.sheets import scorecard_sheets
from cooperation.widgets import CompactSelect

from .reports import reports_required

PAGE_SIZE = 50


class FeedbackForm(forms.Form):
    organization = forms.TypedChoiceField(label=gettext_lazy("On behalf of"), coerce=int)
    text = forms.CharField(
        label=gettext_lazy("Feedback"),
        max_length=slip_feedback.FEEDBACK_MAX,
        widget=forms.Textarea(attrs={"rows": 5, "class": "form-control"}),
    )

    def __init__(self, *args, organizations=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        field.choices = [(org.pk, org.short_name) for org in organizations]
        field.widget.attrs["class"] = "form-select"


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("accept", gettext_lazy("Accept")), ("return", gettext_lazy("Return"))]
    )
    note = forms.CharField(
        label=gettext_lazy("Reason (required to return)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )


@require_GET
def slip_list(request):
    data = request.GET.copy()
    data.setdefault("state", "open")
    slip_filter = SlipFilter(
        data, queryset=selectors.slip_queryset(user=request.user), request=request
    )
    queryset = slip_filter.qs if slip_filter.is_valid() else SupervisionSlip.objects.none()
    page = Paginator(queryset.order_by("-issued_at", "-pk"), PAGE_SIZE).get_page(data.get("page"))
    context = {
        "filter": slip_filter,
        "page_obj": page,
        # Elided (1 2 3 4 … 121 122), as the item list's: a link per page cost more than
        # the 50 rows once the open slips ran to a hundred pages.
        "page_range": page.paginator.get_elided_page_range(page.number),
        "slips": page.object_list,
        "counts": selectors.open_slips_by_colour(user=request.user),
        "lights_rules": rules_text(),
    }
    return render(request, "cooperation/slip_list.html", context)


def _slip(request, pk) -> SupervisionSlip:
    try:
        return selectors.slip_detail(user=request.user, pk=pk)
    except SupervisionSlip.DoesNotExist:
        raise Http404(_("No such supervision slip.")) from None


def _detail(request, slip, *, feedback_form=None, review_form=None, status=200):
    organizations = slip_feedback.answering_organizations(user=request.user, slip=slip)
    can_answer = slip_feedback.can_answer(user=request.user, slip=slip)
    if can_answer and feedback_form is None:
        feedback_form = FeedbackForm(organizations=organizations)
    can_review = slip_feedback.can_review(user=request.user, slip=slip)
    context = {
        "slip": slip,
        "reason": reason_text(slip),
        "feedback_form": feedback_form if can_answer else None,
        "review_form": (review_form or ReviewForm()) if can_review else None,
    }
    return render(request, "cooperation/slip_detail.html", context, status=status)


@require_GET
def slip_detail(request, pk):
    return _detail(request, _slip(request, pk))


@require_POST
def slip_feedback_create(request, pk):
    slip = _slip(request, pk)
    organizations = slip_feedback.answering_organizations(user=request.user, slip=slip)
    if not slip_feedback.can_answer(user=request.user, slip=slip):
        permissions.log_denied(request, "slip feedback")
        raise PermissionDenied
    form = FeedbackForm(request.POST, organizations=organizations)
    if form.is_valid():
        try:
            slip_feedback.slip_feedback_submit(
                slip=slip,
                user=request.user,
                organization_id=form.cleaned_data["organization"],
                text=form.cleaned_data["text"],
            )
        except ValidationError as error:
            form.add_error("text", error.message_dict.get("text", error.messages))
        else:
            messages.success(request, _("Feedback sent. A supervisor will review it."))
            return redirect(slip)
    return _detail(request, _slip(request, pk), feedback_form=form, status=400)


@require_POST
def slip_review(request, pk):
    slip = _slip(request, pk)
    if not slip_feedback.can_review(user=request.user, slip=slip):
        permissions.log_denied(request, "slip review")
        raise PermissionDenied
    form = ReviewForm(request.POST)
    if form.is_valid():
        accept = form.cleaned_data["decision"] == "accept"
        try:
            slip_feedback.slip_feedback_review(
                slip=slip, user=request.user, accept=accept, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            form.add_error("note", error.message_dict.get("note", error.messages))
        else:
            if accept:
                messages.success(request, _("Feedback accepted: the slip is closed."))
            else:
                messages.success(request, _("Feedback returned with your reason."))
            return redirect(slip)
    return _detail(request, _slip(request, pk), review_form=form, status=400)


class ScorecardForm(forms.Form):
    period = forms.ChoiceField(
        label=gettext_lazy("Period"),
        widget=CompactSelect,
        error_messages={"invalid_choice": gettext_lazy("Choose a period from the list.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = sc.period_choices()
        self.fields["period"].widget.attrs["class"] = "form-select"

    def clean_period(self) -> sc.ScorePeriod:
        return sc.ScorePeriod.parse(self.cleaned_data["period"])


def _period(request) -> tuple[ScorecardForm, sc.ScorePeriod | None]:
    data = request.GET.copy()
    data.setdefault("period", sc.ScorePeriod.current_quarter().key)
    form = ScorecardForm(data)
    return form, (form.cleaned_data["period"] if form.is_valid() else None)


@reports_required
def scorecard(request):
    form, period = _period(request)
    card = sc.scorecard(period=period, user=request.user) if period else None
    return render(
        request,
        "cooperation/scorecard.html",
        {"form": form, "card": card},
        status=200 if card else 400,
    )


@reports_required
def scorecard_xlsx(request):
    form, period = _period(request)
    if period is None:
        return render(request, "cooperation/scorecard.html", {"form": form}, status=400)
    card = sc.scorecard(period=period, user=request.user)
    name = exports.export_name(f"scorecard-{period.key}", "xlsx")
    return exports.xlsx_response(name, scorecard_sheets(card))


@reports_required
def scorecard_rows(request):
    _form, period = _period(request)
    figure = request.GET.get("figure", "")
    org = request.GET.get("org", "")
    city = request.GET.get("city", "")
    valid_target = (re.fullmatch(r"[1-9][0-9]{0,8}", org) and not city) or (
        city in ("chengdu", "yibin") and not org
    )
    if (
        period is None
        or figure not in sc.FIGURE_KEYS
        or figure in sc.ITEM_FIGURES
        or not valid_target
    ):
        messages.error(request, _("This figure cannot be shown; choose it on the scorecard."))
        return redirect("cooperation:scorecard")
    kind, rows = sc.figure_rows(
        period=period, figure=figure, user=request.user, org=int(org) if org else None, city=city
    )
    target = Organization.objects.filter(pk=int(org)).first() if org else City(city).label
    context = {"period": period, "figure": dict(sc.FIGURES)[figure], "kind": kind,
               "rows": rows[:1000], "count": rows.count(), "target": target}  # fmt: skip
    return render(request, "cooperation/scorecard_rows.html", context)
