"""Answering a slip (反馈) and reviewing the answer: every write of a slip a person makes.

- a coordinator of an addressed organisation submits feedback: the slip is *answered* (it
  no longer escalates) until a supervisor reviews the feedback;
- a supervisor accepts it: the slip closes; or returns it with a reason: the slip is open
  again with a new feedback due date (CHENGYI_SLIP_FEEDBACK_WORKING_DAYS from today).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cooperation import permissions
from cooperation.models.supervision import (
    FeedbackState,
    SlipClosure,
    SlipFeedback,
    SlipState,
    SupervisionSlip,
)
from cooperation.services import tracked_save
from cooperation.webhooks.events import event_record

from .slips import feedback_due

FEEDBACK_MAX = 4000


def answering_organizations(*, user, slip: SupervisionSlip) -> list:
    """The addressed organisations ``user`` may answer for (as their coordinator)."""
    mine = permissions.coordinator_organization_ids(user)
    return [org for org in slip.addressed_to.all() if org.pk in mine]


def can_answer(*, user, slip: SupervisionSlip) -> bool:
    return slip.state == SlipState.OPEN and bool(answering_organizations(user=user, slip=slip))


def can_review(*, user, slip: SupervisionSlip) -> bool:
    return slip.state == SlipState.ANSWERED and permissions.is_supervisor(user)


def _locked(slip: SupervisionSlip) -> SupervisionSlip:
    return SupervisionSlip.objects.select_for_update().get(pk=slip.pk)


def slip_feedback_submit(*, slip: SupervisionSlip, user, organization_id: int, text: str):
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write what was done and what will be done.")})
    if len(text) > FEEDBACK_MAX:
        raise ValidationError({"text": _("At most %(n)s characters.") % {"n": FEEDBACK_MAX}})
    with transaction.atomic():
        slip = _locked(slip)
        allowed = {org.pk for org in answering_organizations(user=user, slip=slip)}
        if slip.state != SlipState.OPEN or organization_id not in allowed:
            raise PermissionDenied
        feedback = SlipFeedback(slip=slip, organization_id=organization_id, author=user, text=text)
        tracked_save(feedback, user=user, reason=gettext_noop("Feedback submitted"))
        tracked_save(
            slip,
            user=user,
            reason=gettext_noop("Feedback submitted"),
            fields={"state": SlipState.ANSWERED},
        )
    return feedback


def slip_feedback_review(*, slip: SupervisionSlip, user, accept: bool, note: str = ""):
    note = (note or "").strip()
    if not accept and not note:
        raise ValidationError({"note": _("Say why the feedback is returned.")})
    if len(note) > 2000:
        raise ValidationError({"note": _("At most %(n)s characters.") % {"n": 2000}})
    with transaction.atomic():
        slip = _locked(slip)
        if not can_review(user=user, slip=slip):
            raise PermissionDenied
        feedback = slip.feedback.filter(state=FeedbackState.SUBMITTED).order_by("-pk").first()
        if feedback is None:
            raise PermissionDenied
        now = timezone.now()
        tracked_save(
            feedback,
            user=user,
            reason=gettext_noop("Feedback accepted" if accept else "Feedback returned"),
            fields={
                "state": FeedbackState.ACCEPTED if accept else FeedbackState.RETURNED,
                "reviewed_by": user,
                "reviewed_at": now,
                "review_note": note,
            },
        )
        if accept:
            fields = {
                "state": SlipState.CLOSED,
                "closure": SlipClosure.FEEDBACK_ACCEPTED,
                "closed_at": now,
            }
        else:
            fields = {
                "state": SlipState.OPEN,
                "feedback_due": feedback_due(timezone.localdate(now)),
            }
        reason = "Feedback accepted: slip closed" if accept else "Feedback returned"
        tracked_save(slip, user=user, reason=reason, fields=fields)
        if accept:
            event_record(type="slip.closed", obj=slip)
    return feedback
