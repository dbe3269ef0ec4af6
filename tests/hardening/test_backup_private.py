"""Issue 16, finding 2: a backup is readable by its owner only (0600 in a 0700 folder,
whatever the umask) and can be encrypted with a passphrase from the environment."""

import os
import stat
import subprocess
import sys

import pytest
from django.core.management import call_command

from cooperation.models import Profile
from tests.services import ROOT, app_env


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def open_umask():
    old = os.umask(0o022)  # the usual default: new files 0644, folders 0755
    yield
    os.umask(old)


@pytest.mark.django_db
def test_a_backup_is_written_for_its_owner_only_whatever_the_umask(
    agreement, make_user, settings, tmp_path, open_umask
):
    """Before: file 0644 in a 0755 folder. After: 0600 in 0700, the default folder included
    when it already existed (e.g. a volume)."""
    make_user("cd", org="cdig")
    given = tmp_path / "new" / "folder" / "chengyi.zip"
    call_command("backup", str(given), verbosity=0)
    assert (mode(given), mode(given.parent)) == (0o600, 0o700)

    settings.BASE_DIR = tmp_path
    default_folder = tmp_path / "var" / "backups"
    default_folder.mkdir(parents=True, mode=0o755)
    os.chmod(default_folder, 0o755)  # noqa: S103 (the usual open folder, on purpose)
    call_command("backup", verbosity=0)
    [written] = default_folder.iterdir()
    assert (mode(written), mode(default_folder)) == (0o600, 0o700)
    assert not [p for p in default_folder.iterdir() if p.name.endswith(".part")]


def manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=app_env(**env),
        capture_output=True, text=True,
    )  # fmt: skip


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_an_encrypted_backup_reveals_nothing_and_restores_with_the_passphrase(
    agreement, make_user, settings, tmp_path, migrated_sqlite
):
    """Before: no encryption (the password hashes and calendar tokens readable in the zip).
    After: with CHENGYI_BACKUP_PASSPHRASE the file is ciphertext; restore needs the same
    passphrase, refuses a wrong one, and gives every row back."""
    user = make_user("cd", org="cdig")
    token = Profile.objects.get(user=user).calendar_token
    settings.CHENGYI_BACKUP_PASSPHRASE = "correct horse battery staple"
    backup = tmp_path / "chengyi.zip"
    call_command("backup", str(backup), verbosity=0)
    content = backup.read_bytes()
    assert not content.startswith(b"PK")  # not a readable zip
    assert token.encode() not in content and b"pbkdf2_sha256" not in content
    assert user.password.split("$")[-1].encode() not in content

    # A migrated empty database for each restore (migrated once per worker and copied: the
    # same file a fresh migrate would write).
    def restore(passphrase, name):
        url = migrated_sqlite(tmp_path / name)
        return manage("restore", str(backup), DATABASE_URL=url,
                      CHENGYI_BACKUP_PASSPHRASE=passphrase)  # fmt: skip

    missing = restore("", "a.sqlite3")
    assert missing.returncode != 0 and "encrypted" in missing.stderr
    wrong = restore("wrong", "b.sqlite3")
    assert wrong.returncode != 0 and "wrong passphrase" in wrong.stderr
    right = restore("correct horse battery staple", "c.sqlite3")
    assert right.returncode == 0, right.stderr
    assert "Restored" in right.stdout
    check = manage(
        "shell", "-c",
        "from cooperation.models import Profile; print(Profile.objects.get().calendar_token)",
        DATABASE_URL=f"sqlite:///{tmp_path / 'c.sqlite3'}",
    )  # fmt: skip
    assert check.stdout.strip().splitlines()[-1] == token
