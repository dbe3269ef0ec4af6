from .api import ApiToken
from .items import Agreement, CooperationItem, Milestone, StatusUpdate
from .meetings import ConsultationMechanism, Meeting, Notification, Reminder
from .organizations import Membership, Organization, Profile
from .sessions import SignedInSession
from .webhooks import WebhookDelivery, WebhookEvent, WebhookSubscription

__all__ = [
    "Agreement",
    "ApiToken",
    "ConsultationMechanism",
    "CooperationItem",
    "Meeting",
    "Membership",
    "Milestone",
    "Notification",
    "Organization",
    "Profile",
    "Reminder",
    "SignedInSession",
    "StatusUpdate",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookSubscription",
]
