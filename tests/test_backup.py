"""Backup and restore: a backup restored into an empty database gives every table back."""

import subprocess
import sys

import psycopg
import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.db import connection

from cooperation.choices import Health, Status
from cooperation.models import CooperationItem, Notification
from cooperation.reports.dashboard import dashboard_figures
from cooperation.services import StatusReport, item_update, status_report_submit
from tests.services import ROOT, app_env

# Not in a backup, on purpose: sessions (a restore signs everyone out) and the index of them.
# Sessions are not backed up; the dashboard summary is derived and counted again after a restore
# (checked at the end of the restore test).
NOT_BACKED_UP = {
    "django_session",
    "cooperation_signedinsession",
    *(f"cooperation_dashboard{name}" for name in ("change", "state", "item", "cell")),
}


def admin_dsn(name: str) -> str:
    s = connection.settings_dict
    return f"host={s['HOST']} port={s['PORT']} user={s['USER']} dbname={name}"


@pytest.fixture
def empty_database():
    name = connection.settings_dict["NAME"] + "_restore"
    with psycopg.connect(admin_dsn("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    s = connection.settings_dict
    yield name, f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{name}"
    with psycopg.connect(admin_dsn("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(*args, database_url):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=app_env(DATABASE_URL=database_url),
        capture_output=True,
        text=True,
    )


def fill_with_everything(make_user, superuser):
    cd = make_user("cd", org="cdig", first_name="明", last_name="张")
    item = CooperationItem.objects.get(code="KP-1")
    status_report_submit(
        item=item,
        user=cd,
        report=StatusReport(
            status=Status.IN_PROGRESS,
            health=Health.AT_RISK,
            progress=35,
            narrative="用地报批延迟 <script>alert(1)</script> \u202e",
        ),
    )
    item_update(item=item, user=superuser, reason="督办", fields={"progress": 40})
    group = Group.objects.create(name="督办组")
    group.permissions.add(Permission.objects.get(codename="view_reports"))
    cd.groups.add(group)
    cd.user_permissions.add(Permission.objects.get(codename="change_cooperationitem"))
    Notification.objects.create(user=cd, title="请报送进展", body="KP-1")
    LogEntry.objects.log_actions(
        user_id=superuser.pk, queryset=[item], action_flag=CHANGE, change_message="edited"
    )
    AccessAttempt.objects.create(
        username="cd", ip_address="10.0.0.66", user_agent="x", http_accept="*/*",
        path_info="/accounts/login/", get_data="", post_data="", failures_since_start=2,
    )  # fmt: skip


def natural_keys(cur) -> tuple[dict, dict]:
    cur.execute("SELECT id, app_label, model FROM django_content_type")
    content_types = {row[0]: (row[1], row[2]) for row in cur.fetchall()}
    cur.execute("SELECT id, content_type_id, codename FROM auth_permission")
    permissions = {row[0]: (content_types[row[1]], row[2]) for row in cur.fetchall()}
    return content_types, permissions


def auto_m2m_tables() -> set[str]:
    return {
        field.remote_field.through._meta.db_table
        for model in apps.get_models()
        for field in model._meta.local_many_to_many
        if field.remote_field.through._meta.auto_created
    }


def snapshot(dsn: str) -> dict:
    """Every table, row by row. Ids of content types and permissions are compared as natural
    keys (``migrate`` numbers those afresh in each database); so are the rows of automatic
    many-to-many tables, whose own ids nothing refers to (Django writes links, not rows)."""
    tables = {}
    link_tables = auto_m2m_tables()
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        content_types, permissions = natural_keys(cur)
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        for (table,) in cur.fetchall():
            if table in NOT_BACKED_UP:
                continue
            cur.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - names from the catalogue
            columns = [c.name for c in cur.description]
            rows = []
            for row in cur.fetchall():
                record = dict(zip(columns, row, strict=True))
                for column, value in record.items():
                    if column == "content_type_id" and value is not None:
                        record[column] = content_types[value]
                    elif column == "permission_id":
                        record[column] = permissions[value]
                if table == "django_migrations":
                    record = {"app": record["app"], "name": record["name"]}
                elif table in ("django_content_type", "auth_permission") or table in link_tables:
                    record.pop("id")
                if table == "auth_permission":
                    # migrate names permissions in the language it runs in; not in a backup.
                    record.pop("name")
                rows.append(record)
            tables[table] = sorted(rows, key=repr)
    return tables


@pytest.mark.django_db(transaction=True)
def test_restore_into_an_empty_database_gives_back_every_table(
    agreement, make_user, superuser, empty_database, tmp_path
):
    fill_with_everything(make_user, superuser)
    backup = tmp_path / "chengyi.zip"
    call_command("backup", str(backup), verbosity=0)

    name, url = empty_database
    migrate = manage("migrate", "--no-input", database_url=url)
    assert migrate.returncode == 0, migrate.stderr
    restore = manage("restore", str(backup), database_url=url)
    assert restore.returncode == 0, restore.stderr

    source = snapshot(admin_dsn(connection.settings_dict["NAME"]))
    restored = snapshot(admin_dsn(name))
    assert source.keys() == restored.keys()
    differing = [table for table in source if source[table] != restored[table]]
    assert differing == [], [first_difference(source, restored, t) for t in differing[:3]]
    # Not vacuous: the history, the users and the reports came back.
    assert len(restored["cooperation_historicalcooperationitem"]) > 49
    # The dashboard summary, not in the backup, is counted again from the restored items.
    figures = (
        "from django.contrib.auth.models import User;"
        "from cooperation.reports.dashboard import dashboard_figures;"
        "f = dashboard_figures(user=User.objects.filter(is_superuser=True).first());"
        "print(f['total'].value, *[c.value for c in f['status']])"
    )
    shown = manage("shell", "--no-imports", "-c", figures, database_url=url)
    assert shown.returncode == 0, shown.stderr
    here = dashboard_figures(user=superuser)
    assert shown.stdout.split() == [str(c.value) for c in [here["total"], *here["status"]]]
    assert here["total"].value > 0
    assert {r["username"] for r in restored["auth_user"]} >= {"cd", "root"}
    assert any("<script>" in r["narrative"] for r in restored["cooperation_statusupdate"])

    # Restoring a second time is refused: the database is no longer empty.
    again = manage("restore", str(backup), database_url=url)
    assert again.returncode != 0
    assert "not empty" in again.stderr


@pytest.mark.django_db(transaction=True)
def test_the_same_backup_restores_into_sqlite(
    agreement, make_user, superuser, tmp_path, migrated_sqlite
):
    fill_with_everything(make_user, superuser)
    backup = tmp_path / "chengyi.zip"
    call_command("backup", str(backup), verbosity=0)
    url = migrated_sqlite(tmp_path / "restored.sqlite3")
    restore = manage("restore", str(backup), database_url=url)
    assert restore.returncode == 0, restore.stderr
    assert "Restored" in restore.stdout


@pytest.mark.django_db
def test_restore_refuses_a_database_that_is_not_migrated(agreement, tmp_path):
    backup = tmp_path / "chengyi.zip"
    call_command("backup", str(backup), verbosity=0)
    url = f"sqlite:///{tmp_path / 'blank.sqlite3'}"
    refused = manage("restore", str(backup), database_url=url)
    assert refused.returncode != 0
    assert "run `manage.py migrate` first" in refused.stderr


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    import zipfile

    bogus = tmp_path / "bogus.zip"
    with zipfile.ZipFile(bogus, "w") as archive:
        archive.writestr("data.json", "[]")
    refused = manage("restore", str(bogus), database_url=f"sqlite:///{tmp_path / 'x.sqlite3'}")
    assert refused.returncode != 0
    assert "not a Chengyi Tracker backup" in refused.stderr


def first_difference(source, restored, table):
    a, b = source[table], restored[table]
    x, y = [r for r in a if r not in b][:1], [r for r in b if r not in a][:1]
    return table, {
        k: (v, y[0].get(k)) for k, v in x[0].items() if y and y[0].get(k) != v
    } if x else None
