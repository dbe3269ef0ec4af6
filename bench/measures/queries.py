"""SQL queries per page at 100, 1,000 and 10,000 items: the count must not grow."""

import json
import subprocess
import sys

from bench import pages
from bench.harness import Goal, Result, measurement
from bench.server import ROOT, django_env

from .timing import OFTEN

PAGES = [*OFTEN, "dashboard", "briefing", "export_csv", "export_xlsx", "admin_changelist"]


def _counts(ctx, url: str) -> dict:
    command = [sys.executable, "-m", "bench.probes.querycount", *PAGES]
    done = subprocess.run(command, cwd=ROOT, env=django_env(url, ctx.env), capture_output=True,
                          text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"query count failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


@measurement("queries", "SQL queries per page at 100, 1,000 and 10,000 items", order=30)
def queries_per_page(ctx) -> None:
    sizes = ctx.settings.query_sizes
    by_size = {n: _counts(ctx, ctx.urls["sizes"][n]) for n in sizes}
    sqlite = _counts(ctx, ctx.urls["sqlite"]) if ctx.settings.sqlite else {}
    small, large = sizes[0], sizes[-1]
    for name in PAGES:
        title = f"queries: {pages.PAGES[name].title}, {large:,} / {small:,} items"
        if name not in by_size[large]:
            ctx.results.append(Result(name=f"queries.{name}", title=title, group="queries",
                                      status="not available yet"))  # fmt: skip
            continue
        counts = {n: by_size[n][name]["queries"] for n in sizes}
        statuses = {n: by_size[n][name]["status"] for n in sizes}
        ratio = counts[large] / counts[small] if counts[small] else float("inf")
        same = len(set(counts.values())) == 1
        note = ", ".join(f"{n:,}: {c}" for n, c in counts.items())
        if name in sqlite:
            note += f"; SQLite {large:,}: {sqlite[name]['queries']}"
        if set(statuses.values()) != {200}:
            note += f"; HTTP {statuses}"
        ctx.results.append(Result(
            name=f"queries.{name}", title=title, group="queries", unit="queries",
            a={"label": f"{large:,} items", "median": counts[large], "p95": counts[large]},
            b={"label": f"{small:,} items", "median": counts[small], "p95": counts[small]},
            ratio=ratio, ratio_p95=None, goal=Goal("==", 1, "identical at every size"),
            met=same, note=note,
            extra={"counts": counts, "statuses": statuses, "sqlite": sqlite.get(name)},
        ))  # fmt: skip
