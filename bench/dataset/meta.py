"""What a benchmark database holds: a one-row table written when a dataset is complete."""

import json

from django.db import connection

TABLE = "bench_dataset"


def read() -> dict | None:
    with connection.cursor() as cursor:
        if TABLE not in connection.introspection.table_names(cursor):
            return None
        cursor.execute(f"SELECT value FROM {TABLE} WHERE key = 'dataset'")  # noqa: S608
        row = cursor.fetchone()
    return json.loads(row[0]) if row else None


def write(value: dict) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (key varchar(50) PRIMARY KEY, value text)"
        )
        cursor.execute(f"DELETE FROM {TABLE} WHERE key = 'dataset'")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {TABLE} (key, value) VALUES ('dataset', %s)",  # noqa: S608
            [json.dumps(value, sort_keys=True)],
        )


def mark_dirty(reason: str) -> None:
    """A measurement wrote to the database: the next run rebuilds the dataset."""
    value = read()
    if value is not None and not value.get("dirty"):
        write({**value, "dirty": reason})
