"""The REST API's item list: against the web's item list (same filter, 50 a page) and
against the trivial view. The API request is signed with a personal token, as a client
program would send it; the web page with the signed-in session."""

import subprocess
import sys

from bench import pages
from bench.harness import Goal, Probe, interleave, measurement, ratio_result
from bench.server import ROOT, django_env

from .common import PageError, http_probe, page_url, unavailable
from .timing import repetitions

API_LIST = "/api/v1/items/?status=in_progress&category=key_project&page_size=50"


def api_token(ctx) -> str:
    command = [sys.executable, "-m", "bench.probes.apitoken"]
    done = subprocess.run(command, cwd=ROOT, env=django_env(ctx.urls["main"], ctx.env),
                          capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return done.stdout.strip().splitlines()[-1]


def token_probe(session, url: str, label: str, token: str) -> Probe:
    headers = {"Authorization": f"Token {token}", "Accept": "application/json"}

    def run() -> float:
        response = session.request("GET", url, headers=headers)
        if response.status != 200:
            raise PageError(f"GET {url} answered HTTP {response.status}")
        return response.seconds

    return Probe(label, run)


@measurement("api_list", "API item list against the web item list and the trivial view", order=15)
def api_list(ctx) -> None:
    web = page_url(ctx, "item_list")
    titles = ("API item list, filtered, 50 per page / web item list (same filter)",
              "API item list, filtered, 50 per page / trivial view")  # fmt: skip
    if web is None or not pages.resolves(API_LIST.split("?")[0]):
        for name, title in zip(("api_list.web", "api_list.trivial"), titles, strict=True):
            ctx.results.append(unavailable(name, title, "api"))
        return
    session = ctx.session("main")
    api = token_probe(ctx.server("main").session(), API_LIST, "API item list", api_token(ctx))
    reps, warmup = repetitions(ctx, api)
    for name, title, other, goal in (
        ("api_list.web", titles[0], http_probe(session, web, "web item list"), None),
        ("api_list.trivial", titles[1], http_probe(session, pages.TRIVIAL, "ok view"),
         Goal("<=", 10, "≤ 10× (issue 17)")),
    ):  # fmt: skip
        samples = interleave(api, other, reps=reps, warmup=warmup)
        result = ratio_result(name=name, title=title, group="api", a=api, b=other,
                              samples=samples, goal=goal,
                              extra={"urls": [API_LIST, web]})  # fmt: skip
        ctx.log(f"  {name}: {result.ratio:.1f}×")
        ctx.results.append(result)
