"""Each resource as the API shows it (the API's serializers), for webhook payloads."""

from cooperation import selectors
from cooperation.models import CooperationItem


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
