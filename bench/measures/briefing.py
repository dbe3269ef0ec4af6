"""The briefing pack (live, held and frozen) and the XLSX of every item, against the trivial view.

- live: the next meeting of the mechanism, still ahead: the items now against the previous
  meeting (from the history), as readers get it (kept per data version, as the dashboard's
  figures are) and worked out for each request (that cache off);
- held, not frozen: the latest held meeting, read from the history at its start (a meeting
  held before packs were frozen; the generator freezes none);
- frozen: the same meeting once frozen, as holding it freezes it, on the scratch copy (the
  freeze writes); the trivial view is timed on that server too.
"""

import json
import subprocess
import sys

from bench import pages
from bench.harness import Goal, interleave, measurement, ratio_result
from bench.server import ROOT, django_env

from .common import http_probe, page_url, unavailable
from .timing import repetitions

# A pack not frozen is kept per data version like the dashboard's figures; "live" times the
# page as readers get it, "live, worked out" with that off.
NO_CACHE = {"CHENGYI_BRIEFING_CACHE_SECONDS": "0"}
GOALS = {
    "live": Goal("<=", 30, "≤ 30×"),
    "frozen": Goal("<=", 10, "≤ 10×"),
    "export_xlsx": Goal("<=", 100, "≤ 100×"),
}


def _live_meeting(held_pk) -> int | None:
    """The mechanism's first meeting after the held one that has not started yet."""
    from django.utils import timezone

    from cooperation.models import Meeting

    held = Meeting.objects.filter(pk=held_pk).values("mechanism_id").first()
    if held is None:
        return None
    ahead = Meeting.objects.filter(mechanism_id=held["mechanism_id"], starts_at__gt=timezone.now())
    return ahead.order_by("starts_at").values_list("pk", flat=True).first()


def _freeze(ctx) -> dict:
    command = [sys.executable, "-m", "bench.probes.briefingfreeze"]
    done = subprocess.run(command, cwd=ROOT, env=django_env(ctx.urls["scratch"], ctx.env),
                          capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def _time(ctx, server: str, name: str, title: str, url: str, note: str = "") -> None:
    if server == "uncached":  # the main database, pages not kept (worked out each time)
        ctx.server(server, database="main", env=NO_CACHE)
    session = ctx.session(server)
    trivial = http_probe(session, pages.TRIVIAL, "ok view")
    probe = http_probe(session, url, name)
    reps, warmup = repetitions(ctx, probe, heavy=True)
    samples = interleave(probe, trivial, reps=reps, warmup=warmup)
    result = ratio_result(name=f"briefing.{name}", title=title, group="briefing", a=probe,
                          b=trivial, samples=samples, goal=GOALS.get(name), note=note,
                          extra={"url": url})  # fmt: skip
    ctx.log(f"  {name}: {result.ratio:.1f}× the trivial view")
    ctx.results.append(result)


@measurement("briefing", "briefing pack (live, held, frozen) and XLSX of every item", order=12)
def briefing_vs_trivial(ctx) -> None:
    held = page_url(ctx, "briefing")
    titles = {
        "live": "briefing pack, live (meeting ahead) / trivial view",
        "live_computed": "briefing pack, live, worked out each time (no cache) / trivial view",
        "held": "briefing pack, held meeting not frozen (from history) / trivial view",
        "frozen": "briefing pack, frozen copy / trivial view",
        "export_xlsx": f"{pages.PAGES['export_xlsx'].title} / trivial view",
    }
    if held is None:
        for name in ("live", "live_computed", "held", "frozen"):
            ctx.results.append(unavailable(f"briefing.{name}", titles[name], "briefing"))
    else:
        live = _live_meeting(ctx.ids["meeting"])
        if live is None:
            for name in ("live", "live_computed"):
                ctx.results.append(unavailable(f"briefing.{name}", titles[name], "briefing"))
        else:
            url = pages.PAGES["briefing"].template.format(meeting=live)
            _time(ctx, "main", "live", titles["live"], url)
            note = "CHENGYI_BRIEFING_CACHE_SECONDS=0: worked out for every request"
            _time(ctx, "uncached", "live_computed", titles["live_computed"], url, note=note)
            ctx.stop_server("uncached")
        _time(ctx, "main", "held", titles["held"], held)
        frozen = _freeze(ctx)
        _time(ctx, "scratch", "frozen", titles["frozen"], held,
              note=f"scratch copy; freezing took {frozen['seconds']} s")  # fmt: skip
        ctx.stop_server("scratch")
    export = page_url(ctx, "export_xlsx")
    if export is None:
        ctx.results.append(unavailable("briefing.export_xlsx", titles["export_xlsx"], "briefing"))
    else:
        _time(ctx, "main", "export_xlsx", titles["export_xlsx"], export)
