"""Official documents at 10,000 items: the year's progress circular (Word, with its chart and
the tables of every completed, started and slipped item) against the period report XLSX of
the same year (the same rows), and a meeting notice against the trivial view."""

from bench import pages
from bench.harness import interleave, measurement, ratio_result

from .common import http_probe, page_url, unavailable
from .timing import repetitions


@measurement("documents", "circular (Word) against the period XLSX; notice (Word)", order=75)
def documents(ctx) -> None:
    session = ctx.session("main")
    pairs = [
        ("circular", "period_xlsx", "progress circular (Word) / period report XLSX, same year"),
        ("notice", None, "meeting notice (Word) / trivial view"),
    ]
    for a_name, b_name, title in pairs:
        a_url = page_url(ctx, a_name)
        b_url = page_url(ctx, b_name) if b_name else pages.TRIVIAL
        if a_url is None or b_url is None:
            ctx.results.append(unavailable(f"documents.{a_name}", title, "documents"))
            continue
        a = http_probe(session, a_url, a_name)
        b = http_probe(session, b_url, b_name or "ok view")
        reps, warmup = repetitions(ctx, a, heavy=pages.PAGES[a_name].heavy)
        samples = interleave(a, b, reps=reps, warmup=warmup)
        result = ratio_result(name=f"documents.{a_name}", title=title, group="documents", a=a,
                              b=b, samples=samples, extra={"urls": [a_url, b_url]})  # fmt: skip
        ctx.log(f"  {a_name}: {result.ratio:.2f}× {b_name or 'the trivial view'}")
        ctx.results.append(result)
