import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.core.management import call_command
from django.utils import translation

from cooperation.choices import Role
from cooperation.models import Agreement, Membership, Organization, Profile
from tests import dbstate

PASSWORD = "correct-horse-battery"


def pytest_configure(config):
    engine = settings.DATABASES["default"]["ENGINE"]
    if os.environ.get("CI") and "postgresql" not in engine:
        raise pytest.UsageError(
            f"CI runs the suite on PostgreSQL (DATABASE_URL), not on {engine}: use `make test`."
        )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Each test database (one per pytest-xdist worker) loads the agreement once and keeps
    snapshots of its tables with and without it (tests/dbstate.py)."""
    with django_db_blocker.unblock():
        dbstate.prepare(django_db_blocker)


def pytest_collection_modifyitems(items):
    """The long tests (marked ``slow``) first, then the transactional ones (workers, beats,
    servers, browsers, races: pytest-django put them last), then the rest. pytest-xdist
    hands out the tests in this order, one or two at a time (``--maxschedchunk=1`` in
    pyproject.toml: its default sends each worker a quarter of its share up front, which
    gave the first worker every long test), so both workers start on long tests and the
    short ones fill in at the end instead of one worker finishing a long test alone. The
    order is the same in every worker, as pytest-xdist requires."""

    def rank(item):
        if item.get_closest_marker("slow"):
            return 0
        return 1 if (dbstate.needs(item) or (None, False))[1] else 2

    items.sort(key=rank)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """The database holds what the test asks for (the agreement or nothing) before its
    transaction opens, so tests that roll back share one switch."""
    dbstate.before_test(item)


@pytest.fixture(autouse=True)
def _database_state(request):
    """Before any other fixture of the test writes: the switch, if it could not be made
    before the test (the worker's first test)."""
    if dbstate.needs(request.node) is not None:
        request.getfixturevalue("_django_db_helper")
        dbstate.in_test(request.node)


@pytest.fixture(scope="session", autouse=True)
def _plain_http_live_server():
    """The live server's SecurityMiddleware reads SECURE_SSL_REDIRECT once, when it starts:
    per-test overrides come too late for it, so plain HTTP is set for the whole session."""
    from django.conf import settings as django_settings

    previous = django_settings.SECURE_SSL_REDIRECT
    django_settings.SECURE_SSL_REDIRECT = False
    yield
    django_settings.SECURE_SSL_REDIRECT = previous


@pytest.fixture(autouse=True)
def _site_url(settings):
    """Tests run with DEBUG off, where production must set CHENGYI_SITE_URL; give it one."""
    if not settings.CHENGYI_SITE_URL:
        settings.CHENGYI_SITE_URL = "http://testserver"


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # The manifest storage needs collectstatic; tests run with DEBUG off and plain storage.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.AXES_ENABLED = False
    # Hashing with the production hasher costs ~0.5 s a user here; tests don't need its cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path_factory):
    """Uploaded files (evidence) go to a temporary folder, never into the checkout."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with nothing cached (a database rolled back to an earlier state could
    show the same data version as figures an earlier test cached)."""
    from cooperation.filters import _kept_choices

    for store in caches.all():
        store.clear()
    _kept_choices.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language: a request made in English by an earlier
    test leaves English active in the thread, which would leak into code run outside a
    request."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def agreement(db):
    """The real agreement fixture, loaded as `make run` loads it: by setup_site once per test
    database, copied back in when a test asks for it (tests/dbstate.py)."""
    if not Agreement.objects.exists():  # asked for while the test runs (getfixturevalue)
        call_command("setup_site", verbosity=0)


@pytest.fixture(scope="session")
def _migrated_sqlite(tmp_path_factory) -> Path:
    """An empty SQLite database (``make run``'s kind) migrated once per pytest-xdist worker by
    ``manage.py migrate``, as the tests that need one did each (8-20 s here: SQLite rebuilds a
    table for most schema changes). Every migration must apply: the migration test
    (tests/test_foundation.py) starts from it."""
    from tests.services import app_env, manage

    path = tmp_path_factory.mktemp("sqlite") / "migrated.sqlite3"
    migrate = manage("migrate", "--no-input", env=app_env(DATABASE_URL=f"sqlite:///{path}"))
    assert migrate.returncode == 0, migrate.stderr
    return path


@pytest.fixture
def migrated_sqlite(_migrated_sqlite, tmp_path):
    """``migrated_sqlite(path)``: a copy of a freshly migrated empty SQLite database at ``path``
    (the same file ``manage.py migrate`` writes there); returns its DATABASE_URL."""

    def copy(path: Path) -> str:
        shutil.copyfile(_migrated_sqlite, path)
        return f"sqlite:///{path}"

    return copy


@pytest.fixture
def make_user(db):
    User = get_user_model()

    def make(username, *, org: str | Organization | None = None, role=Role.COORDINATOR, **extra):
        user = User.objects.create_user(
            username=username, password=PASSWORD, email=f"{username}@example.com", **extra
        )
        Profile.objects.get_or_create(user=user)
        if org is not None:
            organization = (
                org if isinstance(org, Organization) else Organization.objects.get(code=org)
            )
            Membership.objects.create(user=user, organization=organization, role=role)
        return user

    return make


@pytest.fixture
def superuser(make_user):
    return make_user("root", is_staff=True, is_superuser=True)


# --- the item workspace (issue 3) ---------------------------------------------------------
# Roles around item KP-1 (Chengdu lead cdig, Yibin lead yibin-lingang-etdz, co-owner
# cy-equipment-park-co): a viewer, an owner coordinator, a coordinator of an organisation
# that does not own it, and a supervisor.
WORKSPACE_ROLES = ("anonymous", "viewer", "owner", "other", "supervisor")


@pytest.fixture
def workspace(agreement, make_user):
    from cooperation.models import CooperationItem, Milestone

    users = {
        "viewer": make_user("viewer", org="yibin-gov", role=Role.VIEWER),
        "owner": make_user("cd_owner", org="cdig", role=Role.COORDINATOR, first_name="张明"),
        "other": make_user("yb_other", org="yibin-health", role=Role.COORDINATOR),
        "supervisor": make_user("boss", org="chengdu-gov", role=Role.SUPERVISOR),
    }
    item = CooperationItem.objects.get(code="KP-1")
    milestone = Milestone.objects.create(item=item, title_zh="完成园区选址", sort_order=1)
    return {"users": users, "item": item, "milestone": milestone}


@pytest.fixture
def client_as(client, workspace):
    """``client_as(role)``: the test client signed in as one of the workspace roles."""

    def sign_in(role: str):
        client.logout()
        if role != "anonymous":
            client.force_login(workspace["users"][role])
        return client

    return sign_in
