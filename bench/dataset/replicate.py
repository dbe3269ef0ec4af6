"""A larger PostgreSQL dataset from a generated one, by copying its generated rows in SQL.

The generator needs about 5 s per 1,000 items (ten status updates and about ten history rows
each, through simple-history's bulk helpers); 100,000 items would take most of the run's
fifteen minutes. The dashboard and export measurements at 100,000 items need the same shape of
data at ten times the size, not new prose: this module copies the source database (``CREATE
DATABASE ... TEMPLATE``) and then repeats every generated item, with its sub-items,
milestones, status updates, co-owners, reminders and all their history rows, under new codes
and ids, until the wanted count is reached. About 30 s for 100,000 items.
"""

from django.db import connection, transaction

# table -> (filter on the copied rows, {column: expression}); ``{off}`` is the id offset of the
# copy, ``{k}`` its number, ``{g0}``/``{g1}`` the first and last-but-one generated item id.
ITEM = "CASE WHEN {col} >= {g0} THEN {col} + {off} ELSE {col} END"
TABLES = {
    "cooperation_cooperationitem": (
        "id >= {g0} AND id < {g1}",
        {
            "id": "id + {off}",
            "code": "'G' || {k} || substr(code, 2)",
            "parent_id": "parent_id + {off}",
            "sort_order": "sort_order + {k} * 1000000",
        },
    ),
    "cooperation_historicalcooperationitem": (
        "id >= {g0} AND id < {g1}",
        {
            "history_id": "history_id + {off}",
            "id": "id + {off}",
            "code": "'G' || {k} || substr(code, 2)",
            "parent_id": "parent_id + {off}",
            "sort_order": "sort_order + {k} * 1000000",
        },
    ),
    "cooperation_cooperationitem_co_owners": (
        "cooperationitem_id >= {g0} AND cooperationitem_id < {g1}",
        {"id": "id + {off}", "cooperationitem_id": "cooperationitem_id + {off}"},
    ),
    "cooperation_milestone": (
        "item_id >= {g0} AND item_id < {g1}",
        {"id": "id + {off}", "item_id": "item_id + {off}"},
    ),
    "cooperation_historicalmilestone": (
        "item_id >= {g0} AND item_id < {g1}",
        {"history_id": "history_id + {off}", "id": "id + {off}", "item_id": "item_id + {off}"},
    ),
    "cooperation_statusupdate": (
        "item_id >= {g0} AND item_id < {g1}",
        {"id": "id + {off}", "item_id": "item_id + {off}"},
    ),
    "cooperation_historicalstatusupdate": (
        "item_id >= {g0} AND item_id < {g1}",
        {"history_id": "history_id + {off}", "id": "id + {off}", "item_id": "item_id + {off}"},
    ),
    "cooperation_reminder": (
        "(item_id IS NULL OR item_id < {g1}) AND id % {total} < {part}",
        {
            "id": "id + {off}",
            "key": "key || ':' || {k}",
            "item_id": ITEM.format(col="item_id", g0="{g0}", off="{off}"),
        },
    ),
    "cooperation_historicalreminder": (
        "(item_id IS NULL OR item_id < {g1}) AND id % {total} < {part}",
        {
            "history_id": "history_id + {off}",
            "id": "id + {off}",
            "key": "key || ':' || {k}",
            "item_id": ITEM.format(col="item_id", g0="{g0}", off="{off}"),
        },
    ),
}
INT_LIMIT = 2**31 - 1  # history_id columns are 32-bit


def _columns(cursor, table: str) -> list[str]:
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
        "ORDER BY ordinal_position",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def _scalar(cursor, query: str):
    cursor.execute(query)
    return cursor.fetchone()[0]


def _drop_indexes(cursor) -> list[str]:
    """Drop the copied tables' plain indexes (not those behind constraints); their DDL."""
    cursor.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
        """,
        [list(TABLES)],
    )
    rows = cursor.fetchall()
    for name, _definition in rows:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in rows]


def replicate(*, count: int, log=print) -> int:
    """Grow the connected database to ``count`` items; returns the number of copies made."""
    assert connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cursor:
        # The copies are consistent by construction: skip the per-row foreign-key triggers
        # (the benchmark connects as the PostgreSQL superuser; otherwise they just run).
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cursor.fetchone()[0]:
            cursor.execute("SET LOCAL session_replication_role = replica")
        g0, g_last = (
            _scalar(
                cursor,
                f"SELECT {f}(id) FROM cooperation_cooperationitem WHERE code LIKE 'G-%%'",  # noqa: S608
            )
            for f in ("min", "max")
        )
        generated = g_last - g0 + 1
        existing = _scalar(cursor, "SELECT count(*) FROM cooperation_cooperationitem")
        step = 10 ** len(
            str(
                max(
                    _scalar(
                        cursor,
                        f"SELECT max({'history_id' if 'historical' in t else 'id'}) FROM {t}",  # noqa: S608
                    )
                    or 0
                    for t in TABLES
                )
            )
        )
        copies = 0
        # Building the indexes once at the end is several times faster than keeping them up
        # to date through millions of inserts.
        indexes = _drop_indexes(cursor)
        while existing < count:
            copies += 1
            part = min(generated, count - existing)
            offset = copies * step
            if offset + step > INT_LIMIT:
                raise SystemExit("too many copies for 32-bit history ids: generate a larger source")
            values = {
                "k": copies,
                "off": offset,
                "g0": g0,
                "g1": g0 + part,
                "total": generated,
                "part": part,
            }
            for table, (where, overrides) in TABLES.items():
                columns = _columns(cursor, table)
                select = ", ".join(overrides.get(c, c).format(**values) for c in columns)
                cursor.execute(
                    f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
                    f"SELECT {select} FROM {table} WHERE {where.format(**values)} "
                    f"AND {'history_id' if 'historical' in table else 'id'} < {step}"
                )
            existing += part
            log(f"copy {copies}: {existing:,}/{count:,} items")
        for definition in indexes:
            cursor.execute(definition)
        for table in TABLES:
            pk = "history_id" if "historical" in table else "id"
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{pk}'), "  # noqa: S608
                f"(SELECT max({pk}) FROM {table}))"
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return copies
