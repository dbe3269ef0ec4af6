"""办结 / 销号: completing, cancelling or reopening an item is a request that takes effect only
when confirmed, by the other city's lead coordinator(s) or by a supervisor.

Until then the item keeps its status (the figures count it as not completed) and shows
办结待确认. A refusal needs a reason and leaves the item as it was. Confirming applies the
change through ``item_update`` (transition table, version, history with the acting user), and
refuses a page opened before the item last changed.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cooperation import services
from cooperation.choices import CompletionState, NoticeKind, Role, Status
from cooperation.models import (
    CompletionConfirmation,
    CompletionRequest,
    CooperationItem,
    Membership,
)
from cooperation.permissions import is_supervisor
from cooperation.services import tracked_save
from cooperation.webhooks.events import event_record

from . import rules
from .assignments import coordinators_of
from .notify import notify

REASON_MAX_LENGTH = 2000


def needs_confirmation(current: str, new: str) -> bool:
    """Whether going from ``current`` to ``new`` is a request rather than a change."""
    return new != current and (
        new in (Status.COMPLETED, Status.CANCELLED) or current == Status.COMPLETED
    )


def _required_cities(item: CooperationItem, user) -> list[str]:
    if is_supervisor(user):
        return sorted(rules.lead_ids(item))
    return sorted(set(rules.lead_ids(item)) - rules.lead_cities_of(user, item))


def completion_request_create(
    *, item: CooperationItem, user, requested_status: str, status_update=None, reason: str = ""
) -> CompletionRequest:
    """Ask for ``requested_status``; call inside the transaction that writes the report."""
    if not needs_confirmation(item.status, requested_status):
        raise ValidationError({"status": _("This change needs no confirmation.")}, code="direct")
    request = CompletionRequest(
        item=item,
        status_update=status_update,
        requested_status=requested_status,
        previous_status=item.status,
        reason=reason.strip()[:REASON_MAX_LENGTH],
        requested_by=user,
        required_cities=_required_cities(item, user),
    )
    try:
        with transaction.atomic():
            tracked_save(request, user=user, reason=gettext_noop("Completion requested"))
    except (IntegrityError, ValidationError) as error:
        if CompletionRequest.objects.filter(item=item, state=CompletionState.PENDING).exists():
            raise ValidationError(
                {"status": _("This item already has a request awaiting confirmation.")},
                code="pending",
            ) from error
        raise
    _ask(request)  # in the transaction: told only if it happened
    return request


def deciders(request: CompletionRequest) -> list:
    """Who is asked to confirm: the leads of the sides still to confirm, else supervisors."""
    leads = rules.lead_ids(request.item)
    people = []
    for city in request.required_cities:
        if city in leads:
            people.extend(coordinators_of(leads[city]))
    if not people:
        people = [
            m.user
            for m in Membership.objects.filter(role=Role.SUPERVISOR, user__is_active=True)
            .select_related("user", "user__profile")
            .distinct()
        ]
    seen, unique = set(), []
    for person in people:
        if person.pk not in seen and person.pk != request.requested_by_id:
            seen.add(person.pk)
            unique.append(person)
    return unique


def _ask(request: CompletionRequest) -> None:
    for person in deciders(request):
        notify(
            user=person,
            kind=NoticeKind.COMPLETION,
            key=f"completion:{request.pk}",
            item=request.item,
            title=gettext_noop("Please confirm: %(item)s → %(status)s"),
            body=gettext_noop("%(who)s asks to change %(item)s to “%(status)s”."),
            url=request.get_absolute_url(),
            params={
                "item": request.item.code,
                "status": Status(request.requested_status).label,
                "who": request.requested_by.get_full_name() or request.requested_by.username,
            },
        )


def _locked(request: CompletionRequest, expected_version: int | None):
    item = services._lock_item(request.item_id)
    row = CompletionRequest.objects.select_for_update().get(pk=request.pk)
    row.item = item
    if row.state != CompletionState.PENDING:
        raise ValidationError(
            _("This request was already decided (%(state)s).") % {"state": row.get_state_display()},
            code="decided",
        )
    if expected_version is not None and item.version != expected_version:
        raise services._stale_form_error(item)
    return item, row


def completion_confirm(
    *, request: CompletionRequest, user, expected_version: int | None = None
) -> CompletionRequest:
    """双方确认: one side (or a supervisor) confirms; the last confirmation applies it (销号)."""
    with transaction.atomic():
        item, row = _locked(request, expected_version)
        if not rules.may_decide(user, row):
            raise PermissionDenied(_("You may not confirm this request."))
        supervisor = is_supervisor(user)
        cities = rules.confirming_cities(user, row) or ({""} if supervisor else set())
        for city in sorted(cities):
            confirmation = CompletionConfirmation(
                request=row, city=city, organization_id=rules.lead_ids(item).get(city), user=user
            )
            tracked_save(confirmation, user=user, reason=gettext_noop("Completion confirmed"))
        remaining = set(row.required_cities) - {c.city for c in row.confirmations.all()}
        if remaining and not supervisor:
            return row
        _apply(item, row, user)
        _tell_requester(row, confirmed=True)  # in the transaction: told only if it happened
        event_record(type="completion.confirmed", obj=row)
    return row


def _apply(item: CooperationItem, row: CompletionRequest, user) -> None:
    fields = {"status": row.requested_status}
    if row.requested_status == Status.COMPLETED:
        open_milestones = item.milestones.filter(done_date__isnull=True)
        if open_milestones.exists():
            raise ValidationError(
                _("An item with open milestones cannot be completed: %(titles)s.")
                % {"titles": "、".join(m.title for m in open_milestones)},
                code="open_milestones",
            )
        fields["progress"] = 100
    services.item_update(
        item=item, user=user, reason=gettext_noop("Completion confirmed"), fields=fields
    )
    tracked_save(
        row,
        user=user,
        reason=gettext_noop("Completion confirmed"),
        fields={
            "state": CompletionState.CONFIRMED,
            "decided_by": user,
            "decided_at": timezone.now(),
        },
    )


def completion_refuse(
    *, request: CompletionRequest, user, reason: str, expected_version: int | None = None
) -> CompletionRequest:
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the request is refused.")}, code="no_reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {"reason": _("At most %(n)s characters.") % {"n": REASON_MAX_LENGTH}}, code="long"
        )
    with transaction.atomic():
        item, row = _locked(request, expected_version)
        if not rules.may_decide(user, row):
            raise PermissionDenied(_("You may not refuse this request."))
        tracked_save(
            row,
            user=user,
            reason=gettext_noop("Completion refused"),
            fields={
                "state": CompletionState.REFUSED,
                "decided_by": user,
                "decided_at": timezone.now(),
                "refusal_reason": reason,
            },
        )
        # The item's status never changed; a new version makes pages opened before stale.
        tracked_save(
            item,
            user=user,
            reason=gettext_noop("Completion refused"),
            fields={"version": item.version + 1},
        )
        _tell_requester(row, confirmed=False)  # in the transaction: told only if it happened
        event_record(type="completion.refused", obj=row)
    return row


def completion_withdraw(*, request: CompletionRequest, user) -> CompletionRequest:
    with transaction.atomic():
        _item, row = _locked(request, None)
        if row.requested_by_id != user.pk:
            raise PermissionDenied(_("Only the person who asked can withdraw the request."))
        tracked_save(
            row,
            user=user,
            reason=gettext_noop("Completion withdrawn"),
            fields={
                "state": CompletionState.WITHDRAWN,
                "decided_by": user,
                "decided_at": timezone.now(),
            },
        )
    return row


def _tell_requester(row: CompletionRequest, *, confirmed: bool) -> None:
    params = {"item": row.item.code, "status": Status(row.requested_status).label}
    if confirmed:
        title = gettext_noop("Confirmed: %(item)s is now “%(status)s”")
        body = ""
    else:
        title = gettext_noop("Refused: %(item)s → “%(status)s”")
        body = gettext_noop("Reason: %(reason)s")
        params["reason"] = row.refusal_reason
    notify(
        user=row.requested_by,
        kind=NoticeKind.COMPLETION,
        key=f"completion-decided:{row.pk}",
        item=row.item,
        title=title,
        body=body,
        url=row.get_absolute_url(),
        params=params,
    )


def pending_request(item: CooperationItem) -> CompletionRequest | None:
    """The item's request awaiting confirmation, as its page shows it (who asked, and the
    confirmations ``rules.may_decide`` reads; its evidence is on the request's own page)."""
    return (
        item.completion_requests.filter(state=CompletionState.PENDING)
        .select_related("requested_by")
        .prefetch_related("confirmations")
        .first()
    )
