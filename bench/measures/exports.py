"""Peak memory of the CSV and XLSX exports at 10,000 and 100,000 rows: it must stay flat."""

import json
import statistics
import subprocess
import sys
import threading

from bench import pages
from bench.harness import Goal, Probe, measurement, ratio_result
from bench.server import ROOT, django_env

from .common import page_url, unavailable

# Seconds of export runs per format and size: up to five runs while they fit. Memory, unlike
# time, hardly varies between runs; a slow export (a minute at 100,000 rows) gets fewer runs.
BUDGET = 45


def _run(ctx, url: str, name: str) -> dict:
    command = [sys.executable, "-m", "bench.probes.exportmem", name]
    done = subprocess.run(command, cwd=ROOT, env=django_env(url, ctx.env), capture_output=True,
                          text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def _probe(ctx, url: str, name: str) -> dict:
    """Runs, one fresh process each, up to five while the runs so far took under BUDGET."""
    runs = [_run(ctx, url, name)]
    while len(runs) < ctx.settings.heavy_reps and sum(r["seconds"] for r in runs) < BUDGET:
        runs.append(_run(ctx, url, name))
    return {"rows": runs[0]["rows"], "runs": runs}


@measurement("export_memory", "peak memory of the CSV and XLSX exports at 10× the rows", order=75)
def export_memory(ctx) -> None:
    """The CSV and the XLSX probes run side by side (two cores), each at both sizes."""
    names = [n for n in ("export_csv", "export_xlsx") if page_url(ctx, n) is not None]
    figures: dict[str, tuple] = {}

    def measure(name: str) -> None:
        figures[name] = (_probe(ctx, ctx.urls["big"], name), _probe(ctx, ctx.urls["main"], name))

    threads = [threading.Thread(target=measure, args=(n,)) for n in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for name in ("export_csv", "export_xlsx"):
        _record(ctx, name, figures.get(name))


def _record(ctx, name: str, figures) -> None:
    big, main = ctx.settings.big, ctx.settings.items
    title = f"{name.split('_')[1].upper()} export peak memory, {big:,} / {main:,} rows"
    if name not in {n for n in ("export_csv", "export_xlsx") if page_url(ctx, n)}:
        ctx.results.append(unavailable(f"memory.{name}", title, "memory"))
        return
    if figures is None:
        raise RuntimeError(f"the {name} memory probe failed: see the log above")
    large, small = figures
    a, b = Probe(f"{large['rows']:,} rows", None), Probe(f"{small['rows']:,} rows", None)
    seconds = [statistics.median(r["seconds"] for r in p["runs"]) for p in (large, small)]
    ctx.results.append(ratio_result(
        name=f"memory.{name}", title=title, group="memory", unit="MiB", a=a, b=b,
        samples=tuple([r["peak_mib"] for r in p["runs"]] for p in (large, small)),
        goal=Goal("<=", 1.5, "≤ 1.5× (flat; linear would be 10×)"),
        note=(f"peak RSS growth during the export, sampled each ms, one fresh process a run; "
              f"{len(large['runs'])} and {len(small['runs'])} runs; one export took "
              f"{seconds[0]:.1f} s and {seconds[1]:.1f} s"),
        extra={"large": large, "small": small, "url": pages.path(pages.PAGES[name], ctx.ids)},
    ))  # fmt: skip
