"""The API's views: as thin as the web's. Reads come from the selectors and the item list's
FilterSet; the one write (a status report) is validated by the web form and saved by the
same service."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.decorators import permission_classes as permission_classes_of
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from cooperation import permissions, selectors
from cooperation.filters import ItemFilter
from cooperation.forms import StatusUpdateForm
from cooperation.history import item_history
from cooperation.models import (
    Agreement,
    Meeting,
    Milestone,
    Organization,
    Reminder,
    StatusUpdate,
)
from cooperation.services import StaleFormError, StatusReport
from cooperation.views.items import stale_message
from cooperation.workflow.reporting import loop_report_submit

from . import serializers
from .permissions import changeable_item

NOT_FOUND = {404: OpenApiResponse(serializers.ErrorSerializer, description="No such object")}
ERRORS = {
    401: OpenApiResponse(serializers.ErrorSerializer, description="Not signed in"),
    403: OpenApiResponse(serializers.ErrorSerializer, description="Not allowed"),
    # A list answers 404 for a page past the end; a detail for an unknown id.
    **NOT_FOUND,
}
INVALID = {400: OpenApiResponse(description="Invalid input: messages by field")}


def _flag(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.STR, enum=["1", "0"], description=description)


# The item list's parameters that django-filter cannot describe by itself (method filters).
ITEM_PARAMETERS = [
    OpenApiParameter("organization", OpenApiTypes.INT, description="Lead or co-owner (id)."),
    _flag("overdue", "1: open items past their target date or with a late milestone."),
    _flag("stale", "1: items without a status report for stale_days (default 30) days."),
    _flag("mine", "1: items of your own organisations."),
]


class TranslatedNotFound:
    """A missing object answers DRF's translated "Not found." (not the model's English name)."""

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            raise NotFound() from None


@extend_schema_view(
    list=extend_schema(responses={200: serializers.AgreementSerializer(many=True), **ERRORS}),
    retrieve=extend_schema(responses={200: serializers.AgreementSerializer, **ERRORS, **NOT_FOUND}),
)
class AgreementViewSet(TranslatedNotFound, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.AgreementSerializer
    queryset = Agreement.objects.prefetch_related("parties").order_by("pk")


class OrganizationFilter(filters.FilterSet):
    city = filters.CharFilter(max_length=16)

    class Meta:
        model = Organization
        fields = ["city"]


@extend_schema_view(
    list=extend_schema(
        responses={200: serializers.OrganizationSerializer(many=True), **ERRORS, **INVALID}
    ),
    retrieve=extend_schema(
        responses={200: serializers.OrganizationSerializer, **ERRORS, **NOT_FOUND}
    ),
)
class OrganizationViewSet(TranslatedNotFound, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.OrganizationSerializer
    queryset = Organization.objects.order_by("pk")
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = OrganizationFilter


@extend_schema_view(
    list=extend_schema(
        description="The item list with every filter of the web page (the same FilterSet).",
        parameters=ITEM_PARAMETERS,
        responses={200: serializers.ItemListSerializer(many=True), **ERRORS, **INVALID},
    ),
    retrieve=extend_schema(
        responses={200: serializers.ItemDetailSerializer, **ERRORS, **NOT_FOUND}
    ),
)
class ItemViewSet(TranslatedNotFound, viewsets.ReadOnlyModelViewSet):
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = ItemFilter

    def get_queryset(self):
        queryset = selectors.item_list_queryset(user=self.request.user)
        return queryset.prefetch_related("co_owners")

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.ItemDetailSerializer
        if self.action == "history":
            return serializers.HistoryEntrySerializer
        return serializers.ItemListSerializer

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    @extend_schema(
        description="Every recorded change of the item and its milestones, newest first.",
        responses={200: serializers.HistoryEntrySerializer(many=True), **ERRORS, **NOT_FOUND},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def history(self, request, pk=None):
        item = self.get_object()
        page = self.paginate_queryset(item_history(item))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class ItemScopedFilter(filters.FilterSet):
    item = filters.NumberFilter(field_name="item", min_value=1, max_value=2**63 - 1)


class StatusReportFilter(ItemScopedFilter):
    class Meta:
        model = StatusUpdate
        fields = ["item"]


@extend_schema_view(
    list=extend_schema(
        responses={200: serializers.StatusReportSerializer(many=True), **ERRORS, **INVALID}
    ),
    retrieve=extend_schema(
        responses={200: serializers.StatusReportSerializer, **ERRORS, **NOT_FOUND}
    ),
)
class StatusReportViewSet(
    TranslatedNotFound, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = serializers.StatusReportSerializer
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = StatusReportFilter

    def get_queryset(self):
        visible = permissions.restrict_items(self.request.user, "view")
        return permissions.of_items(StatusUpdate.objects.all(), visible).order_by(
            "-reported_at", "-pk"
        )

    @extend_schema(
        request=serializers.StatusReportCreateSerializer,
        description=(
            "Submit a status report, as the web form does: the same validation, version "
            "check and service. 409 when the item changed since the version you give. "
            "Asking to cancel or reopen the item opens a completion request instead (see "
            "/completions/); completing needs an evidence file, so it is done on the web."
        ),
        responses={
            201: serializers.StatusReportSerializer,
            **INVALID,
            **ERRORS,
            **NOT_FOUND,
            409: OpenApiResponse(serializers.ErrorSerializer, description="The item changed"),
        },
    )
    def create(self, request):
        incoming = serializers.StatusReportCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        item = changeable_item(request, data["item"])
        form = StatusUpdateForm(_form_data(data), item=item)
        if not form.is_valid():
            return Response(form.errors, status=status.HTTP_400_BAD_REQUEST)
        try:
            update = loop_report_submit(
                item=item,
                user=request.user,
                report=_report(form.cleaned_data),
                expected_version=form.cleaned_data["version"],
            )
        except StaleFormError as stale:
            return Response(
                {"detail": stale_message(stale), "code": "stale"}, status=status.HTTP_409_CONFLICT
            )
        except ValidationError as error:
            body = (
                error.message_dict if hasattr(error, "error_dict") else {"detail": error.messages}
            )
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            serializers.StatusReportSerializer(update).data, status=status.HTTP_201_CREATED
        )


def _form_data(data: dict) -> dict:
    """The API's JSON as the web form's POST data."""
    form_data = {
        name: str(data[name])
        for name in ("status", "health", "progress", "narrative", "risks", "next_steps", "version")
        if name in data
    }
    form_data["milestones_done"] = [str(pk) for pk in data.get("milestones_done", [])]
    return form_data


def _report(cleaned: dict) -> StatusReport:
    return StatusReport(
        status=cleaned["status"],
        health=cleaned["health"],
        progress=cleaned["progress"],
        narrative=cleaned["narrative"],
        risks=cleaned["risks"].strip(),
        next_steps=cleaned["next_steps"].strip(),
        milestones_done=tuple(m.pk for m in cleaned["milestones_done"]),
    )


class MilestoneFilter(ItemScopedFilter):
    class Meta:
        model = Milestone
        fields = ["item"]


@extend_schema_view(
    list=extend_schema(
        responses={200: serializers.MilestoneSerializer(many=True), **ERRORS, **INVALID}
    ),
    retrieve=extend_schema(responses={200: serializers.MilestoneSerializer, **ERRORS, **NOT_FOUND}),
)
class MilestoneViewSet(TranslatedNotFound, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.MilestoneSerializer
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = MilestoneFilter

    def get_queryset(self):
        visible = permissions.restrict_items(self.request.user, "view")
        return permissions.of_items(Milestone.objects.all(), visible).order_by("item", "pk")


@extend_schema_view(
    list=extend_schema(responses={200: serializers.MeetingSerializer(many=True), **ERRORS}),
    retrieve=extend_schema(responses={200: serializers.MeetingSerializer, **ERRORS, **NOT_FOUND}),
)
class MeetingViewSet(TranslatedNotFound, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.MeetingSerializer
    queryset = Meeting.objects.select_related("mechanism").order_by("starts_at", "pk")


class ReminderFilter(filters.FilterSet):
    meeting = filters.NumberFilter(field_name="meeting", min_value=1, max_value=2**63 - 1)
    item = filters.NumberFilter(field_name="item", min_value=1, max_value=2**63 - 1)

    class Meta:
        model = Reminder
        fields = ["meeting", "item", "state"]


@extend_schema_view(
    list=extend_schema(
        description="Supervisors read every reminder; anyone else the reminders sent to them.",
        responses={200: serializers.ReminderSerializer(many=True), **ERRORS, **INVALID},
    ),
    retrieve=extend_schema(responses={200: serializers.ReminderSerializer, **ERRORS, **NOT_FOUND}),
)
class ReminderViewSet(TranslatedNotFound, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.ReminderSerializer
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = ReminderFilter

    def get_queryset(self):
        queryset = Reminder.objects.order_by("due_at", "pk")
        return permissions.restrict_reminders(self.request.user, queryset)


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@permission_classes_of([])
def api_not_found(request, *args, **kwargs):
    raise NotFound()
