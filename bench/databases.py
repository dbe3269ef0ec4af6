"""Create and drop the benchmark databases (PostgreSQL databases, SQLite files)."""

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

DATA = Path(__file__).resolve().parent / "data"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite:")


def sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///").removeprefix("sqlite://"))


def label(url: str) -> str:
    if is_sqlite(url):
        return f"sqlite:{sqlite_path(url).name}"
    return f"postgresql:{urlsplit(url).path.lstrip('/')}"


def with_name(url: str, name: str) -> str:
    """The same server, another database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def _maintenance(url: str):
    return psycopg.connect(with_name(url, "postgres"), autocommit=True)


def exists(url: str) -> bool:
    if is_sqlite(url):
        return sqlite_path(url).exists()
    name = urlsplit(url).path.lstrip("/")
    with _maintenance(url) as conn:
        return (
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            is not None
        )


def recreate(url: str) -> None:
    if is_sqlite(url):
        path = sqlite_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    name = urlsplit(url).path.lstrip("/")
    if not name.startswith("chengyi_bench") and not os.environ.get("BENCH_ALLOW_ANY_DATABASE"):
        raise SystemExit(f"refusing to drop {name!r}: benchmark databases are named chengyi_bench*")
    with _maintenance(url) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def clone(source: str, target: str) -> None:
    """``target`` becomes a copy of ``source`` (PostgreSQL; nobody may be connected to it)."""
    name, template = (urlsplit(u).path.lstrip("/") for u in (target, source))
    if not name.startswith("chengyi_bench") and not os.environ.get("BENCH_ALLOW_ANY_DATABASE"):
        raise SystemExit(f"refusing to drop {name!r}: benchmark databases are named chengyi_bench*")
    with _maintenance(target) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
