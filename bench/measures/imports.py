"""The Excel ledger import of every item against the XLSX export of the same items."""

import json
import subprocess
import sys

from bench.harness import Probe, measurement, ratio_result
from bench.server import ROOT, django_env


@measurement("import_xlsx", "Excel import of every item against their XLSX export", order=76)
def import_against_export(ctx) -> None:
    reps = 1 if ctx.settings.quick else 3
    command = [sys.executable, "-m", "bench.probes.importtime", str(reps)]
    done = subprocess.run(command, cwd=ROOT, env=django_env(ctx.urls["scratch"], ctx.env),
                          capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    data = json.loads(done.stdout.strip().splitlines()[-1])
    if data["state"] != "applied" or data["errors"]:
        raise RuntimeError(f"the import was not applied: {data}")
    rows = data["rows"]
    a, b = Probe(f"import of {rows:,} rows", None), Probe(f"export of {rows:,} rows", None)
    ctx.results.append(ratio_result(
        name="import_xlsx", title=f"Excel import / XLSX export, {rows:,} items",
        group="imports", a=a, b=b,
        samples=([data["check"] + data["apply"]], data["export"]),
        note=(f"every row's target date changed ({data['changed']:,} items updated); dry run "
              f"{data['check']:.1f} s + apply {data['apply']:.1f} s, one run (it writes); "
              f"export median of {len(data['export'])}; {data['bytes'] / 2**20:.1f} MiB file"),
    ))  # fmt: skip
