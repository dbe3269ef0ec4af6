"""The benchmark dataset: the real agreement (``setup_site``) plus generated rows on top.

Deterministic from ``seed`` and the anchor date (default: today), so two runs on the same day
measure the same data. Sizes: ``items`` counts every item, the agreement's own included;
organisations are always 200; reminders are two per item (20,000 at the default 10,000 items).
"""

import datetime
import time
import zoneinfo

from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from cooperation.models import CooperationItem
from cooperation.reports.summary import summary_rebuild
from cooperation.services import system_user
from cooperation.supervision.slips import slips_run_daily

from . import calendar, items, loop, meta, people

# bump when the generator changes what it makes (2: supervision slips; 3: the loop's reviews,
# acknowledgements, completion requests, comments and notifications)
VERSION = 3
REMINDERS_PER_ITEM = 2


def anchor_for(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(12), tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai")
    )


def migration_leaves() -> list[str]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return sorted(f"{app}.{name}" for app, name in loader.graph.leaf_nodes())


def wanted(*, seed: int, count: int, day: datetime.date) -> dict:
    return {
        "version": VERSION,
        "seed": seed,
        "items": count,
        "anchor": day.isoformat(),
        "migrations": migration_leaves(),
    }


def is_current(description: dict) -> bool:
    existing = meta.read()
    return (
        existing is not None
        and not existing.get("dirty")
        and all(existing.get(k) == v for k, v in description.items())
    )


def build(*, seed: int, count: int, day: datetime.date, log=print) -> dict:
    """Fill an empty, migrated database. Returns what was made, with timings."""
    started = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")
    call_command("setup_site", verbosity=0)
    actor = system_user()
    anchor = anchor_for(day)
    everyone = people.build(seed=seed, actor=actor)
    log(f"organisations and {len(everyone.users)} people")
    generated = max(count - CooperationItem.objects.count(), 0)
    items.build(seed=seed, count=generated, anchor=anchor, people=everyone, actor=actor, log=log)
    meetings = calendar.build_meetings(seed=seed, anchor=anchor, actor=actor)
    log(f"{len(meetings)} meetings")
    calendar.build_reminders(
        seed=seed,
        count=REMINDERS_PER_ITEM * count,
        anchor=anchor,
        meetings=meetings,
        users=everyone.users,
        actor=actor,
        log=log,
    )
    loop.build(seed=seed, anchor=anchor, people=everyone, actor=actor, log=log)
    slips_started = time.perf_counter()
    slips = slips_run_daily(now=anchor, user=actor)
    log(f"{len(slips.issued)} supervision slips in {time.perf_counter() - slips_started:.1f} s")
    # The dashboard's summary, as the daily task leaves it (the first reader would otherwise
    # count every item).
    summary_rebuild()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    description = {
        **wanted(seed=seed, count=count, day=day),
        "seconds": round(time.perf_counter() - started, 1),
    }
    meta.write(description)
    return description
