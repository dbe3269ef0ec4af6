"""Each resource as the API shows it (the API's serializers), for webhook payloads."""

from django.conf import settings
from django.utils import translation

from cooperation import selectors
from cooperation.models import CompletionRequest, CooperationItem
from cooperation.models.supervision import SupervisionSlip


def _serializers():
    from cooperation.api import serializers

    return serializers


def item(obj) -> dict:
    queryset = selectors.with_attention_flags(
        selectors.with_last_report(selectors.with_rollup(CooperationItem.objects.all()))
    ).prefetch_related("co_owners")
    return dict(_serializers().ItemSerializer(queryset.get(pk=obj.pk)).data)


def report(obj) -> dict:
    return dict(_serializers().StatusReportSerializer(obj).data)


def meeting(obj) -> dict:
    return dict(_serializers().MeetingSerializer(obj).data)


def reminder(obj) -> dict:
    return dict(_serializers().ReminderSerializer(obj).data)


def completion(obj) -> dict:
    row = CompletionRequest.objects.prefetch_related("confirmations", "evidence").get(pk=obj.pk)
    return dict(_serializers().CompletionSerializer(row).data)


def slip(obj) -> dict:
    """A slip as the API's list shows it; its reason in the site's language (Chinese)."""
    row = (
        SupervisionSlip.objects.select_related("item")
        .prefetch_related("addressed_to")
        .get(pk=obj.pk)
    )
    with translation.override(settings.LANGUAGE_CODE):
        return dict(_serializers().SlipSerializer(row).data)
