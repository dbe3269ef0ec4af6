"""The resources as the API (and the webhooks) show them: stable English field names.

Bilingual text is given in both languages (``title_zh``, ``title_en``); choices are given
as their stable code. Item rows expect the annotations of ``selectors.item_list_queryset``.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cooperation.choices import Health, Status
from cooperation.models import (
    Agreement,
    CompletionConfirmation,
    CompletionRequest,
    CooperationItem,
    Evidence,
    Meeting,
    Milestone,
    Organization,
    Reminder,
    StatusUpdate,
)
from cooperation.models.supervision import SlipFeedback, SupervisionSlip


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "code", "name_zh", "name_en", "short_name_zh", "short_name_en", "city",
                  "kind"]  # fmt: skip


class AgreementSerializer(serializers.ModelSerializer):
    parties = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Agreement
        fields = ["id", "code", "title_zh", "title_en", "short_title_zh", "short_title_en",
                  "signed_on", "date_precision", "parties", "source"]  # fmt: skip


class ItemSerializer(serializers.ModelSerializer):
    co_owners = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    rolled_up_progress = serializers.SerializerMethodField()
    last_reported_at = serializers.DateTimeField(read_only=True, allow_null=True)
    is_overdue = serializers.SerializerMethodField()
    is_stale = serializers.SerializerMethodField()

    class Meta:
        model = CooperationItem
        fields = ["id", "code", "agreement", "category", "parent", "title_zh", "title_en",
                  "chengdu_lead", "yibin_lead", "co_owners", "status", "health", "progress",
                  "rolled_up_progress", "weight", "start_date", "target_date",
                  "last_reported_at", "is_overdue", "is_stale", "version",
                  "updated_at"]  # fmt: skip
        read_only_fields = fields

    # SQL's NULL (no target date, no late milestone) is "no" here, as on the web's list.
    def get_is_overdue(self, item) -> bool:
        return bool(getattr(item, "is_overdue", False))

    def get_is_stale(self, item) -> bool:
        return bool(getattr(item, "is_stale", False))

    @extend_schema_field(serializers.IntegerField(min_value=0, max_value=100))
    def get_rolled_up_progress(self, item) -> int:
        value = getattr(item, "rolled_up_progress", None)
        return round(item.progress if value is None else value)


class ItemListSerializer(ItemSerializer):
    can_change = serializers.BooleanField(
        read_only=True, help_text=_("Whether you may submit status reports on this item.")
    )

    class Meta(ItemSerializer.Meta):
        fields = [*ItemSerializer.Meta.fields, "can_change"]
        read_only_fields = fields


class ItemDetailSerializer(ItemListSerializer):
    class Meta(ItemListSerializer.Meta):
        fields = [*ItemListSerializer.Meta.fields, "description_zh", "description_en",
                  "source_meeting", "source_note"]  # fmt: skip
        read_only_fields = fields


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["id", "item", "title_zh", "title_en", "due_date", "done_date", "sort_order"]


class StatusReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = StatusUpdate
        fields = ["id", "item", "author", "organization", "status", "health", "progress",
                  "narrative", "risks", "next_steps", "reported_at", "review_state",
                  "reviewed_by", "reviewed_at", "return_reason", "corrects"]  # fmt: skip
        read_only_fields = fields


class StatusReportCreateSerializer(serializers.Serializer):
    """The web form's fields; validated by the web form itself (see views.StatusReports)."""

    item = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    status = serializers.ChoiceField(choices=Status.choices)
    health = serializers.ChoiceField(choices=Health.choices)
    progress = serializers.IntegerField(min_value=0, max_value=100)
    narrative = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    risks = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    next_steps = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    milestones_done = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=200,
    )
    version = serializers.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        help_text=_("The item's version you read; a newer one refuses the report (409)."),
    )


class HistoryChangeSerializer(serializers.Serializer):
    field = serializers.CharField(source="label")
    old = serializers.CharField()
    new = serializers.CharField()


class HistoryEntrySerializer(serializers.Serializer):
    when = serializers.DateTimeField()
    user = serializers.SerializerMethodField()
    subject = serializers.CharField()
    kind = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    reason = serializers.CharField()
    changes = HistoryChangeSerializer(many=True)

    def get_user(self, entry) -> str | None:
        user = entry.user
        return user.username if user is not None else None


class MeetingSerializer(serializers.ModelSerializer):
    ends_at = serializers.DateTimeField(read_only=True)

    class Meta:
        model = Meeting
        fields = ["id", "mechanism", "sequence", "starts_at", "ends_at", "planned_for",
                  "location", "host_city", "state", "agenda", "minutes", "decisions",
                  "revision", "cancellation_reason", "updated_at"]  # fmt: skip
        read_only_fields = fields


class ReminderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Reminder
        fields = ["id", "kind", "channel", "meeting", "item", "due_at", "state", "attempts",
                  "sent_at"]  # fmt: skip
        read_only_fields = fields


# --- the supervision loop: reviews, completion requests, slips, the scorecard ------------

DECISIONS = [("accept", _("Accept")), ("return", _("Return"))]


class ReviewSerializer(serializers.Serializer):
    """Accept a status report, or return it with a reason (as the web's review form)."""

    decision = serializers.ChoiceField(choices=DECISIONS)
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text=_("Required to return.")
    )


class EvidenceSerializer(serializers.ModelSerializer):
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Evidence
        fields = ["id", "name", "content_type", "size", "sha256", "uploaded_at", "url"]
        read_only_fields = fields


class ConfirmationSerializer(serializers.ModelSerializer):
    class Meta:
        model = CompletionConfirmation
        fields = ["city", "organization", "user", "confirmed_at"]
        read_only_fields = fields


class CompletionSerializer(serializers.ModelSerializer):
    """A completion, cancellation or reopening request (办结 / 销号) and its confirmations."""

    confirmations = ConfirmationSerializer(many=True, read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = CompletionRequest
        fields = ["id", "item", "status_update", "requested_status", "previous_status",
                  "reason", "requested_by", "requested_at", "required_cities", "state",
                  "decided_by", "decided_at", "refusal_reason", "confirmations",
                  "evidence"]  # fmt: skip
        read_only_fields = fields


class CompletionListSerializer(CompletionSerializer):
    can_decide = serializers.SerializerMethodField(
        help_text=_("Whether you may confirm or refuse this request now.")
    )

    class Meta(CompletionSerializer.Meta):
        fields = [*CompletionSerializer.Meta.fields, "can_decide"]
        read_only_fields = fields

    def get_can_decide(self, request) -> bool:
        from cooperation.workflow import rules

        user = self.context["request"].user
        return request.state == "pending" and rules.may_decide(user, request)


class CompletionConfirmSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text=_("The item's version you read; a newer one refuses the decision (409)."),
    )


class CompletionRefuseSerializer(CompletionConfirmSerializer):
    reason = serializers.CharField(max_length=2000)


class SlipFeedbackSerializer(serializers.ModelSerializer):
    class Meta:
        model = SlipFeedback
        fields = ["id", "organization", "author", "text", "submitted_at", "state",
                  "reviewed_by", "reviewed_at", "review_note"]  # fmt: skip
        read_only_fields = fields


class SlipSerializer(serializers.ModelSerializer):
    """A supervision slip (督办单). Rows expect ``supervision.selectors.slip_queryset``."""

    number = serializers.CharField(read_only=True)
    reason = serializers.SerializerMethodField(help_text=_("The slip's reason in words."))
    addressed_to = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = SupervisionSlip
        fields = ["id", "number", "year", "sequence", "item", "colour", "cause", "reason",
                  "facts", "addressed_to", "feedback_due", "state", "closure", "issued_at",
                  "closed_at", "escalated_from"]  # fmt: skip
        read_only_fields = fields

    def get_reason(self, slip) -> str:
        from cooperation.supervision.notices import reason_text

        return reason_text(slip)


class SlipDetailSerializer(SlipSerializer):
    feedback = SlipFeedbackSerializer(many=True, read_only=True)
    can_answer = serializers.SerializerMethodField()
    can_review = serializers.SerializerMethodField()

    class Meta(SlipSerializer.Meta):
        fields = [*SlipSerializer.Meta.fields, "feedback", "can_answer", "can_review"]
        read_only_fields = fields

    def get_can_answer(self, slip) -> bool:
        from cooperation.supervision.feedback import can_answer

        return can_answer(user=self.context["request"].user, slip=slip)

    def get_can_review(self, slip) -> bool:
        from cooperation.supervision.feedback import can_review

        return can_review(user=self.context["request"].user, slip=slip)


class SlipFeedbackCreateSerializer(serializers.Serializer):
    organization = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        help_text=_("The addressed organisation you answer for (you coordinate it)."),
    )
    text = serializers.CharField(max_length=4000)


class SlipReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=DECISIONS)
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text=_("Required to return.")
    )


class ScoreFigureSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()


class ScoreRowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=_("The organisation's id, or the city's code."))
    label = serializers.CharField()
    city = serializers.CharField()
    values = serializers.DictField(child=serializers.FloatField(allow_null=True))


class ScorecardSerializer(serializers.Serializer):
    period = serializers.CharField(source="period.key")
    label = serializers.SerializerMethodField()
    partial = serializers.BooleanField(help_text=_("The period is not over yet."))
    figures = serializers.SerializerMethodField()
    organizations = ScoreRowSerializer(many=True)
    cities = ScoreRowSerializer(many=True)
    rules = serializers.ListField(child=serializers.CharField())

    def get_label(self, card) -> str:
        return str(card.period)

    @extend_schema_field(ScoreFigureSerializer(many=True))
    def get_figures(self, card) -> list:
        return [{"key": key, "label": str(label)} for key, label in card.figures]


class ErrorSerializer(serializers.Serializer):
    """Every error answer: a translated message, and field errors for invalid input."""

    detail = serializers.CharField(required=False)
    code = serializers.CharField(required=False)
