from .agreement import Clause, Source
from .api import ApiToken
from .health import WorkerHeartbeat
from .items import Agreement, CooperationItem, Milestone, StatusUpdate
from .meetings import ConsultationMechanism, Meeting, Notification, Reminder
from .organizations import Membership, Organization, Profile
from .sessions import SignedInSession
from .submissions import FormSubmission
from .webhooks import WebhookDelivery, WebhookEvent, WebhookSubscription

__all__ = [
    "Agreement",
    "ApiToken",
    "Clause",
    "ConsultationMechanism",
    "CooperationItem",
    "FormSubmission",
    "Meeting",
    "Membership",
    "Milestone",
    "Notification",
    "Organization",
    "Profile",
    "Reminder",
    "SignedInSession",
    "Source",
    "StatusUpdate",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookSubscription",
    "WorkerHeartbeat",
]
