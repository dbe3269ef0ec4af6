"""A save with history against the same save without (simple-history's cost per save)."""

import json
import subprocess
import sys

from bench.harness import Probe, measurement, ratio_result
from bench.server import ROOT, django_env


@measurement("history", "item save with history against without", order=70)
def save_with_history(ctx) -> None:
    command = [sys.executable, "-m", "bench.probes.savetime", str(ctx.settings.reps),
               str(ctx.settings.warmup)]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, env=django_env(ctx.urls["scratch"], ctx.env),
                          capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    data = json.loads(done.stdout.strip().splitlines()[-1])
    a, b = Probe("with history", None), Probe("without history", None)
    ctx.results.append(ratio_result(
        name="history", title="item save with history / without", group="history", a=a, b=b,
        samples=(data["with"], data["without"]),
        note=f"item_update of one field; each sample is the mean of {data['batch']} saves",
    ))  # fmt: skip
