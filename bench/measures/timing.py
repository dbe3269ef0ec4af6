"""Pages against the trivial view, and the item list against the admin changelist."""

from bench import pages
from bench.harness import Goal, interleave, measurement, ratio_result

from .common import http_probe, page_url, unavailable

# The pages a user opens often: within 10× the trivial view (issue 17).
OFTEN = [
    "item_list", "item_detail", "item_history", "meeting_list", "meeting_detail",
    "notifications", "todo", "slip_list", "slip_detail", "scorecard",
]  # fmt: skip
GOALS = {"dashboard": Goal("<=", 30, "≤ 30×")} | {n: Goal("<=", 10, "≤ 10×") for n in OFTEN}
# The briefing pack and the XLSX export are timed by the measurement "briefing".
PAGE_ORDER = [*OFTEN, "dashboard"]


def repetitions(ctx, probe, *, heavy: bool = False) -> tuple[int, int]:
    """Repetitions and further warm-ups: fewer for a page that takes over a second (a first
    warm-up request tells), so a slow page cannot blow the run's time budget."""
    first = probe.run()
    if heavy or first > 1.0:
        return ctx.settings.heavy_reps, 0
    return ctx.settings.reps, max(ctx.settings.warmup - 1, 0)


@measurement("pages", 'pages against a trivial view returning "ok"', order=10)
def pages_vs_trivial(ctx) -> None:
    session = ctx.session("main")
    trivial = http_probe(session, pages.TRIVIAL, "ok view")
    for name in PAGE_ORDER:
        page = pages.PAGES[name]
        title = f"{page.title} / trivial view"
        url = page_url(ctx, name)
        if url is None:
            ctx.log(f"  {name}: not available yet")
            ctx.results.append(unavailable(f"pages.{name}", title, "pages"))
            continue
        probe = http_probe(session, url, name)
        reps, warmup = repetitions(ctx, probe, heavy=page.heavy)
        samples = interleave(probe, trivial, reps=reps, warmup=warmup)
        result = ratio_result(name=f"pages.{name}", title=title, group="pages", a=probe,
                              b=trivial, samples=samples, goal=GOALS.get(name),
                              extra={"url": url})  # fmt: skip
        ctx.log(f"  {name}: {result.ratio:.1f}× the trivial view")
        ctx.results.append(result)


@measurement("list_vs_admin", "item list against the admin changelist, same filter", order=20)
def list_vs_admin(ctx) -> None:
    title = "item list / admin changelist (same filter)"
    ours, admin = page_url(ctx, "item_list"), page_url(ctx, "admin_changelist")
    if ours is None:
        ctx.results.append(unavailable("list_vs_admin", title, "pages"))
        return
    session = ctx.session("main")
    a, b = http_probe(session, ours, "item list"), http_probe(session, admin, "admin changelist")
    samples = interleave(a, b, reps=ctx.settings.reps, warmup=ctx.settings.warmup)
    ctx.results.append(ratio_result(
        name="list_vs_admin", title=title, group="pages", a=a, b=b, samples=samples,
        goal=Goal("<", 1, "< 1× (faster)"), extra={"urls": [ours, admin]},
        note="as users see them: the item list shows 50 rows a page, the admin 100",
    ))  # fmt: skip


@measurement("sqlite", "item list and dashboard on SQLite against the trivial view", order=80)
def sqlite_pages(ctx) -> None:
    if not ctx.settings.sqlite:
        return
    session = ctx.session("sqlite")
    trivial = http_probe(session, pages.TRIVIAL, "ok view")
    for name in ("item_list", "dashboard", "admin_changelist"):
        page = pages.PAGES[name]
        title = f"SQLite: {page.title} / trivial view"
        url = page_url(ctx, name)
        if url is None:
            ctx.results.append(unavailable(f"sqlite.{name}", title, "sqlite"))
            continue
        probe = http_probe(session, url, name)
        reps, warmup = repetitions(ctx, probe)
        samples = interleave(probe, trivial, reps=reps, warmup=warmup)
        ctx.results.append(ratio_result(name=f"sqlite.{name}", title=title, group="sqlite",
                                        a=probe, b=trivial, samples=samples,
                                        goal=GOALS.get(name)))  # fmt: skip
    ctx.stop_server("sqlite")
