"""The daily supervision slip run against one ``plan_reminders`` pass over the same data."""

import json
import subprocess
import sys

from bench.harness import Goal, Probe, measurement, ratio_result
from bench.server import ROOT, django_env


@measurement("slips", "daily supervision slip run against a plan_reminders pass", order=65)
def slips_vs_plan(ctx) -> None:
    command = [sys.executable, "-m", "bench.probes.slipsrun", str(ctx.settings.heavy_reps),
               str(ctx.settings.warmup)]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, env=django_env(ctx.urls["scratch"], ctx.env),
                          capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    data = json.loads(done.stdout.strip().splitlines()[-1])
    a, b = Probe("daily slip run", None), Probe("plan_reminders pass", None)
    ctx.results.append(ratio_result(
        name="slips", title=f"daily slip run / plan_reminders pass, {data['items']:,} items",
        group="slips", a=a, b=b, samples=(data["slips"], data["plan"]),
        goal=Goal("<", 2, "< 2×"),
        note=f"scratch copy of the main dataset; {data['slip_rows']:,} slips on file",
    ))  # fmt: skip
