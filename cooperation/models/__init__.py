from .items import Agreement, CooperationItem, Milestone, StatusUpdate
from .meetings import ConsultationMechanism, Meeting, Notification, Reminder
from .organizations import Membership, Organization, Profile
from .sessions import SignedInSession
from .supervision import SlipFeedback, SlipNumber, SupervisionSlip

__all__ = [
    "Agreement",
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
    "SlipFeedback",
    "SlipNumber",
    "StatusUpdate",
    "SupervisionSlip",
]
