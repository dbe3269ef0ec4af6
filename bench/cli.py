"""``python -m bench``: build the datasets, run the measurements, write the results."""

import argparse
import datetime
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import harness, report
from .context import Context, Settings

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/chengyi_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/13"


def parse(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--items", type=int, default=10_000, help="items in the main dataset")
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument(
        "--day",
        default=datetime.date.today().isoformat(),
        help="the dataset's 'today' (default: today)",
    )
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, smaller batches")
    parser.add_argument("--reps", type=int, help="repetitions of each page timing")
    parser.add_argument("--only", default="", help="comma-separated measurement names")
    parser.add_argument("--skip", default="", help="comma-separated measurement names")
    parser.add_argument("--list", action="store_true", help="list the measurements and exit")
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite dataset")
    parser.add_argument("--regenerate", action="store_true", help="rebuild every dataset")
    parser.add_argument(
        "--peers",
        action="store_true",
        help="only the peers (Redmine, installed on first use) on the main dataset; results in "
        "bench/results-peers.json and the README's peers table",
    )
    parser.add_argument("--results", type=Path, help="default: bench/results.json")
    parser.add_argument("--no-readme", action="store_true", help="leave README.md alone")
    args = parser.parse_args(argv)
    if args.peers and (args.only or args.skip):
        parser.error("--peers runs the peers measurements alone: no --only or --skip")
    if args.results is None:
        args.results = ROOT / "bench" / ("results-peers.json" if args.peers else "results.json")
    return args


def base_env(static_root: str) -> dict:
    redis = os.environ.get("REDIS_URL") or DEFAULT_REDIS
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "CHENGYI_SITE_URL": "http://127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_STATIC_ROOT": static_root,
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "REDIS_URL": redis,
        "CELERY_BROKER_URL": redis,
    }


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv=None) -> int:
    from . import measures  # noqa: F401  (registers the measurements)

    args = parse(argv)
    # A stopped run (SIGTERM) unwinds like Ctrl-C: the servers it started (gunicorn, Redmine's
    # puma) are stopped in their finally blocks, never left running.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    if args.list:
        for m in sorted(harness.REGISTRY.values(), key=lambda m: m.order):
            print(f"{m.name:22} {m.title}")
        return 0
    started = time.perf_counter()
    load_start = os.getloadavg()
    settings = Settings(
        items=args.items, seed=args.seed, quick=args.quick,
        reps=args.reps or (5 if args.quick else 15), heavy_reps=5, warmup=1 if args.quick else 3,
        reminders=min(10_000, 1_000 if args.quick else 10_000),
        sqlite=not (args.no_sqlite or args.peers),
    )  # fmt: skip
    names = _selected(args)
    main_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE
    if not main_url.startswith("postgres"):
        raise SystemExit(
            "the benchmark's main database is PostgreSQL: set DATABASE_URL=postgres://..."
        )
    static_root = tempfile.mkdtemp(prefix="chengyi-bench-static-")
    env = base_env(static_root)
    os.environ.update(env)
    os.environ["DATABASE_URL"] = main_url

    from . import datasets

    urls = datasets.urls_for(main_url, settings)
    log("Datasets")
    built = datasets.prepare(
        urls, settings, env, force=args.regenerate, day=args.day, log=log, main_only=args.peers
    )
    dataset_seconds = round(time.perf_counter() - started, 1)
    log(f"  ready in {dataset_seconds} s; collecting static files")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env={**env, "DATABASE_URL": main_url},
        check=True,
    )

    import django

    django.setup()
    from . import pages

    ctx = Context(settings=settings, env=env, urls=urls, log=log)
    ctx.ids = pages.lookup()
    try:
        harness.run_all(ctx, names)
    finally:
        ctx.stop_all()
    total = round(time.perf_counter() - started, 1)
    _outputs(ctx, args, built, dataset_seconds, total, load_start)
    return 1 if any(r.status == "error" for r in ctx.results) else 0


def _selected(args) -> list[str]:
    if args.peers:
        return [n for n, m in harness.REGISTRY.items() if not m.default]
    everything = [n for n, m in harness.REGISTRY.items() if m.default]
    names = [n for n in args.only.split(",") if n] or everything
    unknown = [n for n in names + args.skip.split(",") if n and n not in harness.REGISTRY]
    if unknown:
        raise SystemExit(f"unknown measurement(s): {', '.join(unknown)}; see --list")
    return [n for n in names if n not in args.skip.split(",")]


def _outputs(ctx, args, built, dataset_seconds, total, load_start) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        postgresql = cursor.fetchone()[0].split(" on ")[0]
    import sqlite3

    info = {
        "finished": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "total_seconds": total,
        "dataset_seconds": dataset_seconds,
        "measurement_seconds": ctx.timings,
        "settings": ctx.settings.__dict__ | {"day": args.day},
        "datasets": built,
        "machine": report.machine(
            {"postgresql": postgresql, "sqlite": sqlite3.sqlite_version, "redis": _redis_version()}
        ),
        # Other work on the machine shows here: the ratios hold, the absolute times less so.
        "load_average": {"start": load_start, "end": os.getloadavg()},
    }
    results = ctx.results
    report.write_json(args.results, {**info, "results": [r.as_dict() for r in results]})
    print(report.terminal_table(results))
    print(
        f"\nTotal {total / 60:.1f} min (datasets {dataset_seconds} s). Raw figures: {args.results}"
    )
    if not args.no_readme and args.peers:
        report.update_readme(report.peers_section(results, info), report.PEERS)
    elif not args.no_readme and not args.only:
        report.update_readme(report.readme_section(results, info))


def _redis_version() -> str:
    import redis

    try:
        return redis.Redis.from_url(os.environ["REDIS_URL"]).info("server")["redis_version"]
    except redis.RedisError:
        return "unreachable"
