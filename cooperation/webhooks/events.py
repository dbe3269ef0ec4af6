"""The event registry, and ``event_record``, which services call inside their transaction.

An event type is one line in ``EVENT_TYPES``: its label, the kind of resource, and how the
resource is shown (a serializer of the API, see ``resources``). A service that makes the
event happen calls ``event_record(type=..., obj=...)``; when no active subscription wants
that type, nothing is written. Otherwise the event row (with the resource as the API shows
it at that moment) and one delivery row per subscription are written in the service's
transaction, and the sender is woken once it commits: never sent from the request.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from cooperation.models import WebhookDelivery, WebhookEvent, WebhookSubscription

from . import resources


@dataclass(frozen=True)
class EventType:
    label: str
    resource: str  # the resource's name in payloads and in the API's paths
    render: object  # obj → dict, as the API shows it


EVENT_TYPES: dict[str, EventType] = {
    "item.changed": EventType(_("Item changed"), "item", resources.item),
    "report.submitted": EventType(_("Report submitted"), "status_report", resources.report),
    "meeting.planned": EventType(_("Meeting planned"), "meeting", resources.meeting),
    "meeting.rescheduled": EventType(_("Meeting rescheduled"), "meeting", resources.meeting),
    "meeting.cancelled": EventType(_("Meeting cancelled"), "meeting", resources.meeting),
    "meeting.held": EventType(_("Meeting held"), "meeting", resources.meeting),
    "reminder.failed": EventType(_("Reminder failed"), "reminder", resources.reminder),
    "report.accepted": EventType(_("Report accepted"), "status_report", resources.report),
    "report.returned": EventType(_("Report returned"), "status_report", resources.report),
    "completion.requested": EventType(
        _("Completion requested"), "completion", resources.completion
    ),
    "completion.confirmed": EventType(
        _("Completion confirmed"), "completion", resources.completion
    ),
    "completion.refused": EventType(_("Completion refused"), "completion", resources.completion),
    "slip.issued": EventType(_("Supervision slip issued"), "slip", resources.slip),
    "slip.escalated": EventType(_("Supervision slip escalated"), "slip", resources.slip),
    "slip.closed": EventType(_("Supervision slip closed"), "slip", resources.slip),
}


def event_type_choices() -> list[tuple[str, str]]:
    return [(name, event.label) for name, event in EVENT_TYPES.items()]


def _subscribers(event_type: str) -> list[WebhookSubscription]:
    return [
        subscription
        for subscription in WebhookSubscription.objects.filter(is_active=True)
        if event_type in subscription.event_types
    ]


def event_record(*, type: str, obj, subscribers=None) -> WebhookEvent | None:
    """Record that ``type`` happened to ``obj``; one delivery per subscription that wants it.

    ``subscribers``: the subscriptions already read (``events_record`` reads them once for
    many objects)."""
    event_type = EVENT_TYPES[type]
    subscribers = _subscribers(type) if subscribers is None else subscribers
    if not subscribers:
        return None
    with transaction.atomic():
        event = WebhookEvent.objects.create(
            type=type,
            resource_type=event_type.resource,
            resource_id=obj.pk,
            data=event_type.render(obj),
        )
        resource_key = f"{event_type.resource}:{obj.pk}"
        WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(
                    key=f"{subscription.pk}:{event.event_id}",
                    subscription=subscription,
                    event=event,
                    resource_key=resource_key,
                    next_attempt_at=event.occurred_at,
                )
                for subscription in subscribers
            ]
        )
        from cooperation.queue import enqueue
        from cooperation.tasks import dispatch_webhooks

        enqueue(dispatch_webhooks)
    return event


def events_record(*, type: str, objs) -> int:
    """``event_record`` for each of ``objs`` (a batch of slips), reading subscriptions once."""
    subscribers = _subscribers(type)
    if not subscribers:
        return 0
    return sum(1 for obj in objs if event_record(type=type, obj=obj, subscribers=subscribers))
