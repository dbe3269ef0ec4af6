from .agreement import Clause, Source
from .health import WorkerHeartbeat
from .items import Agreement, CooperationItem, Milestone, StatusUpdate
from .meetings import ConsultationMechanism, Meeting, Notification, Reminder
from .organizations import Membership, Organization, Profile
from .sessions import SignedInSession
from .submissions import FormSubmission

__all__ = [
    "Agreement",
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
    "WorkerHeartbeat",
]
