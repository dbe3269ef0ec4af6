"""Demo accounts for `make run`. Refused unless DEBUG or CHENGYI_DEMO is on."""

import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError

from cooperation.choices import Role
from cooperation.models import Membership, Organization, Profile

DEMO_ACCOUNTS = [
    # username, name, organisation code, role, superuser
    ("admin", "系统管理员", None, None, True),
    ("cd_coordinator", "张明", "cdig", Role.COORDINATOR, False),
    (
        "yb_coordinator",
        "李静",
        "yibin-lingang-etdz",
        Role.COORDINATOR,
        False,
    ),
    ("supervisor", "王建国", "chengdu-gov", Role.SUPERVISOR, False),
    ("leader", "陈立", "yibin-gov", Role.LEADER, False),
]


class Command(BaseCommand):
    help = "Create the demo accounts (admin, cd_coordinator, yb_coordinator, supervisor, leader)."

    def handle(self, *args, **options):
        if not (settings.DEBUG or settings.DEMO_MODE):
            raise CommandError(
                "Demo accounts are never created under production settings "
                "(set DJANGO_DEBUG=1 or CHENGYI_DEMO=1 on a development machine)."
            )
        password = os.environ.get("DEMO_PASSWORD", "chengyi-demo")
        User = get_user_model()
        view_reports = Permission.objects.get(
            codename="view_reports", content_type__app_label="cooperation"
        )
        for username, name, org_code, role, superuser in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": name,
                    "email": f"{username}@chengyi.example",
                    "is_staff": superuser,
                    "is_superuser": superuser,
                },
            )
            if created:
                user.set_password(password)
                user.save(update_fields=["password"])
            Profile.objects.get_or_create(user=user)
            if org_code:
                organization = Organization.objects.get(code=org_code)
                Membership.objects.get_or_create(
                    user=user, organization=organization, defaults={"role": role}
                )
            if username == "leader":
                user.user_permissions.add(view_reports)
            state = "created" if created else "kept"
            self.stdout.write(f"{username:15} {state}")
        self.stdout.write(self.style.SUCCESS(f"Demo password: {password}"))
