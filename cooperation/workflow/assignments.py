"""交办 / 签收: each lead organisation of an item acknowledges it within
CHENGYI_ACK_WORKING_DAYS working days (mainland calendar, 调休 included); a missed
acknowledgement gets one reminder per coordinator, through the outbox.

Items get leads in many ways (fixture load, admin, a meeting decision, import): rather than
hook each, ``assignments_sync_all`` (run with the reminder planner) finds every lead without
an acknowledgement row and writes it; ``assignment_sync`` does one item at once.
"""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cooperation.choices import Channel, NoticeKind, ReminderKind, Role
from cooperation.meetings.workdays import add_working_days
from cooperation.models import Acknowledgement, CooperationItem, Membership, Reminder
from cooperation.services import system_user, tracked_save

from . import rules
from .notify import notify
from .preferences import preference_of


def acknowledgement_due(assigned: datetime.date) -> datetime.date:
    return add_working_days(assigned, settings.CHENGYI_ACK_WORKING_DAYS)


def coordinators_of(org_id: int):
    return [
        m.user
        for m in Membership.objects.filter(
            organization_id=org_id, role=Role.COORDINATOR, user__is_active=True
        ).select_related("user", "user__profile")
    ]


def assignment_sync(*, item: CooperationItem, user=None, now=None) -> list[Acknowledgement]:
    """Write an acknowledgement row for each current lead; retire rows of former leads.

    Returns the rows created (their coordinators are asked to acknowledge).
    """
    now = now or timezone.now()
    user = user or system_user()
    leads = rules.lead_ids(item)
    created = []
    with transaction.atomic():
        existing = {a.organization_id: a for a in item.acknowledgements.select_for_update()}
        for city, org_id in leads.items():
            row = existing.get(org_id)
            if row is None:
                row = Acknowledgement(
                    item=item,
                    organization_id=org_id,
                    city=city,
                    assigned_at=now,
                    due_date=acknowledgement_due(timezone.localdate(now)),
                )
                try:
                    with transaction.atomic():
                        tracked_save(row, user=user, reason=gettext_noop("Assigned to the lead"))
                except IntegrityError:
                    continue  # written by a concurrent sync
                except ValidationError:
                    # full_clean saw the row: a concurrent sync (two beats, two workers)
                    # committed it after this one read the item's rows. Anything else is an
                    # error.
                    taken = Acknowledgement.objects.filter(item=item, organization_id=org_id)
                    if taken.exists():
                        continue
                    raise
                created.append(row)
            elif not row.active:
                fields = {"active": True, "city": city}
                if row.acknowledged_at is None:
                    fields.update(assigned_at=now, due_date=acknowledgement_due(now.date()))
                tracked_save(row, user=user, reason=gettext_noop("Assigned again"), fields=fields)
        for org_id, row in existing.items():
            if row.active and org_id not in leads.values():
                tracked_save(
                    row, user=user, reason=gettext_noop("No longer lead"), fields={"active": False}
                )
        for row in created:
            _ask(row)  # in the transaction: told only if it happened
    return created


def _ask(row: Acknowledgement) -> None:
    for person in coordinators_of(row.organization_id):
        notify(
            user=person,
            kind=NoticeKind.ACKNOWLEDGEMENT,
            key=f"assigned:{row.pk}",
            item=row.item,
            title=gettext_noop("Assigned to you: %(item)s"),
            body=gettext_noop(
                "%(organization)s is a lead of %(item)s. Please acknowledge it by %(due)s."
            ),
            url=row.get_absolute_url(),
            params={"item": row.item, "organization": row.organization, "due": row.due_date},
        )


def _missing_leads() -> Q:
    def missing(field):
        has_row = Acknowledgement.objects.filter(
            item=OuterRef("pk"), organization=OuterRef(field), active=True
        )
        return Q(**{f"{field}__isnull": False}) & ~Exists(has_row)

    # A lead that is NULL must not hide a retired row (``x <> NULL`` is never true).
    retired = (
        Acknowledgement.objects.filter(item=OuterRef("pk"), active=True)
        .exclude(organization=Coalesce(OuterRef("chengdu_lead"), Value(0)))
        .exclude(organization=Coalesce(OuterRef("yibin_lead"), Value(0)))
    )
    return missing("chengdu_lead") | missing("yibin_lead") | Exists(retired)


def assignments_sync_all(*, now=None) -> int:
    """Bring every item's acknowledgement rows in line with its leads; returns rows created."""
    created = 0
    for item in CooperationItem.objects.filter(_missing_leads()).select_related(
        "chengdu_lead", "yibin_lead"
    ):
        created += len(assignment_sync(item=item, now=now))
    return created


def acknowledgement_acknowledge(*, acknowledgement: Acknowledgement, user) -> Acknowledgement:
    """签收: a coordinator of the lead organisation takes the item on."""
    with transaction.atomic():
        row = Acknowledgement.objects.select_for_update().get(pk=acknowledgement.pk)
        if not rules.may_acknowledge(user, row):
            raise PermissionDenied(
                _("Only a coordinator of this lead organisation can acknowledge.")
            )
        if row.acknowledged_at is not None:
            raise ValidationError(_("This item was already acknowledged."), code="acknowledged")
        tracked_save(
            row,
            user=user,
            reason=gettext_noop("Acknowledgement received"),
            fields={"acknowledged_at": timezone.now(), "acknowledged_by": user},
        )
    return row


def acknowledgement_reminders_plan(*, now=None) -> int:
    """One reminder per coordinator of each missed acknowledgement (exactly once: the key)."""
    now = now or timezone.now()
    rows = 0
    user = system_user()
    missed = Acknowledgement.objects.missed(timezone.localdate(now)).select_related("item")
    for ack in missed:
        for person in coordinators_of(ack.organization_id):
            if not preference_of(person).by_email:
                continue
            reminder = Reminder(
                key=f"{ReminderKind.ACKNOWLEDGEMENT_DUE}:{ack.pk}:u{person.pk}",
                kind=ReminderKind.ACKNOWLEDGEMENT_DUE,
                channel=Channel.EMAIL,
                item=ack.item,
                recipient=person,
                due_at=now,
                context={"acknowledgement": ack.pk},
            )
            reminder._history_user = user
            reminder._change_reason = "Acknowledgement overdue"
            try:
                with transaction.atomic():
                    reminder.save()
            except IntegrityError:
                continue  # planned before: exactly once
            rows += 1
    return rows


def acknowledgements_for_item(item: CooperationItem) -> list[Acknowledgement]:
    return list(
        item.acknowledgements.filter(active=True).select_related("organization", "acknowledged_by")
    )
