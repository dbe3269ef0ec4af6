"""Prepare every database a run needs, two builders at a time (the machine has two cores)."""

import json
import subprocess
import sys
import threading
from pathlib import Path

from . import databases

ROOT = Path(__file__).resolve().parent.parent


def urls_for(main_url: str, settings) -> dict:
    name = main_url.rsplit("/", 1)[1]
    sizes = {
        n: (main_url if n == settings.items else databases.with_name(main_url, f"{name}_{n}"))
        for n in settings.query_sizes
    }
    return {
        "main": main_url,
        "big": databases.with_name(main_url, f"{name}_x10"),
        "scratch": databases.with_name(main_url, f"{name}_scratch"),
        "sqlite": f"sqlite:///{databases.DATA / f'bench-{settings.items}.sqlite3'}",
        "sizes": sizes,
    }


def _build(url: str, env: dict, args: list[str], log) -> dict:
    command = [sys.executable, "-m", "bench.dataset", *args]
    done = subprocess.run(
        command,
        cwd=ROOT,
        env={**env, "DATABASE_URL": url},
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"building {databases.label(url)} failed (exit {done.returncode})")
    description = json.loads(done.stdout.strip().splitlines()[-1])
    verb = "kept" if description.get("reused") else f"built in {description.get('seconds')} s"
    log(f"  {databases.label(url)}: {description['items']:,} items, {verb}")
    return description


def prepare(
    urls: dict, settings, env: dict, *, force: bool, day: str, log, main_only: bool = False
) -> dict:
    """Build (or keep) every dataset; then a fresh scratch copy of the main one for writes.
    ``main_only``: the main dataset alone (the peers read it and write nothing to it)."""
    common = ["--seed", str(settings.seed), "--day", day] + (["--force"] if force else [])
    built: dict[str, dict] = {}
    errors: list[BaseException] = []

    def chain(jobs):
        try:
            for key, url, args in jobs:
                built[key] = _build(url, env, [*args, *common], log)
        except BaseException as exc:  # reported after both chains end
            errors.append(exc)

    main_chain = [
        ("main", urls["main"], ["--items", str(settings.items)]),
        ("big", urls["big"], ["--items", str(settings.big), "--replicate-from", urls["main"]]),
    ][: 1 if main_only else None]
    other_chain = [
        (f"size {n}", url, ["--items", str(n)])
        for n, url in urls["sizes"].items()
        if url != urls["main"] and not main_only
    ]
    if settings.sqlite:
        other_chain.append(("sqlite", urls["sqlite"], ["--items", str(settings.items)]))
    threads = [threading.Thread(target=chain, args=(jobs,)) for jobs in (main_chain, other_chain)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    # Measurements that write (concurrent submits, reminders, saves) get their own copy, so
    # the main dataset stays as generated and the next run can keep it.
    if not main_only:
        databases.clone(urls["main"], urls["scratch"])
    return built
