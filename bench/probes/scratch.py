"""Direct reads of the scratch database (the orchestrator's Django connection is the main one)."""

from collections import Counter

import psycopg


def _connect(ctx):
    return psycopg.connect(ctx.urls["scratch"], autocommit=True)


def in_progress_items(ctx, count: int) -> dict[int, int]:
    """``count`` generated items in progress with room to report progress: {id: version}."""
    with _connect(ctx) as conn:
        rows = conn.execute(
            "SELECT id, version FROM cooperation_cooperationitem WHERE code LIKE 'G-%%' "
            "AND status = 'in_progress' AND progress < 40 ORDER BY id LIMIT %s",
            [count],
        ).fetchall()
    return dict(rows)


def versions(ctx, ids) -> dict[int, int]:
    with _connect(ctx) as conn:
        rows = conn.execute(
            "SELECT id, version FROM cooperation_cooperationitem WHERE id = ANY(%s)", [list(ids)]
        ).fetchall()
    return dict(rows)


def check_lost_updates(ctx, accepted, mark: str, before: dict[int, int]) -> tuple[int, str]:
    """How many accepted submits were lost, and what went wrong (see concurrency.py)."""
    with _connect(ctx) as conn:
        written = {n for (n,) in conn.execute(
            "SELECT narrative FROM cooperation_statusupdate WHERE narrative LIKE %s", [mark + "%"]
        ).fetchall()}  # fmt: skip
    after = versions(ctx, before)
    notes = {note for _item, _version, note in accepted}
    missing = len(notes - written)
    phantom = len(written - notes)
    same_base = sum(n - 1 for n in Counter((i, v) for i, v, _n in accepted).values() if n > 1)
    per_item = Counter(item for item, _v, _n in accepted)
    unmoved = sum(max(per_item[i] - (after[i] - before[i]), 0) for i in before)
    lost = missing + same_base + unmoved
    detail = (f"accepted {len(accepted)}: {missing} without their status update, {same_base} "
              f"on an already-used version, {unmoved} version bumps missing; {phantom} refused "
              f"submits written anyway")  # fmt: skip
    return lost + phantom, detail
