"""The agreement loaded once per test database, and put back by copying rows.

Loading the agreement (``setup_site``: loaddata of its 169 rows, then their first history
rows) took 1.3 s a test on a quiet machine and up to 5 s on a loaded one, and most tests ask
for it. So each test database (one per pytest-xdist worker) loads it once: right after
migrating, every table is copied out with PostgreSQL's COPY, before ("empty") and after
("agreement") ``setup_site``. Before each database test, the committed database is switched
to the state the test asks for: "agreement" when the ``agreement`` fixture is among its
fixtures, else "empty" — exactly what the test saw when each loaded it afresh.

The switch happens outside the test's transaction (pytest_runtest_setup), so a test that
rolls back leaves the state as it found it and the next one usually has nothing to do. After
a transactional test, instead of Django's flush (TRUNCATE of every table, then the content
types and permissions made anew: 1-15 s here, as TRUNCATE makes new files for every table
and index), every table's rows are deleted and the state the test started from is copied
back in, content types and permissions included, with the ids the copied rows refer to.
"""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, transaction
from django.test import TransactionTestCase

EMPTY, AGREEMENT = "empty", "agreement"


@dataclass(frozen=True)
class Snapshot:
    rows: dict[str, bytes]  # table -> its rows in COPY's text format (tables with rows only)
    sequences: dict[str, int]  # sequence -> the last value it handed out


@dataclass
class Database:
    snapshots: dict[str, Snapshot]
    state: str | None  # None: not known (a transactional test is running)
    blocker: object  # pytest-django's django_db_blocker
    after: str = EMPTY  # the state the running transactional test started from


_database: Database | None = None


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _tables(cursor) -> list[str]:
    return sorted(connection.introspection.table_names(cursor))


def take() -> Snapshot:
    rows = {}
    with connection.cursor() as cursor:
        for table in _tables(cursor):
            with cursor.cursor.copy(f"COPY {_quote(table)} TO STDOUT") as copy:
                data = b"".join(bytes(chunk) for chunk in copy)
            if data:
                rows[table] = data
        cursor.execute(
            "SELECT schemaname || '.' || sequencename, last_value FROM pg_sequences"
            " WHERE schemaname = current_schema() AND last_value IS NOT NULL"
        )
        sequences = dict(cursor.fetchall())
    return Snapshot(rows=rows, sequences=sequences)


def restore(target: Snapshot, *, current: Snapshot | None = None) -> None:
    """Make every table hold exactly ``target``'s rows. With ``current`` (what the database
    holds now), only the tables that differ are rewritten; without it, all of them. DELETE,
    not TRUNCATE: the tables are small, and TRUNCATE makes new files for each table."""
    with transaction.atomic(), connection.cursor() as cursor:
        if current is None:
            tables = _tables(cursor)
        else:
            tables = sorted(
                table
                for table in target.rows.keys() | current.rows.keys()
                if target.rows.get(table) != current.rows.get(table)
            )
        # Foreign keys are DEFERRABLE INITIALLY DEFERRED: checked when the block ends.
        for table in tables:
            cursor.execute(f"DELETE FROM {_quote(table)}")  # noqa: S608 (table names)
        for table in tables:
            if table in target.rows:
                with cursor.cursor.copy(f"COPY {_quote(table)} FROM STDIN") as copy:
                    copy.write(target.rows[table])
        # Sequences never go back (a row made later must not reuse an id already handed out).
        cursor.execute(
            "SELECT schemaname || '.' || sequencename, COALESCE(last_value, 0) FROM pg_sequences"
            " WHERE schemaname = current_schema()"
        )
        for sequence, value in cursor.fetchall():
            if target.sequences.get(sequence, 0) > value:
                cursor.execute("SELECT setval(%s, %s)", [sequence, target.sequences[sequence]])
    ContentType.objects.clear_cache()


def prepare(blocker) -> None:
    """Once per test database, right after it is created: take both snapshots and leave the
    agreement committed."""
    global _database
    from cooperation.models import Agreement

    if Agreement.objects.exists():  # a database kept from an earlier run (--reuse-db)
        call_command("flush", interactive=False, verbosity=0)
    empty = take()
    call_command("setup_site", verbosity=0)
    snapshots = {EMPTY: empty, AGREEMENT: take()}
    _database = Database(snapshots=snapshots, state=AGREEMENT, blocker=blocker)
    TransactionTestCase._fixture_teardown = _put_back_instead_of_flush


def needs(item) -> tuple[str, bool] | None:
    """(the state the test asks for, whether it commits), or None for a test without the
    database. Marker and fixtures are read as pytest-django reads them."""
    from pytest_django.fixtures import validate_django_db

    names = item.fixturenames
    marker = item.get_closest_marker("django_db")
    if marker is None and "_django_db_helper" not in names:
        return None
    transactional = "transactional_db" in names or "live_server" in names
    if marker is not None:
        transaction_marked, reset_sequences, *_ = validate_django_db(marker)
        transactional = transactional or transaction_marked or reset_sequences
    return (AGREEMENT if "agreement" in names else EMPTY), transactional


def switch(wanted: str) -> None:
    """Make the database hold ``wanted``: committed when called outside a test's transaction
    (then it is remembered); inside one, until the test rolls back."""
    database = _database
    if database is None or database.state == wanted:
        return
    current = database.snapshots.get(database.state) if database.state else None
    restore(database.snapshots[wanted], current=current)
    if not connection.in_atomic_block:
        database.state = wanted


def _started(wanted: str, transactional: bool) -> None:
    if transactional:
        _database.state, _database.after = None, wanted


def before_test(item) -> None:
    """Called before the test's fixtures are set up (its transaction is not open yet)."""
    need = needs(item)
    if _database is None or need is None:
        return
    wanted, transactional = need
    with _database.blocker.unblock():
        switch(wanted)
    _started(wanted, transactional)


def in_test(item) -> None:
    """Inside the test, its database set up: the switch again, for when it could not be made
    before (the worker's first test, whose database did not exist yet)."""
    need = needs(item)
    if _database is None or need is None or _database.state is None:
        return
    wanted, transactional = need
    switch(wanted)
    _started(wanted, transactional)


_flush = TransactionTestCase._fixture_teardown


def _put_back_instead_of_flush(test_case) -> None:
    if _database is None or list(test_case._databases_names(include_mirrors=False)) != ["default"]:
        _flush(test_case)
        return
    restore(_database.snapshots[_database.after])
    _database.state = _database.after
