"""Every write to tracked data. Views, tasks and commands call these; nothing else saves.

Each service is keyword-only, atomic, sets the acting user and a change reason on the
history row (stored in English, marked with ``gettext_noop``, translated when shown), and saves only
the fields that changed, so a save that changes nothing adds no history row.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .choices import Health, Status, is_transition_allowed
from .models import CooperationItem, Membership, Milestone, Profile, StatusUpdate
from .models.base import joined
from .webhooks.events import event_record

User = get_user_model()


def system_user():
    """The named user that commands and tasks act as in the history."""
    user, _created = User.objects.get_or_create(
        username=settings.CHENGYI_SYSTEM_USERNAME,
        defaults={"is_active": False, "first_name": "System", "last_name": "成宜"},
    )
    return user


def tracked_save(instance, *, user, reason: str, fields: dict | None = None) -> list[str]:
    """Apply ``fields`` to ``instance`` and save only what changed, with history attribution.

    Returns the names of the fields that changed; saves nothing when that list is empty.
    """
    changed = []
    for name, value in (fields or {}).items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    if instance.pk is not None and not changed:
        return []
    instance._history_user = user or system_user()
    instance._change_reason = reason[:100]
    if instance.pk is None:
        instance.full_clean()
        instance.save()
    else:
        instance.full_clean(
            exclude=[f.name for f in instance._meta.fields if f.name not in changed]
        )
        update_fields = list(changed)
        if any(f.name == "updated_at" for f in instance._meta.fields):
            update_fields.append("updated_at")
        instance.save(update_fields=update_fields)
    return changed


def check_status_transition(*, current: str, new: str) -> None:
    """The one place that enforces the transition table in ``choices.py``."""
    if new not in Status.values:
        raise ValidationError({"status": _("Unknown status.")}, code="invalid_status")
    if not is_transition_allowed(current, new):
        raise ValidationError(
            {
                "status": _("The status cannot change from “%(current)s” to “%(new)s”.")
                % {"current": Status(current).label, "new": Status(new).label}
            },
            code="illegal_transition",
        )


def item_update(*, item: CooperationItem, user, reason: str, fields: dict) -> list[str]:
    """Change an item's fields; a status change goes through the transition table.

    Every change bumps ``version``, the token that forms use to detect a lost update. The
    item is re-read under a row lock, so the transition is checked against, and the version
    counted from, what is saved, not what ``item`` held when it was read.
    """
    with transaction.atomic():
        locked = _lock_item(item.pk)
        changed = {name: value for name, value in fields.items() if getattr(locked, name) != value}
        if not changed:
            return []
        if "status" in changed:
            check_status_transition(current=locked.status, new=changed["status"])
        tracked_save(
            locked, user=user, reason=reason, fields={**changed, "version": locked.version + 1}
        )
        event_record(type="item.changed", obj=locked)
    for field in item._meta.concrete_fields:  # the caller's copy is now what was saved
        setattr(item, field.attname, getattr(locked, field.attname))
    return list(changed)


def _lock_item(pk: int) -> CooperationItem:
    return CooperationItem.objects.select_for_update().get(pk=pk)


class StaleFormError(Exception):
    """The item changed after the form was opened."""

    def __init__(self, *, changed_by: str, changed_at: datetime.datetime, fields: list[str]):
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.fields = fields
        super().__init__(f"item changed by {changed_by} at {changed_at}")


@dataclass(frozen=True)
class StatusReport:
    status: str
    health: str
    progress: int
    narrative: str = ""
    risks: str = ""
    next_steps: str = ""
    milestones_done: tuple[int, ...] = ()


def _stale_form_error(item: CooperationItem) -> StaleFormError:
    """Who changed the item last, when, and which fields: from its history and reports."""
    latest = item.history.select_related("history_user").order_by("-history_date").first()
    report = item.status_updates.select_related("author").order_by("-reported_at").first()
    fields: list[str] = []
    if report is not None and (latest is None or report.reported_at >= latest.history_date):
        author, when = report.author, report.reported_at
    elif latest is not None:
        author, when = latest.history_user, latest.history_date
        if latest.prev_record is not None:
            fields = [c.field for c in latest.diff_against(latest.prev_record).changes]
    else:
        author, when = None, item.updated_at
    who = (author.get_full_name() or author.username) if author else _("unknown")
    return StaleFormError(changed_by=who, changed_at=when, fields=fields)


def validate_status_report(*, item: CooperationItem, report: StatusReport) -> None:
    if item.status == Status.CANCELLED:
        raise ValidationError(
            _("This item was cancelled: it takes no more status reports."), code="cancelled"
        )
    errors: dict[str, list[str]] = {}
    try:
        check_status_transition(current=item.status, new=report.status)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not 0 <= report.progress <= 100:
        errors.setdefault("progress", []).append(_("Progress must be between 0 and 100."))
    if report.status == Status.COMPLETED:
        if report.progress != 100:
            errors.setdefault("progress", []).append(_("A completed item must have progress 100."))
        open_milestones = item.milestones.filter(done_date__isnull=True).exclude(
            pk__in=report.milestones_done
        )
        if open_milestones.exists():
            errors.setdefault("status", []).append(
                _("An item with open milestones cannot be completed: %(titles)s.")
                % {"titles": joined(m.title for m in open_milestones)}
            )
    if report.health in (Health.AT_RISK, Health.OFF_TRACK) and not report.narrative.strip():
        errors.setdefault("narrative", []).append(
            _("Explain the situation when the item is at risk or off track.")
        )
    if errors:
        raise ValidationError(errors)


def status_report_submit(
    *, item: CooperationItem, user, report: StatusReport, expected_version: int | None = None
) -> StatusUpdate:
    """One coordinator's report: writes a StatusUpdate, updates the item, marks milestones.

    All or nothing, in one transaction; refuses with StaleFormError when the item changed
    since ``expected_version`` (the version the form was opened at).
    """
    with transaction.atomic():
        item = CooperationItem.objects.select_for_update().get(pk=item.pk)
        if expected_version is not None and item.version != expected_version:
            raise _stale_form_error(item)
        validate_status_report(item=item, report=report)
        now = timezone.now()
        membership = (
            Membership.objects.filter(user=user, organization__in=item.owner_organization_ids())
            .select_related("organization")
            .first()
        ) or Membership.objects.filter(user=user).first()
        update = StatusUpdate(
            item=item,
            author=user,
            organization=membership.organization if membership else None,
            status=report.status,
            health=report.health,
            progress=report.progress,
            narrative=report.narrative.strip(),
            risks=report.risks.strip(),
            next_steps=report.next_steps.strip(),
            reported_at=now,
        )
        tracked_save(update, user=user, reason=gettext_noop("Status report"))
        for milestone in item.milestones.filter(pk__in=report.milestones_done, done_date=None):
            tracked_save(
                milestone,
                user=user,
                reason=gettext_noop("Marked done in a status report"),
                fields={"done_date": timezone.localdate(now)},
            )
        fields = {"status": report.status, "health": report.health, "progress": report.progress}
        if report.status == Status.IN_PROGRESS and item.start_date is None:
            fields["start_date"] = timezone.localdate(now)
        if not item_update(
            item=item, user=user, reason=gettext_noop("Status report"), fields=fields
        ):
            # An unchanged report still makes any form opened before it stale.
            tracked_save(
                item,
                user=user,
                reason=gettext_noop("Status report"),
                fields={"version": item.version + 1},
            )
        event_record(type="report.submitted", obj=update)
    return update


def _check_milestone(item: CooperationItem, done_date) -> None:
    """A completed item has no open milestone (status reports check the other direction)."""
    if item.status == Status.COMPLETED and done_date is None:
        raise ValidationError(
            {
                "done_date": _(
                    "The item is completed, so every milestone needs a done date. Reopen the "
                    "item with a status report first."
                )
            },
            code="completed_item",
        )


def milestone_save(*, milestone: Milestone, user, fields: dict, reason: str = "") -> Milestone:
    """Add or edit a milestone under the item's row lock (as ``status_report_submit`` takes)."""
    with transaction.atomic():
        item = _lock_item(milestone.item_id)
        _check_milestone(item, fields.get("done_date", milestone.done_date))
        tracked_save(
            milestone, user=user, reason=reason or gettext_noop("Milestone edited"), fields=fields
        )
    return milestone


def milestone_delete(*, milestone: Milestone, user) -> None:
    with transaction.atomic():
        _lock_item(milestone.item_id)
        milestone._history_user = user
        milestone._change_reason = gettext_noop("Milestone deleted")
        milestone.delete()


def profile_set_language(*, user, language: str) -> Profile:
    """Save ``user``'s interface language (e-mails and later sign-ins follow it)."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Unknown language.")}, code="invalid_language")
    with transaction.atomic():
        profile, _created = Profile.objects.select_for_update().get_or_create(user=user)
        if profile.language != language:
            profile.language = language
            profile.save(update_fields=["language"])
    return profile


def history_backfill(*, reason: str, user=None) -> int:
    """Give every tracked object without history its first row (after a raw fixture load)."""
    from django.apps import apps
    from simple_history.utils import get_history_manager_for_model

    user = user or system_user()
    created = 0
    for model in apps.get_app_config("cooperation").get_models():
        if not hasattr(model._meta, "simple_history_manager_attribute"):
            continue
        manager = get_history_manager_for_model(model)
        recorded = set(manager.values_list(model._meta.pk.attname, flat=True).distinct())
        missing = [obj for obj in model.objects.order_by("pk") if obj.pk not in recorded]
        if missing:
            rows = manager.bulk_history_create(
                missing, batch_size=500, default_user=user, default_change_reason=reason
            )
            _backfill_m2m_history(rows)
            created += len(missing)
    return created


def _backfill_m2m_history(rows) -> None:
    """Record the many-to-many values (e.g. co-owners) of freshly backfilled history rows.

    Without them the first real change would show every co-owner as newly added.
    """
    from simple_history.utils import get_m2m_field_name

    rows = list(rows or [])
    if not rows:
        return
    for field in rows[0]._history_m2m_fields:
        history_model = getattr(rows[0], field.name).model
        through = field.remote_field.through
        source_name = get_m2m_field_name(field)
        names = [f.name for f in through._meta.fields]
        links: dict[int, list] = {}
        for link in through.objects.filter(**{f"{source_name}__in": [row.id for row in rows]}):
            links.setdefault(getattr(link, f"{source_name}_id"), []).append(link)
        history_model.objects.bulk_create(
            [
                history_model(history=row, **{name: getattr(link, name) for name in names})
                for row in rows
                for link in links.get(row.id, [])
            ]
        )


def items_update_with_history(*, changes: dict[int, dict], user, reason: str) -> list[int]:
    """Change the fields of many items at once (an import): ``changes`` is {item id: {field
    attname: value}}; returns the ids of the items that changed.

    The same rules as ``item_update`` for fields other than status (which only
    ``item_update`` changes): under row locks, validated, ``version`` bumped, one history row
    per changed item with ``user`` and ``reason``, co-owners recorded with it. In statements
    of 500 rows instead of eight statements an item.
    """
    if any("status" in fields for fields in changes.values()):
        raise ValueError("status changes go through item_update")
    user = user or system_user()
    with transaction.atomic():
        locked = CooperationItem.objects.select_for_update().filter(pk__in=list(changes))
        rows, names = [], set()
        for item in locked.order_by("pk"):
            diff = {n: v for n, v in changes[item.pk].items() if getattr(item, n) != v}
            if not diff:
                continue
            for name, value in diff.items():
                setattr(item, name, value)
            item.full_clean(
                exclude=[f.name for f in item._meta.fields if f.attname not in diff],
                validate_unique="code" in diff,
            )
            item.version += 1
            rows.append(item)
            names |= set(diff)
        if not rows:
            return []
        now = timezone.now()
        for item in rows:
            item.updated_at = now
        _bulk_set(rows, [*sorted(names), "version", "updated_at"])
        history = CooperationItem.history.bulk_history_create(
            rows, batch_size=500, default_user=user, default_change_reason=reason[:100]
        )
        _backfill_m2m_history(history)
    return [item.pk for item in rows]


def _bulk_set(rows: list, attnames: list[str]) -> None:
    """Write ``attnames`` of ``rows`` (already validated) in one UPDATE per 500 rows.

    On PostgreSQL one ``UPDATE … FROM unnest(arrays)``: ``bulk_update``'s CASE WHEN per row
    and column costs ~5 ms of Python a row. Elsewhere ``bulk_update``.
    """
    from django.db import connection

    model = type(rows[0])
    if connection.vendor != "postgresql":
        model.objects.bulk_update(rows, attnames, batch_size=500)
        return
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    fields = [by_attname[name] for name in attnames]
    quote = connection.ops.quote_name
    columns = ", ".join(f"{quote(f.column)} = v.c{i}" for i, f in enumerate(fields))
    arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)
    names = ", ".join(f"c{i}" for i in range(len(fields)))
    pk = model._meta.pk
    # Only table and column names and types from the model are formatted in.
    sql = (
        f"UPDATE {quote(model._meta.db_table)} AS t SET {columns} "  # noqa: S608
        f"FROM unnest(%s::{pk.db_type(connection)}[], {arrays}) AS v(pk, {names}) "
        f"WHERE t.{quote(pk.column)} = v.pk"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 500):
            chunk = rows[start : start + 500]
            params = [[row.pk for row in chunk]]
            params += [
                [f.get_db_prep_value(getattr(row, f.attname), connection) for row in chunk]
                for f in fields
            ]
            cursor.execute(sql, params)
