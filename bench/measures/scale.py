"""The dashboard at ten times the items: two servers, one per database, requests alternating."""

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
