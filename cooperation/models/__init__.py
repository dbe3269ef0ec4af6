from .agreement import Clause, Source
from .api import ApiToken
from .documents import DocumentJob, DocumentKind, DocumentNumber, JobState
from .health import WorkerHeartbeat
from .items import Agreement, CooperationItem, Milestone, StatusUpdate
from .meetings import ConsultationMechanism, Meeting, Notification, Reminder
from .organizations import Membership, Organization, Profile
from .sessions import SignedInSession
from .submissions import FormSubmission
from .supervision import SlipFeedback, SlipNumber, SupervisionSlip
from .webhooks import WebhookDelivery, WebhookEvent, WebhookSubscription
from .workflow import (
    Acknowledgement,
    Comment,
    CompletionConfirmation,
    CompletionRequest,
    Evidence,
    NotificationPreference,
)

__all__ = [
    "Acknowledgement",
    "Agreement",
    "ApiToken",
    "Clause",
    "Comment",
    "CompletionConfirmation",
    "CompletionRequest",
    "ConsultationMechanism",
    "CooperationItem",
    "DocumentJob",
    "DocumentKind",
    "DocumentNumber",
    "Evidence",
    "FormSubmission",
    "JobState",
    "Meeting",
    "Membership",
    "Milestone",
    "Notification",
    "NotificationPreference",
    "Organization",
    "Profile",
    "Reminder",
    "SignedInSession",
    "SlipFeedback",
    "SlipNumber",
    "Source",
    "StatusUpdate",
    "SupervisionSlip",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookSubscription",
    "WorkerHeartbeat",
]
