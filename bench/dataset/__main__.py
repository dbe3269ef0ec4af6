"""Build one benchmark database: ``python -m bench.dataset --items N`` (DATABASE_URL set).

Keeps the database when it holds the wanted dataset already (same generator version, seed,
size, anchor date and migrations, untouched by a measurement); otherwise recreates it. With
``--replicate-from URL`` (PostgreSQL), copies that generated database and repeats its
generated rows up to N items instead of generating them (see ``replicate.py``).
Prints one JSON line: what the database holds and how long it took.
"""

import argparse
import datetime
import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dataset")
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--day", type=datetime.date.fromisoformat, default=datetime.date.today())
    parser.add_argument("--replicate-from", metavar="URL", help="grow a copy of this database")
    parser.add_argument("--force", action="store_true", help="rebuild even when current")
    args = parser.parse_args()

    import django

    from bench import databases

    url = os.environ["DATABASE_URL"]
    label = databases.label(url)
    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from bench.dataset import build, meta

    want = build.wanted(seed=args.seed, count=args.items, day=args.day)
    if args.replicate_from:
        want["replicated_from"] = databases.label(args.replicate_from)
    if not args.force and databases.exists(url) and build.is_current(want):
        print(json.dumps({"database": label, "reused": True, **want}))
        return 0
    connections.close_all()

    def log(message: str) -> None:
        print(f"  [{label}] {message}", file=sys.stderr, flush=True)

    started = time.perf_counter()
    if args.replicate_from:
        from bench.dataset import replicate

        databases.clone(args.replicate_from, url)
        replicate.replicate(count=args.items, log=log)
        from cooperation.reports.summary import summary_rebuild

        # The copies bypassed the triggers (replica mode): the summary counts them now.
        log(f"dashboard summary: {summary_rebuild():,} items")
        made = {**want, "seconds": round(time.perf_counter() - started, 1)}
        meta.write(made)
    else:
        databases.recreate(url)
        call_command("migrate", verbosity=0, interactive=False)
        made = build.build(seed=args.seed, count=args.items, day=args.day, log=log)
    print(json.dumps({"database": label, "reused": False, **made}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
