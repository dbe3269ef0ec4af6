"""Helpers shared by the measurements: HTTP probes and "not available yet" results."""

from bench import pages
from bench.harness import Probe, Result


class PageError(RuntimeError):
    pass


def http_probe(session, url: str, label: str) -> Probe:
    def run() -> float:
        response = session.get(url)
        if response.status != 200:
            raise PageError(f"GET {url} answered HTTP {response.status}")
        return response.seconds

    return Probe(label, run)


def page_url(ctx, name: str) -> str | None:
    """The page's URL, or None when the project does not have it (yet)."""
    page = pages.PAGES[name]
    if any(
        ctx.ids.get(k) is None
        for k in ("item", "meeting", "slip")
        if "{" + k + "}" in page.template
    ):
        return None
    url = pages.path(page, ctx.ids)
    return url if pages.resolves(url) else None


def unavailable(name: str, title: str, group: str) -> Result:
    return Result(name=name, title=title, group=group, status="not available yet",
                  note="the page is not in the project yet")  # fmt: skip
