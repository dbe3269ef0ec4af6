from .imports import ItemImport
from .items import Agreement, CooperationItem, Milestone, StatusUpdate
from .meetings import ConsultationMechanism, Meeting, Notification, Reminder
from .organizations import Membership, Organization, Profile
from .robots import ChatRobot
from .sessions import SignedInSession

__all__ = [
    "Agreement",
    "ChatRobot",
    "ConsultationMechanism",
    "CooperationItem",
    "ItemImport",
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
