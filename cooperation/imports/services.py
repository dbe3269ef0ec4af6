"""Upload, dry run, confirm and apply an Excel ledger import.

Nothing touches an item before the user confirms the dry run. Applying reads the file again
and plans it again against the data as it is then: if the result is not what the user saw
(someone changed an item in between), nothing is applied and the new dry run is shown. Then
every row is applied in one transaction, or none; each change goes through the item
services with the importer as the history's user and the reason "Import".
"""

import hashlib
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cooperation.choices import ImportState
from cooperation.models import CooperationItem, ItemImport, Milestone
from cooperation.queue import enqueue
from cooperation.services import items_update_with_history, milestone_save, tracked_save

from . import plan as planning
from . import reader

logger = logging.getLogger("cooperation.imports")
REASON = gettext_noop("Import")
PROGRESS_EVERY = 200
BATCH = 500  # changed items per batch (one lock, UPDATE and history INSERT each)


class Progress:
    """Writes an import's progress over a connection of its own, so the page sees it while
    the import's transaction is still open."""

    def __init__(self, job: ItemImport):
        self.job = job
        self.connection = None

    def __call__(self, done: int) -> None:
        try:
            if self.connection is None:
                self.connection = connections.create_connection("default")
            with self.connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {ItemImport._meta.db_table} SET rows_done = %s WHERE id = %s",  # noqa: S608
                    [done, self.job.pk],
                )
        except DatabaseError:  # progress is a courtesy: the import goes on without it
            logger.warning("import progress not written", extra={"event": "import_progress"})

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def item_import_upload(*, user, filename: str, content: bytes) -> ItemImport:
    """Keep the file and start its dry run: here for a small file, by a task for a large one.

    ValidationError for a file too large or one that is no plain .xlsx workbook.
    """
    limit = settings.CHENGYI_IMPORT_MAX_MB * 1024 * 1024
    if len(content) > limit:
        raise ValidationError(
            _("The file is larger than %(mb)s MB.") % {"mb": settings.CHENGYI_IMPORT_MAX_MB},
            code="too_large",
        )
    try:
        reader.check_package(content, filename)
    except reader.WorkbookError as exc:
        raise ValidationError(str(exc), code="not_xlsx") from exc
    rows = reader.count_rows(content)
    job = ItemImport.objects.create(
        created_by=user,
        filename=filename[:255],
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        rows_total=rows,
    )
    if rows <= settings.CHENGYI_IMPORT_INLINE_ROWS:
        item_import_check(job=job)
    else:
        from cooperation.tasks import item_import_check_task

        enqueue(item_import_check_task, job.pk)
    return job


def _plan(job: ItemImport, progress=None) -> planning.Plan:
    workbook = reader.read(bytes(job.content), job.filename)
    return planning.make_plan(workbook, progress=progress)


def item_import_check(*, job: ItemImport) -> ItemImport:
    """The dry run: the preview of every row, stored on the import; nothing else written."""
    progress = Progress(job)
    try:
        plan = _plan(job, progress)
    except reader.WorkbookError as exc:
        return _failed(job, str(exc))
    except Exception:  # a damaged file openpyxl trips over: shown, never left "checking"
        logger.exception("import check failed", extra={"event": "import_failed", "id": job.pk})
        return _failed(job, _("This workbook cannot be read: save it again as .xlsx."))
    finally:
        progress.close()
    job.preview = plan.preview()
    job.rows_done = job.rows_total
    job.state = ImportState.CHECKED
    job.save(update_fields=["preview", "rows_done", "state"])
    return job


def can_apply(job: ItemImport) -> bool:
    preview = job.preview or {}
    counts = preview.get("counts", {})
    return (
        job.state == ImportState.CHECKED
        and not preview.get("errors")
        and (counts.get("create", 0) + counts.get("update", 0)) > 0
    )


def item_import_confirm(*, job: ItemImport, user) -> ItemImport:
    """The user saw the dry run and confirms: apply here (small) or by a task (large)."""
    with transaction.atomic():
        job = ItemImport.objects.select_for_update().get(pk=job.pk)
        if not can_apply(job):
            raise ValidationError(
                _("This import cannot be applied (already applied, or it has errors)."),
                code="not_ready",
            )
        counts = job.preview["counts"]
        job.state = ImportState.APPLYING
        job.rows_done, job.rows_total = 0, counts["create"] + counts["update"]
        job.failure = ""
        job.save(update_fields=["state", "rows_done", "rows_total", "failure"])
    if job.rows_total <= settings.CHENGYI_IMPORT_INLINE_ROWS:
        return item_import_apply(job=job, user=user)
    from cooperation.tasks import item_import_apply_task

    enqueue(item_import_apply_task, job.pk, user.pk)
    return job


def item_import_apply(*, job: ItemImport, user) -> ItemImport:
    """Plan again, compare with what was confirmed, apply every row or none."""
    progress = Progress(job)
    try:
        try:
            plan = _plan(job)
        except reader.WorkbookError as exc:
            return _failed(job, str(exc))
        preview = plan.preview()
        if preview != job.preview:
            job.preview, job.state = preview, ImportState.CHECKED
            job.failure = _(
                "The items changed after the dry run: check the new dry run, then confirm again."
            )
            job.save(update_fields=["preview", "state", "failure"])
            return job
        try:
            with transaction.atomic():
                _apply(plan, user=user, progress=progress)
                job.state, job.applied_at, job.failure = ImportState.APPLIED, timezone.now(), ""
                job.rows_done = job.rows_total
                job.save(update_fields=["state", "applied_at", "failure", "rows_done"])
        except ValidationError as exc:
            return _failed(job, "; ".join(exc.messages))
        except IntegrityError as exc:  # a rule the database enforces: nothing was applied
            logger.warning("import refused by the database", extra={"event": "import_failed"})
            return _failed(
                job,
                _("The database refused a row, nothing was imported: %(error)s")
                % {"error": str(exc).splitlines()[0]},
            )
        return job
    finally:
        progress.close()


def _failed(job: ItemImport, message: str) -> ItemImport:
    job.state, job.failure = ImportState.FAILED, message
    job.save(update_fields=["state", "failure"])
    return job


def _ordered(rows):
    """New items after their new parents."""
    created = {row.code: row for row in rows if row.action == planning.CREATE}
    done, ordered = set(), []

    def visit(row, depth=0):
        if row.code in done or depth > len(created):
            return
        parent = row.values.get("parent")
        if parent in created:
            visit(created[parent], depth + 1)
        done.add(row.code)
        ordered.append(row)

    for row in rows:
        if row.action != planning.UNCHANGED:
            visit(row)
    return ordered


def _fields(row, ids: dict) -> tuple[dict, set | None]:
    """The row's values as model attributes, and its co-owners (None: not in the file)."""
    values = dict(row.values)
    co_owners = values.pop("co_owners", None)
    if "parent" in values:
        parent = values.pop("parent")
        values["parent_id"] = ids.get(parent) or (
            CooperationItem.objects.only("pk").get(code=parent).pk if parent else None
        )
    fields = {
        (f"{name}_id" if name in ("agreement", "chengdu_lead", "yibin_lead") else name): value
        for name, value in values.items()
    }
    return fields, co_owners


def _apply(plan: planning.Plan, *, user, progress) -> None:
    """New items one by one (parents first), changed items in batches, then co-owners and
    milestones; the caller holds the transaction."""
    ids = {code: item.pk for code, item in plan.lookups.items.items()}
    done = 0
    ordered = _ordered(plan.items)
    owners: list[tuple[int, set]] = []
    for row in [row for row in ordered if row.action == planning.CREATE]:
        fields, co_owners = _fields(row, ids)
        item = CooperationItem(code=row.code)
        tracked_save(item, user=user, reason=REASON, fields=fields)
        ids[row.code] = item.pk
        if co_owners:
            owners.append((item.pk, co_owners))
        done += 1
        if done % PROGRESS_EVERY == 0:
            progress(done)
    updates = [row for row in ordered if row.action == planning.UPDATE]
    for start in range(0, len(updates), BATCH):
        changes = {}
        for row in updates[start : start + BATCH]:
            fields, co_owners = _fields(row, ids)
            changes[ids[row.code]] = fields
            if co_owners is not None:
                owners.append((ids[row.code], co_owners))
        items_update_with_history(changes=changes, user=user, reason=REASON)
        done += len(changes)
        progress(done)
    for item in CooperationItem.objects.filter(pk__in=[pk for pk, _o in owners]):
        wanted = dict(owners)[item.pk]
        if {org.pk for org in item.co_owners.all()} != wanted:
            item._history_user = user
            item._change_reason = REASON
            item.co_owners.set(wanted)
    for row in plan.milestones:
        if row.action == planning.UNCHANGED:
            continue
        if row.pk is None:
            item_id = ids.get(row.item_code) or CooperationItem.objects.get(code=row.item_code).pk
            milestone = Milestone(item_id=item_id, title_zh=row.title_zh)
        else:
            milestone = Milestone.objects.get(pk=row.pk)
        milestone_save(milestone=milestone, user=user, fields=row.values, reason=REASON)
        done += 1
        if done % PROGRESS_EVERY == 0:
            progress(done)
