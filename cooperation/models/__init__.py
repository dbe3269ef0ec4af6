from .agreement import Clause, Source
from .api import ApiToken
from .dashboard import DashboardCell, DashboardChange, DashboardItem, DashboardState
from .documents import DocumentJob, DocumentKind, DocumentNumber, JobState
from .health import WorkerHeartbeat
from .imports import ItemImport
from .items import Agreement, CooperationItem, Milestone, StatusUpdate
from .meetings import BriefingPage, ConsultationMechanism, Meeting, Notification, Reminder
from .organizations import Membership, Organization, Profile
from .robots import ChatRobot
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
    "BriefingPage",
    "ChatRobot",
    "Clause",
    "Comment",
    "CompletionConfirmation",
    "CompletionRequest",
    "ConsultationMechanism",
    "CooperationItem",
    "DashboardCell",
    "DashboardChange",
    "DashboardItem",
    "DashboardState",
    "DocumentJob",
    "DocumentKind",
    "DocumentNumber",
    "Evidence",
    "FormSubmission",
    "ItemImport",
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
