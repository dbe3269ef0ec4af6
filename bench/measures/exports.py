"""Peak memory of the CSV and XLSX exports at 10,000 and 100,000 rows: it must stay flat."""

import json
import subprocess
import sys

from bench import pages
from bench.harness import Goal, Probe, measurement, ratio_result
from bench.server import ROOT, django_env

from .common import page_url, unavailable


def _probe(ctx, url: str, name: str) -> dict:
    command = [sys.executable, "-m", "bench.probes.exportmem", name, str(ctx.settings.heavy_reps)]
    done = subprocess.run(command, cwd=ROOT, env=django_env(url, ctx.env), capture_output=True,
                          text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


@measurement("export_memory", "peak memory of the CSV and XLSX exports at 10× the rows", order=75)
def export_memory(ctx) -> None:
    big, main = ctx.settings.big, ctx.settings.items
    for name in ("export_csv", "export_xlsx"):
        fmt = name.split("_")[1].upper()
        title = f"{fmt} export peak memory, {big:,} / {main:,} rows"
        if page_url(ctx, name) is None:
            ctx.results.append(unavailable(f"memory.{name}", title, "memory"))
            continue
        large, small = _probe(ctx, ctx.urls["big"], name), _probe(ctx, ctx.urls["main"], name)
        a = Probe(f"{large['rows']:,} rows", None)
        b = Probe(f"{small['rows']:,} rows", None)
        ctx.results.append(ratio_result(
            name=f"memory.{name}", title=title, group="memory", unit="MiB", a=a, b=b,
            samples=(large["traced_peaks_mib"], small["traced_peaks_mib"]),
            goal=Goal("<=", 1.5, "≤ 1.5× (flat; linear would be 10×)"),
            note=(f"tracemalloc peak of Python allocations; process RSS growth "
                  f"{large['rss_peak_mib']:.1f} vs {small['rss_peak_mib']:.1f} MiB; export took "
                  f"{large['seconds']:.1f} vs {small['seconds']:.1f} s; "
                  f"{large['bytes'] / 2**20:.1f} vs {small['bytes'] / 2**20:.1f} MiB of output"),
            extra={"large": large, "small": small, "url": pages.path(pages.PAGES[name], ctx.ids)},
        ))  # fmt: skip
