"""The supervision loop through the API: reviews (审核), completion requests (办结 / 销号),
supervision slips (督办单) and the scorecard (考评).

As thin as the web's views in ``cooperation/views/workflow.py`` and ``supervision.py``: the
same selectors and FilterSets, the same rules (``workflow.rules``, ``supervision.feedback``,
``permissions.can_view_reports``) asked before acting, the same forms validating the input
and the same services writing. A refusal is a logged 403 that changes nothing.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from cooperation import permissions
from cooperation.models import CompletionRequest, StatusUpdate
from cooperation.models.supervision import SupervisionSlip
from cooperation.services import StaleFormError
from cooperation.supervision import feedback as slip_feedback
from cooperation.supervision import scorecard as sc
from cooperation.supervision import selectors as slip_selectors
from cooperation.supervision.filters import SlipFilter
from cooperation.views.items import stale_message
from cooperation.views.reports import REPORTS_ONLY
from cooperation.views.supervision import FeedbackForm, ScorecardForm
from cooperation.workflow import rules
from cooperation.workflow.completion import completion_confirm, completion_refuse
from cooperation.workflow.reviews import report_review, reports_awaiting_review

from . import serializers
from .views import ERRORS, INVALID, NOT_FOUND, StatusReportFilter, TranslatedNotFound

CONFLICT = {409: OpenApiResponse(serializers.ErrorSerializer, description="The item changed")}
ACTION_ERRORS = {**INVALID, **ERRORS, **NOT_FOUND}


def _denied(request, what: str, text: str):
    permissions.log_denied(request, what)
    raise exceptions.PermissionDenied(text)


def _invalid(error: ValidationError) -> Response:
    body = error.message_dict if hasattr(error, "error_dict") else {"detail": error.messages}
    return Response(body, status=status.HTTP_400_BAD_REQUEST)


def _incoming(serializer_class, request) -> dict:
    incoming = serializer_class(data=request.data)
    incoming.is_valid(raise_exception=True)
    return incoming.validated_data


# --- reviews (审核) ---------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        description=(
            "The status reports waiting for your review, oldest first: as a supervisor every "
            "pending report but your own; as a lead coordinator of a bilateral item, the other "
            "city's reports on it (the web's to-do list)."
        ),
        responses={200: serializers.StatusReportSerializer(many=True), **ERRORS, **INVALID},
    )
)
class ReviewViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = serializers.StatusReportSerializer
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = StatusReportFilter

    def get_queryset(self):
        return reports_awaiting_review(self.request.user)


class StatusReportReview(TranslatedNotFound, viewsets.GenericViewSet):
    """POST /status-reports/{id}/review/: the web's review form, the same rule and service."""

    serializer_class = serializers.StatusReportSerializer

    def get_queryset(self):
        visible = permissions.restrict_items(self.request.user, "view")
        return permissions.of_items(StatusUpdate.objects.all(), visible).select_related(
            "item", "organization", "author"
        )

    @extend_schema(
        request=serializers.ReviewSerializer,
        description=(
            "Accept the report, or return it to its author with a reason (the author is "
            "told and submits a corrected report). A supervisor, or a lead coordinator of the "
            "other city on a bilateral item; never the author."
        ),
        responses={200: serializers.StatusReportSerializer, **ACTION_ERRORS},
    )
    def review(self, request, pk=None):
        update = self.get_object()
        if not rules.may_review(request.user, update):
            _denied(request, f"api review report {pk}", _("You may not review this report."))
        data = _incoming(serializers.ReviewSerializer, request)
        try:
            update = report_review(
                update=update,
                user=request.user,
                accept=data["decision"] == "accept",
                reason=data.get("reason", ""),
            )
        except ValidationError as error:
            return _invalid(error)
        except PermissionDenied as refused:
            raise exceptions.PermissionDenied(str(refused) or None) from None
        return Response(serializers.StatusReportSerializer(update).data)


# --- completion requests (办结 / 销号) ----------------------------------------------------


class CompletionFilter(filters.FilterSet):
    item = filters.NumberFilter(field_name="item", min_value=1, max_value=2**63 - 1)
    awaiting = filters.BooleanFilter(
        method="filter_awaiting",
        label=_("1: only the requests you may confirm or refuse now."),
    )

    class Meta:
        model = CompletionRequest
        fields = ["item", "state", "awaiting"]

    def filter_awaiting(self, queryset, name, value):
        if value is None:
            return queryset
        user = self.request.user
        pending = rules.awaiting_decision(user).select_related("item")
        mine = [
            r.pk for r in pending.prefetch_related("confirmations") if rules.may_decide(user, r)
        ]
        return queryset.filter(pk__in=mine) if value else queryset.exclude(pk__in=mine)


@extend_schema_view(
    list=extend_schema(
        description=(
            "Requests to complete, cancel or reopen an item, newest first. `awaiting=1`: the "
            "ones waiting for your confirmation (the web's to-do list)."
        ),
        responses={200: serializers.CompletionListSerializer(many=True), **ERRORS, **INVALID},
    ),
    retrieve=extend_schema(
        responses={200: serializers.CompletionListSerializer, **ERRORS, **NOT_FOUND}
    ),
)
class CompletionViewSet(
    TranslatedNotFound, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = serializers.CompletionListSerializer
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = CompletionFilter

    def get_queryset(self):
        visible = permissions.restrict_items(self.request.user, "view")
        return (
            permissions.of_items(CompletionRequest.objects.all(), visible)
            .select_related("item")
            .prefetch_related("confirmations", "evidence")
            .order_by("-requested_at", "-pk")
        )

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def _decidable(self, request, pk, what: str) -> CompletionRequest:
        completion = self.get_object()
        if not rules.may_decide(request.user, completion):
            _denied(
                request, f"api {what} completion {pk}", _("You may not decide on this request.")
            )
        return completion

    def _decided(self, pk) -> Response:
        completion = self.get_queryset().get(pk=pk)
        return Response(self.get_serializer(completion).data)

    @extend_schema(
        request=serializers.CompletionConfirmSerializer,
        description=(
            "Confirm for your side (双方确认); the last side's confirmation, or a supervisor's, "
            "applies the change (销号). 409 when the item changed since `version`."
        ),
        responses={200: serializers.CompletionListSerializer, **ACTION_ERRORS, **CONFLICT},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def confirm(self, request, pk=None):
        completion = self._decidable(request, pk, "confirm")
        data = _incoming(serializers.CompletionConfirmSerializer, request)
        return self._decide(
            pk,
            lambda: completion_confirm(
                request=completion, user=request.user, expected_version=data.get("version")
            ),
        )

    @extend_schema(
        request=serializers.CompletionRefuseSerializer,
        description="Refuse with a reason: the item keeps its status. 409 as for confirm.",
        responses={200: serializers.CompletionListSerializer, **ACTION_ERRORS, **CONFLICT},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def refuse(self, request, pk=None):
        completion = self._decidable(request, pk, "refuse")
        data = _incoming(serializers.CompletionRefuseSerializer, request)
        return self._decide(
            pk,
            lambda: completion_refuse(
                request=completion,
                user=request.user,
                reason=data["reason"],
                expected_version=data.get("version"),
            ),
        )

    def _decide(self, pk, service) -> Response:
        try:
            service()
        except StaleFormError as stale:
            return Response(
                {"detail": stale_message(stale), "code": "stale"}, status=status.HTTP_409_CONFLICT
            )
        except ValidationError as error:
            return _invalid(error)
        except PermissionDenied as refused:
            raise exceptions.PermissionDenied(str(refused) or None) from None
        return self._decided(pk)


# --- supervision slips (督办单) ------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        description=(
            "Supervision slips, newest first, with the filters of the web's slip list "
            "(`state=open`: open or answered). Unlike the web page, no state is preset."
        ),
        responses={200: serializers.SlipSerializer(many=True), **ERRORS, **INVALID},
    ),
    retrieve=extend_schema(
        responses={200: serializers.SlipDetailSerializer, **ERRORS, **NOT_FOUND}
    ),
)
class SlipViewSet(
    TranslatedNotFound, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = SlipFilter

    def get_queryset(self):
        return slip_selectors.slip_queryset(user=self.request.user).order_by("-issued_at", "-pk")

    def get_serializer_class(self):
        return (
            serializers.SlipSerializer
            if self.action == "list"
            else serializers.SlipDetailSerializer
        )

    def get_object(self):
        try:
            return slip_selectors.slip_detail(user=self.request.user, pk=self.kwargs["pk"])
        except SupervisionSlip.DoesNotExist:
            raise exceptions.NotFound() from None

    def _done(self, pk) -> Response:
        slip = slip_selectors.slip_detail(user=self.request.user, pk=pk)
        return Response(self.get_serializer(slip).data)

    @extend_schema(
        request=serializers.SlipFeedbackCreateSerializer,
        description=(
            "Answer an open slip (反馈) for one of its addressed organisations that you "
            "coordinate; it is then answered until a supervisor reviews the feedback."
        ),
        responses={200: serializers.SlipDetailSerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def feedback(self, request, pk=None):
        slip = self.get_object()
        if not slip_feedback.can_answer(user=request.user, slip=slip):
            _denied(request, f"api slip feedback {pk}", _("You may not answer this slip."))
        data = _incoming(serializers.SlipFeedbackCreateSerializer, request)
        organizations = slip_feedback.answering_organizations(user=request.user, slip=slip)
        form = FeedbackForm(data, organizations=organizations)
        if not form.is_valid():
            return Response(form.errors, status=status.HTTP_400_BAD_REQUEST)
        try:
            slip_feedback.slip_feedback_submit(
                slip=slip,
                user=request.user,
                organization_id=form.cleaned_data["organization"],
                text=form.cleaned_data["text"],
            )
        except ValidationError as error:
            return _invalid(error)
        except PermissionDenied:
            raise exceptions.PermissionDenied(_("You may not answer this slip.")) from None
        return self._done(pk)

    @extend_schema(
        request=serializers.SlipReviewSerializer,
        description=(
            "A supervisor accepts the feedback (the slip closes) or returns it with a note "
            "(the slip is open again with a new feedback due date)."
        ),
        responses={200: serializers.SlipDetailSerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def review(self, request, pk=None):
        slip = self.get_object()
        if not slip_feedback.can_review(user=request.user, slip=slip):
            _denied(request, f"api slip review {pk}", _("You may not review this feedback."))
        data = _incoming(serializers.SlipReviewSerializer, request)
        try:
            slip_feedback.slip_feedback_review(
                slip=slip,
                user=request.user,
                accept=data["decision"] == "accept",
                note=data.get("note", ""),
            )
        except ValidationError as error:
            return _invalid(error)
        except PermissionDenied:
            raise exceptions.PermissionDenied(_("You may not review this feedback.")) from None
        return self._done(pk)


# --- the scorecard (考评) ----------------------------------------------------------------


@extend_schema(
    description=(
        "The scorecard of a period, per organisation and per city, as on the web page "
        "(leaders and supervisors only). Every figure is listed in `figures`, its value in "
        "each row's `values` (null: an average with nothing to average)."
    ),
    parameters=[
        OpenApiParameter(
            "period",
            OpenApiTypes.STR,
            pattern=r"^[0-9]{4}(-(Q[1-4]|H[12]))?$",
            description="2026-Q4, 2026-H2 or 2026 (default: the current quarter).",
        )
    ],
    responses={200: serializers.ScorecardSerializer, **ERRORS, **INVALID},
)
class ScorecardView(APIView):
    def get(self, request):
        if not permissions.can_view_reports(request.user):
            _denied(request, "api scorecard", str(REPORTS_ONLY))
        data = {"period": request.query_params.get("period", sc.ScorePeriod.current_quarter().key)}
        form = ScorecardForm(data)
        if not form.is_valid():
            return Response(form.errors, status=status.HTTP_400_BAD_REQUEST)
        card = sc.scorecard(period=form.cleaned_data["period"], user=request.user)
        return Response(serializers.ScorecardSerializer(card).data)
