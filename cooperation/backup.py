"""Backup and restore of all the tracker's data as one portable zip (JSON inside).

Everything a person entered or the system recorded is in it, times to the microsecond:
organisations, items, reports, meetings, reminders, every history table, users with their
password hashes, groups and permissions, the admin log and the sign-in audit (django-axes).
Left out: content types and permissions (``migrate`` recreates them; references to them are
written as natural keys) and sessions (a restore signs everyone out). The same file restores
into PostgreSQL or SQLite.

A backup holds password hashes, live calendar tokens and the sign-in audit, so it is written
readable by its owner only (0600, in a folder created 0700), whatever the umask; with
CHENGYI_BACKUP_PASSPHRASE set it is also encrypted (Fernet from ``cryptography``: AES-128-CBC
with HMAC-SHA256, the key derived from the passphrase with scrypt and a random salt), and
``restore`` needs the same passphrase.
"""

import base64
import datetime
import io
import json
import os
import tempfile
import zipfile
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.apps import apps
from django.conf import settings
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
    # The dashboard summary is derived from the items and counted again after a restore (no
    # state row: the first reader or a worker recounts); loading rows fires its triggers,
    # which write change rows of their own.
    "cooperation.dashboardchange",
    "cooperation.dashboardstate",
    "cooperation.dashboarditem",
    "cooperation.dashboardcell",
]


# An encrypted backup: this line, a 16-byte salt, then the Fernet token of the zip.
ENCRYPTED_MAGIC = b"CHENGYI-BACKUP-FERNET-1\n"
SALT_BYTES = 16


class BackupError(Exception):
    pass


def _fernet(passphrase: str, salt: bytes) -> Fernet:
    key = Scrypt(salt=salt, length=32, n=2**15, r=8, p=1).derive(passphrase.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _passphrase() -> str:
    return settings.CHENGYI_BACKUP_PASSPHRASE


def private_folder(folder: Path) -> None:
    """Create ``folder`` (and missing parents) for the owner only (0700), whatever the umask."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)


def _write_private(path: Path, content: bytes) -> None:
    """Write ``path`` readable and writable by its owner only (0600), whatever the umask: the
    bytes go to a 0600 temporary file beside it, which then takes its name."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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


def backup_write(*, path: Path, passphrase: str | None = None) -> dict:
    """Write the backup to ``path`` (0600; encrypted when a passphrase is given or set in
    CHENGYI_BACKUP_PASSPHRASE); returns its manifest."""
    passphrase = _passphrase() if passphrase is None else passphrase
    if not path.parent.exists():
        private_folder(path.parent)
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
        packed = io.BytesIO()
        with zipfile.ZipFile(packed, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("manifest.json", json.dumps(manifest, indent=1, ensure_ascii=False))
            archive.write(data, DATA)
    content = packed.getvalue()
    if passphrase:
        salt = os.urandom(SALT_BYTES)
        content = ENCRYPTED_MAGIC + salt + _fernet(passphrase, salt).encrypt(content)
    _write_private(path, content)
    return manifest


def _open_backup(path: Path, passphrase: str) -> zipfile.ZipFile:
    """The backup's zip, decrypted first when it is encrypted."""
    content = path.read_bytes()
    if content.startswith(ENCRYPTED_MAGIC):
        if not passphrase:
            raise BackupError("this backup is encrypted: set CHENGYI_BACKUP_PASSPHRASE")
        salt = content[len(ENCRYPTED_MAGIC) : len(ENCRYPTED_MAGIC) + SALT_BYTES]
        token = content[len(ENCRYPTED_MAGIC) + SALT_BYTES :]
        try:
            content = _fernet(passphrase, salt).decrypt(token)
        except InvalidToken as exc:
            raise BackupError("wrong passphrase, or the backup file is damaged") from exc
    try:
        return zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile as exc:
        raise BackupError("not a Chengyi Tracker backup: not a zip file") from exc


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


def backup_restore(*, path: Path, passphrase: str | None = None) -> dict:
    """Load the backup at ``path`` into this (empty, migrated) database; all or nothing."""
    passphrase = _passphrase() if passphrase is None else passphrase
    with _open_backup(path, passphrase) as archive, tempfile.TemporaryDirectory() as tmp:
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
