"""Enumerations of the domain and the one table of allowed status transitions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class City(models.TextChoices):
    CHENGDU = "chengdu", _("Chengdu")
    YIBIN = "yibin", _("Yibin")
    OTHER = "other", _("Other")


class OrganizationKind(models.TextChoices):
    GOVERNMENT = "government", _("Municipal government")
    NEW_AREA = "new_area", _("New area")
    DEVELOPMENT_ZONE = "development_zone", _("Development zone")
    BONDED_ZONE = "bonded_zone", _("Comprehensive bonded zone")
    BUREAU = "bureau", _("Government department")
    STATE_ENTERPRISE = "state_enterprise", _("State-owned enterprise")
    PLATFORM = "platform", _("Service platform")
    PROJECT_COMPANY = "project_company", _("Project company")
    OTHER = "other", _("Other")


class DatePrecision(models.TextChoices):
    DAY = "day", _("Day")
    MONTH = "month", _("Month")


class Category(models.TextChoices):
    KEY_PROJECT = "key_project", _("Key project")
    SPECIAL_AGREEMENT = "special_agreement", _("“5+2” special agreement")
    COUNTY_PAIRING = "county_pairing", _("County pairing")
    CONSULTATION_FOLLOWUP = "consultation_followup", _("Consultation follow-up")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    SUSPENDED = "suspended", _("Suspended")
    CANCELLED = "cancelled", _("Cancelled")


class Health(models.TextChoices):
    NOT_ASSESSED = "not_assessed", _("Not assessed")
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    OFF_TRACK = "off_track", _("Off track")


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    SUPERVISOR = "supervisor", _("Supervisor")
    VIEWER = "viewer", _("Viewer")
    # A city leader (市领导): reads everything and the reports, receives red supervision slips.
    LEADER = "leader", _("City leader")


# Which status may follow which. A status may always stay as it is (a progress report).
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NOT_STARTED: frozenset({Status.IN_PROGRESS, Status.SUSPENDED, Status.CANCELLED}),
    Status.IN_PROGRESS: frozenset({Status.COMPLETED, Status.SUSPENDED, Status.CANCELLED}),
    Status.SUSPENDED: frozenset({Status.IN_PROGRESS, Status.CANCELLED}),
    Status.COMPLETED: frozenset({Status.IN_PROGRESS}),  # reopened when found unfinished
    Status.CANCELLED: frozenset(),
}


def allowed_next_statuses(current: str) -> list[str]:
    """The statuses an item in ``current`` may take, itself first."""
    return [current, *sorted(STATUS_TRANSITIONS[current], key=list(Status.values).index)]


def is_transition_allowed(current: str, new: str) -> bool:
    return new == current or new in STATUS_TRANSITIONS[current]


class Tier(models.TextChoices):
    LEAD_DEPARTMENTS = "lead_departments", _("Quarterly consultation of lead departments")
    SUPERVISING_LEADERS = (
        "supervising_leaders",
        _("Half-yearly consultation of supervising leaders"),
    )
    PRINCIPAL_LEADERS = "principal_leaders", _("Annual joint meeting of principal leaders")


class MeetingState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    CONFIRMED = "confirmed", _("Confirmed")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class ReminderKind(models.TextChoices):
    MEETING = "meeting", _("Meeting reminder")
    STATUS_CALL = "status_call", _("Call for status updates")
    STATUS_CALL_FOLLOWUP = "status_call_followup", _("Second call for status updates")
    MINUTES_NUDGE = "minutes_nudge", _("Minutes reminder")
    STALE_ITEM = "stale_item", _("Stale item reminder")
    STALE_ESCALATION = "stale_escalation", _("Stale item escalation")
    MEETING_CANCELLED = "meeting_cancelled", _("Meeting cancelled")
    MEETING_RESCHEDULED = "meeting_rescheduled", _("Meeting rescheduled")
    ACKNOWLEDGEMENT_DUE = "acknowledgement_due", _("Acknowledgement overdue")
    LOOP_NOTICE = "loop_notice", _("Supervision notice")
    DIGEST = "digest", _("Daily digest")
    SUPERVISION_SLIP = "supervision_slip", _("Supervision slip")
    REVIEW_REQUEST = "review_request", _("Report to review")


class ReminderState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Webhook")
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")


# The channels that are a chat group's robot (cooperation/robots/).
ROBOT_CHANNELS = (Channel.WECOM, Channel.DINGTALK)


class ImportState(models.TextChoices):
    CHECKING = "checking", _("Checking")
    CHECKED = "checked", _("Checked: waiting for confirmation")
    APPLYING = "applying", _("Importing")
    APPLIED = "applied", _("Imported")
    FAILED = "failed", _("Failed")


# --- The supervision loop (交办 → 签收 → 审核 → 办结 → 销号): cooperation/workflow/ ---------


class ReviewState(models.TextChoices):
    """审核: a status report waits for review, was accepted, or was returned with a reason."""

    PENDING = "pending", _("Awaiting review")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned")


class CompletionState(models.TextChoices):
    """办结 / 销号: a request to complete, cancel or reopen an item, until confirmed."""

    PENDING = "pending", _("Awaiting confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class NoticeKind(models.TextChoices):
    """What a person can be told about; each kind comes at once or in the daily digest."""

    MEETING = "meeting", _("Meeting reminders and changes")
    ACKNOWLEDGEMENT = "acknowledgement", _("Items to acknowledge")
    REVIEW = "review", _("Reports to review and returned reports")
    COMPLETION = "completion", _("Completion requests to confirm")
    MENTION = "mention", _("Mentions in comments")
    REPORT_DUE = "report_due", _("Items waiting for a progress report")
    SLIP = "slip", _("Blue and yellow supervision slips")
    SLIP_RED = "slip_red", _("Red supervision slips")


# The kinds that come at once unless a person chooses otherwise: what came at once before.
DEFAULT_IMMEDIATE_KINDS = (NoticeKind.MEETING.value, NoticeKind.SLIP_RED.value)
