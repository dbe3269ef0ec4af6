"""`manage.py backup [PATH]`: all the tracker's data in one portable zip."""

import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from cooperation.backup import backup_write, private_folder


class Command(BaseCommand):
    help = "Write a backup of all data (JSON in a zip) to PATH (default: var/backups/...)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="where to write the .zip")

    def handle(self, *args, path=None, **options):
        if path is None:
            stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
            folder = Path(settings.BASE_DIR) / "var" / "backups"
            private_folder(folder)  # 0700 even when it existed (or came from a volume)
            path = folder / f"chengyi-{stamp}.zip"
        manifest = backup_write(path=Path(path))
        total = sum(manifest["counts"].values())
        how = "encrypted, " if settings.CHENGYI_BACKUP_PASSPHRASE else ""
        self.stdout.write(
            f"Backed up {total} rows of {len(manifest['counts'])} tables to {path} "
            f"({how}readable by its owner only)"
        )
