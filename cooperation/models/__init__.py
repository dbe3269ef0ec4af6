from .documents import DocumentKind, DocumentNumber
from .items import Agreement, CooperationItem, Milestone, StatusUpdate
from .meetings import ConsultationMechanism, Meeting, Notification, Reminder
from .organizations import Membership, Organization, Profile
from .sessions import SignedInSession

__all__ = [
    "Agreement",
    "ConsultationMechanism",
    "CooperationItem",
    "DocumentKind",
    "DocumentNumber",
    "Meeting",
    "Membership",
    "Milestone",
    "Notification",
    "Organization",
    "Profile",
    "Reminder",
    "SignedInSession",
    "StatusUpdate",
]
