"""The dashboard at ten times the items: two servers, one per database, requests alternating.

The dashboard's figures are cached under the data's version (any write computes them anew),
so the page a reader usually gets is the cached one; ``dashboard_computed`` measures the
figures computed on every request (cache off), as the first reader after a write gets them.
"""

from bench import pages
from bench.accounts import ADMIN, PASSWORD
from bench.harness import Goal, interleave, measurement, ratio_result

from .common import http_probe, page_url, unavailable
from .timing import repetitions


@measurement("dashboard_scale", "dashboard at 100,000 items against 10,000", order=40)
def dashboard_scale(ctx) -> None:
    big, main = ctx.settings.big, ctx.settings.items
    title = f"dashboard at {big:,} / at {main:,} items"
    url = page_url(ctx, "dashboard")
    if url is None:
        ctx.results.append(unavailable("dashboard_scale", title, "scale"))
        return
    a = http_probe(ctx.session("big"), url, f"{big:,} items")
    b = http_probe(ctx.session("main"), url, f"{main:,} items")
    b.run()  # the main server is warm from the page measurements
    reps, warmup = repetitions(ctx, a)
    samples = interleave(a, b, reps=reps, warmup=warmup)
    ctx.results.append(ratio_result(name="dashboard_scale", title=title, group="scale", a=a, b=b,
                                    samples=samples, goal=Goal("<=", 1.5, "≤ 1.5×")))  # fmt: skip
    ctx.stop_server("big")


NO_CACHE = {"CHENGYI_DASHBOARD_CACHE_SECONDS": "0"}


def _uncached_session(ctx, database: str):
    server = ctx.server(f"{database}-computed", database=database, env=NO_CACHE)
    session = server.session()
    session.login(ADMIN, PASSWORD)
    return session


@measurement("dashboard_computed", "dashboard with its figures computed (cache off)", order=45)
def dashboard_computed(ctx) -> None:
    big, main = ctx.settings.big, ctx.settings.items
    url = page_url(ctx, "dashboard")
    titles = ("dashboard computed / trivial view",
              f"dashboard computed at {big:,} / at {main:,} items")  # fmt: skip
    if url is None:
        for name, title in zip(("computed", "computed_scale"), titles, strict=True):
            ctx.results.append(unavailable(f"dashboard_{name}", title, "scale"))
        return
    sessions = {name: _uncached_session(ctx, name) for name in ("main", "big")}
    try:
        computed = http_probe(sessions["main"], url, f"computed, {main:,} items")
        trivial = http_probe(sessions["main"], pages.TRIVIAL, "ok view")
        reps, warmup = repetitions(ctx, computed, heavy=True)
        samples = interleave(computed, trivial, reps=reps, warmup=warmup)
        ctx.results.append(ratio_result(
            name="dashboard_computed", title=titles[0], group="scale", a=computed, b=trivial,
            samples=samples, goal=Goal("<=", 30, "≤ 30×"),
            note="what the first reader after a write waits for"))  # fmt: skip
        computed_big = http_probe(sessions["big"], url, f"computed, {big:,} items")
        computed_big.run()  # warm-up
        samples = interleave(computed_big, computed, reps=reps, warmup=0)
        ctx.results.append(ratio_result(
            name="dashboard_computed_scale", title=titles[1], group="scale", a=computed_big,
            b=computed, samples=samples, goal=Goal("<=", 1.5, "≤ 1.5×")))  # fmt: skip
    finally:
        for session in sessions.values():
            session.close()
        ctx.stop_server("main-computed")
        ctx.stop_server("big-computed")
