"""A status report in the loop: the report itself (``status_report_submit``), its evidence,
the returned report it corrects, and, when it asks to complete, cancel or reopen the item, a
completion request instead of the status change. All or nothing, in one transaction."""

import dataclasses

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cooperation import services
from cooperation.choices import Status
from cooperation.models import CooperationItem, StatusUpdate
from cooperation.services import StatusReport, tracked_save
from cooperation.webhooks.events import event_record

from .completion import completion_request_create, needs_confirmation
from .evidence import evidence_check, evidence_store
from .reviews import returned_to_correct, review_requests_plan


def loop_report_submit(
    *,
    item: CooperationItem,
    user,
    report: StatusReport,
    expected_version: int | None = None,
    files=(),
) -> StatusUpdate:
    """Raises ValidationError (bad files, rules) or StaleFormError; saves nothing then."""
    requested = report.status if needs_confirmation(item.status, report.status) else None
    if requested:
        services.validate_status_report(item=item, report=report)  # the rules first
    checked = evidence_check(list(files))
    if requested == Status.COMPLETED and not checked:
        raise ValidationError(
            {"evidence": _("A completion request needs at least one evidence file.")},
            code="no_evidence",
        )
    with transaction.atomic():
        locked = services._lock_item(item.pk)
        if requested:
            services.validate_status_report(item=locked, report=report)
            kept = {"status": locked.status}
            if locked.status == Status.COMPLETED:
                kept["progress"] = (
                    locked.progress
                )  # stays completed until the reopening is confirmed
            report = dataclasses.replace(report, **kept)
        update = services.status_report_submit(
            item=locked, user=user, report=report, expected_version=expected_version
        )
        corrected = returned_to_correct(item=locked, user=user)
        if corrected is not None and corrected.pk != update.pk:
            tracked_save(
                update,
                user=user,
                reason=gettext_noop("Corrected report"),
                fields={"corrects": corrected},
            )
        review_requests_plan(update)
        request = None
        if requested:
            request = completion_request_create(
                item=locked, user=user, requested_status=requested, status_update=update
            )
        for one in checked:
            evidence_store(
                item=locked,
                user=user,
                checked=one,
                status_update=update,
                completion_request=request,
            )
        if request is not None:  # with its evidence, as the API shows it
            event_record(type="completion.requested", obj=request)
    for field in item._meta.concrete_fields:
        setattr(item, field.attname, getattr(locked, field.attname))
    return update
