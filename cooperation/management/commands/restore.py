"""`manage.py restore PATH`: load a backup into a new, migrated, empty database."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cooperation.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` into an empty, migrated database."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the backup .zip")

    def handle(self, *args, path, **options):
        try:
            manifest = backup_restore(path=Path(path))
        except (BackupError, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from exc
        total = sum(manifest["counts"].values())
        self.stdout.write(f"Restored {total} rows from the backup of {manifest['created_at']}")
