"""Everything `make run` needs after migrate, safe to run again: the data is kept."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.test import override_settings
from django.utils.translation import gettext_noop

from cooperation.models import Agreement
from cooperation.reports.services import leaders_group_ensure
from cooperation.services import history_backfill, system_user


class Command(BaseCommand):
    help = "Load the agreement (first run only), record initial history, add demo accounts."

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="also create demo accounts")

    def handle(self, *args, demo=False, **options):
        system_user()
        leaders_group_ensure()
        if Agreement.objects.exists():
            self.stdout.write("Agreement already loaded: existing data kept.")
        else:
            with override_settings(SIMPLE_HISTORY_ENABLED=False):
                call_command("loaddata", "agreement", verbosity=1)
            # Fixture rows are saved raw, without history: give each its first history row.
            count = history_backfill(reason=gettext_noop("Loaded from the agreement fixture"))
            self.stdout.write(f"Recorded the first history row of {count} objects.")
        if demo or settings.DEMO_MODE:
            call_command("create_demo_accounts")
