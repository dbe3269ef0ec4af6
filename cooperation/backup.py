"""Backup and restore of all the tracker's data as one portable zip (JSON inside).

Everything a person entered or the system recorded is in it, times to the microsecond:
organisations, items, reports, meetings, reminders, every history table, users with their
password hashes, groups and permissions, the admin log and the sign-in audit (django-axes).
Left out: content types and permissions (``migrate`` recreates them; references to them are
written as natural keys) and sessions (a restore signs everyone out). The same file restores
into PostgreSQL or SQLite.
"""

import datetime
import json
import tempfile
import zipfile
from pathlib import Path

from django.apps import apps
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.test.utils import override_settings

FORMAT = 1
DATA = "data.chengyi"  # JSON; the extension names the serializer (cooperation/serializers.py)
EXCLUDED = [
    "contenttypes",
    "auth.permission",
    "sessions",
    "cooperation.signedinsession",
]


class BackupError(Exception):
    pass


def backed_up_models() -> list:
    excluded_apps = {e for e in EXCLUDED if "." not in e}
    excluded_models = {e for e in EXCLUDED if "." in e}
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label not in excluded_apps
        and model._meta.label_lower not in excluded_models
        and not model._meta.proxy
    ]


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in backed_up_models()}


def applied_migrations() -> list[list[str]]:
    return sorted([app, name] for app, name in MigrationRecorder(connection).applied_migrations())


def backup_write(*, path: Path) -> dict:
    """Write the backup to ``path``; returns its manifest."""
    path.parent.mkdir(parents=True, exist_ok=True)
    outermost = not connection.in_atomic_block
    with tempfile.TemporaryDirectory() as tmp, transaction.atomic():
        # One snapshot (REPEATABLE READ on PostgreSQL) so counts and data agree.
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        data = Path(tmp) / DATA
        call_command(
            "dumpdata",
            *[f"--exclude={label}" for label in EXCLUDED],
            format="chengyi",
            natural_foreign=True,
            output=str(data),
            verbosity=0,
        )
        manifest = {
            "format": FORMAT,
            "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "database": connection.vendor,
            "migrations": applied_migrations(),
            "counts": row_counts(),
        }
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("manifest.json", json.dumps(manifest, indent=1, ensure_ascii=False))
            archive.write(data, DATA)
    return manifest


def _read_manifest(archive: zipfile.ZipFile) -> dict:
    try:
        manifest = json.loads(archive.read("manifest.json"))
    except (KeyError, ValueError) as exc:
        raise BackupError("not a Chengyi Tracker backup: manifest.json missing") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    return manifest


def restore_check_target(manifest: dict) -> None:
    missing = {tuple(m) for m in manifest["migrations"]} - {tuple(m) for m in applied_migrations()}
    if missing:
        names = ", ".join(f"{app}.{name}" for app, name in sorted(missing))
        raise BackupError(f"run `manage.py migrate` first; not applied here: {names}")
    filled = {label: n for label, n in row_counts().items() if n}
    if filled:
        raise BackupError(
            "the database is not empty (" + ", ".join(f"{k}: {v}" for k, v in filled.items())
            + "); restore only into a new, migrated database"
        )  # fmt: skip


def backup_restore(*, path: Path) -> dict:
    """Load the backup at ``path`` into this (empty, migrated) database; all or nothing."""
    with zipfile.ZipFile(path) as archive, tempfile.TemporaryDirectory() as tmp:
        manifest = _read_manifest(archive)
        restore_check_target(manifest)
        data = Path(archive.extract(DATA, tmp))
        # Rows are loaded as they were: no new history rows for the load itself.
        with transaction.atomic(), override_settings(SIMPLE_HISTORY_ENABLED=False):
            call_command("loaddata", str(data), verbosity=0)
            counts = row_counts()
            if counts != manifest["counts"]:
                differ = {k: (manifest["counts"].get(k), v) for k, v in counts.items()
                          if manifest["counts"].get(k) != v}  # fmt: skip
                raise BackupError(f"row counts differ after loading (backup, here): {differ}")
    return manifest
