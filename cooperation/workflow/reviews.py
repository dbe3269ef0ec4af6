"""审核 / 退回: a supervisor, or the other city's lead coordinator on a bilateral item,
accepts a status report or returns it with a reason. The author is told and submits a
corrected report, which points at the returned one (``corrects``); history keeps both."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cooperation.choices import NoticeKind, ReminderKind, ReviewState
from cooperation.models import StatusUpdate
from cooperation.services import tracked_save
from cooperation.webhooks.events import event_record

from . import rules
from .notify import notify

REASON_MAX_LENGTH = 2000


def report_review(*, update: StatusUpdate, user, accept: bool, reason: str = "") -> StatusUpdate:
    reason = reason.strip()
    if not accept and not reason:
        raise ValidationError({"reason": _("Say why the report is returned.")}, code="no_reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {"reason": _("At most %(n)s characters.") % {"n": REASON_MAX_LENGTH}}, code="long"
        )
    with transaction.atomic():
        row = (
            StatusUpdate.objects.select_for_update(of=("self",))
            .select_related("item", "organization", "author")
            .get(pk=update.pk)
        )
        if not rules.may_review(user, row):
            raise PermissionDenied(_("You may not review this report."))
        if row.review_state != ReviewState.PENDING:
            raise ValidationError(
                _("This report was already reviewed (%(state)s).")
                % {"state": row.get_review_state_display()},
                code="reviewed",
            )
        tracked_save(
            row,
            user=user,
            reason=gettext_noop("Report accepted") if accept else gettext_noop("Report returned"),
            fields={
                "review_state": ReviewState.ACCEPTED if accept else ReviewState.RETURNED,
                "reviewed_by": user,
                "reviewed_at": timezone.now(),
                "return_reason": "" if accept else reason,
            },
        )
        if not accept:
            _tell_author(row, reason)  # in the transaction: told only if it happened
        event_record(type="report.accepted" if accept else "report.returned", obj=row)
    return row


def review_requests_plan(update: StatusUpdate) -> int:
    """A report waiting for review, to the group robots of the organisations that review it
    (one outbox row per robot, key ``review:<report>:robot<id>``); call in the transaction
    that writes the report."""
    from cooperation.meetings.reminders import write
    from cooperation.robots.audience import robot_rows

    organizations = rules.reviewing_organizations(update)
    if not organizations:
        return 0
    rows = robot_rows(
        ReminderKind.REVIEW_REQUEST,
        base_key=f"review:{update.pk}",
        due_at=timezone.now(),
        item=update.item,
        organizations=organizations,
        context={"report": update.pk},
    )
    return write(rows, reason="Review request planned")


def _tell_author(row: StatusUpdate, reason: str) -> None:
    notify(
        user=row.author,
        kind=NoticeKind.REVIEW,
        key=f"returned:{row.pk}",
        item=row.item,
        title=gettext_noop("Your report on %(item)s was returned"),
        body=gettext_noop("Reason: %(reason)s. Please submit a corrected report."),
        url=row.get_absolute_url(),
        params={"item": row.item.code, "reason": reason},
    )


def returned_to_correct(*, item, user) -> StatusUpdate | None:
    """The latest returned report of ``user``'s organisation(s) on ``item`` not yet corrected."""
    return (
        StatusUpdate.objects.filter(
            item=item, review_state=ReviewState.RETURNED, corrections__isnull=True
        )
        .filter(author=user)
        .order_by("-reported_at")
        .first()
    )


def reports_awaiting_review(user) -> QuerySet:
    """The reports waiting for ``user``'s review, oldest first."""
    return (
        rules.reviewable_reports(
            user, StatusUpdate.objects.filter(review_state=ReviewState.PENDING)
        )
        .select_related("item", "author", "organization")
        .order_by("reported_at", "pk")
    )


def returned_twice(item_id: int) -> bool:
    """Whether ``item`` has had two or more reports returned (a yellow slip's cause)."""
    return (
        StatusUpdate.objects.filter(item_id=item_id, review_state=ReviewState.RETURNED).count() >= 2
    )
