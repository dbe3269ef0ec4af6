from .documents import DocumentJob, DocumentKind, DocumentNumber, JobState
from .items import Agreement, CooperationItem, Milestone, StatusUpdate
from .meetings import ConsultationMechanism, Meeting, Notification, Reminder
from .organizations import Membership, Organization, Profile
from .sessions import SignedInSession
from .supervision import SlipFeedback, SlipNumber, SupervisionSlip
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
    "Comment",
    "CompletionConfirmation",
    "CompletionRequest",
    "ConsultationMechanism",
    "CooperationItem",
    "DocumentJob",
    "DocumentKind",
    "DocumentNumber",
    "Evidence",
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
    "StatusUpdate",
    "SupervisionSlip",
]
