"""Peers side by side: our pages against Redmine's on the same 10,000 items (``make bench-peers``).

Redmine 5.0 from Debian's packages, loaded with our dataset (every item an issue, every status
update a journal), served by Debian's puma on loopback with as many workers and threads as our
gunicorn, no proxy in front of either; one client, the two sides interleaved. Not part of a
default run (it installs Redmine): ``python -m bench --peers``.
"""

import os
from dataclasses import asdict
from urllib.parse import urlencode

from bench import pages
from bench.accounts import ADMIN, PASSWORD
from bench.harness import Goal, Probe, interleave, measurement, ratio_result

from .common import PageError, http_probe, page_url

GOAL = Goal("<=", 0.5, "≤ 0.5× Redmine")
# Both servers: gunicorn's production sizing on this machine's two CPUs (2 × CPUs + 1 workers
# of 2 threads, tracker/gunicorn.conf.py), and puma given the same.
WORKERS = int(os.environ.get("BENCH_PEER_WORKERS") or 5)
THREADS = int(os.environ.get("BENCH_PEER_THREADS") or 2)
# Redmine's issue list with the columns our item list shows.
COLUMNS = ["cf_{code}", "subject", "cf_{chengdu}", "cf_{yibin}", "status", "cf_{health}",
           "done_ratio", "due_date", "updated_on"]  # fmt: skip


def header_probe(session, url: str, label: str, headers: dict) -> Probe:
    def run() -> float:
        response = session.request("GET", url, headers=headers)
        if response.status != 200:
            raise PageError(f"GET {url} answered HTTP {response.status}")
        return response.seconds

    return Probe(label, run)


def redmine_urls(loaded, *, status: str, category: str) -> dict:
    ids = loaded.custom_fields  # our key (code, health, chengdu, yibin) -> custom field id
    query = [
        ("set_filter", "1"),
        ("f[]", "status_id"), ("op[status_id]", "="), ("v[status_id][]", loaded.statuses[status]),
        ("f[]", "category_id"), ("op[category_id]", "="),
        ("v[category_id][]", loaded.categories[category]),
        *[("c[]", c.format(**ids)) for c in COLUMNS],
        ("per_page", "50"),
    ]  # fmt: skip
    return {
        "list": f"/projects/{loaded.project}/issues?{urlencode(query)}",
        "issue": f"/issues/{loaded.issue}",
        "api": "/issues.json?limit=50&status_id=*",
    }


def same_content(ours_session, theirs_session, ours: dict, theirs: dict, headers: dict) -> dict:
    """Both sides show the same thing (else the run stops): as many matching items and issues,
    50 rows a page, the issue's journals; read from the very pages that are timed."""
    import json
    import re

    def get(session, url, extra=None):
        response = session.request("GET", url, headers=extra or {})
        if response.status != 200:
            raise PageError(f"GET {url} answered HTTP {response.status}")
        return response.text

    html = get(theirs_session, theirs["list"])
    pagination = re.search(r'class="items">\((\d+)-(\d+)/(\d+)\)<', html)
    api_ours = json.loads(get(ours_session, ours["api"], headers["ours"]))
    api_theirs = json.loads(get(theirs_session, theirs["api"], headers["theirs"]))
    seen = {
        "list_rows": [get(ours_session, ours["list"]).count("<tr data-item="),
                      html.count('<tr id="issue-')],
        "list_matching": [ours["matching"], int(pagination[3]) if pagination else None],
        "issue_journals": [ours["journals"], get(theirs_session, theirs["issue"]).count(
            'id="change-')],
        "api_rows": [len(api_ours["results"]), len(api_theirs["issues"])],
        "api_total": [api_ours["count"], api_theirs["total_count"]],
    }  # fmt: skip
    different = {k: v for k, v in seen.items() if v[0] != v[1]}
    if different or seen["list_rows"][0] != 50:
        raise RuntimeError(f"our pages and Redmine's do not show the same: {different or seen}")
    return seen


@measurement("peers", "our pages against Redmine's on the same items", order=200, default=False)
def peers(ctx) -> None:
    from django.contrib.auth import get_user_model
    from django.utils import translation

    from bench.dataset import meta
    from bench.peers import redmine
    from cooperation.api.tokens import api_token_create, api_token_revoke
    from cooperation.choices import Category, Status
    from cooperation.models import CooperationItem

    load_start = os.getloadavg()
    ctx.log("  Redmine: set-up (Debian packages, database, migrations)")
    redmine.setup()
    ctx.log("  Redmine: loading our dataset")
    loaded = redmine.load(description=meta.read() or {}, password=PASSWORD)
    verb = "loaded in" if loaded.loaded else "kept; checked in"
    ctx.log(f"  Redmine: {loaded.issues:,} issues, {loaded.journals:,} journals ({verb} "
            f"{loaded.seconds} s)")  # fmt: skip
    with translation.override("zh-hans"):
        status, category = str(Status.IN_PROGRESS.label), str(Category.KEY_PROJECT.label)
    theirs = redmine_urls(loaded, status=status, category=category)
    ours = {
        "list": page_url(ctx, "item_list"),
        "issue": page_url(ctx, "item_detail"),
        "api": "/api/v1/items/",
    }
    admin = get_user_model().objects.get(username=ADMIN)
    token, raw = api_token_create(user=admin, name="bench peers", days=1)
    puma = redmine.Puma(workers=WORKERS, threads=THREADS)
    try:
        server = ctx.server("peers", database="main",
                            env={"GUNICORN_WORKERS": str(WORKERS),
                                 "GUNICORN_THREADS": str(THREADS)})  # fmt: skip
        ours_session = server.session()
        ours_session.login(ADMIN, PASSWORD)
        ctx.log(f"  Redmine: starting puma ({WORKERS} workers × {THREADS} threads)")
        puma.start()
        theirs_session = puma.login(PASSWORD)
        api_key = {"X-Redmine-API-Key": loaded.api_key}
        token_header = {"Authorization": f"Token {raw}"}
        detail = CooperationItem.objects.get(code=pages.DETAIL_ITEM)
        matched = same_content(
            ours_session, theirs_session,
            {**ours, "journals": detail.status_updates.count(),
             "matching": CooperationItem.objects.filter(
                 status=Status.IN_PROGRESS, category=Category.KEY_PROJECT).count()},
            theirs, {"ours": token_header, "theirs": api_key},
        )  # fmt: skip
        probes = {
            "list": (http_probe(ours_session, ours["list"], "item list"),
                     http_probe(theirs_session, theirs["list"], "Redmine issue list")),
            "issue": (http_probe(ours_session, ours["issue"], "item page"),
                      http_probe(theirs_session, theirs["issue"], "Redmine issue page")),
            "api": (header_probe(ours_session, ours["api"], "API list", token_header),
                    header_probe(theirs_session, theirs["api"], "Redmine /issues.json",
                                 api_key)),
        }  # fmt: skip
        titles = {
            "list": f"{pages.PAGES['item_list'].title}: ours / Redmine's issue list",
            "issue": "item page / Redmine's issue page with its journals",
            "api": "API list, 50 items / Redmine's /issues.json?limit=50",
        }
        notes = {
            "list": f"same filter (in progress, key project): {matched['list_matching'][0]:,} "
            "items, as many issues; 50 a page, the same columns",
            "issue": f"item {pages.DETAIL_ITEM} and its issue: {matched['issue_journals'][0]} "
            "status updates, as many journals; its two sub-items",
            "api": "every item / every issue (status_id=*), first page of 50; a token / an API "
            "key in a header",
        }
        for key, (a, b) in probes.items():
            samples = interleave(a, b, reps=ctx.settings.reps, warmup=ctx.settings.warmup)
            result = ratio_result(
                name=f"peers.redmine.{key}", title=titles[key], group="peers", a=a, b=b,
                samples=samples, goal=GOAL, note=notes[key],
                extra={"urls": [ours[key], theirs[key]], "workers": WORKERS, "threads": THREADS,
                       "load_average": {"start": load_start, "end": os.getloadavg()},
                       "redmine": {k: v for k, v in asdict(loaded).items() if k != "api_key"},
                       "matched": matched},
            )  # fmt: skip
            ctx.log(f"  {key}: ours/Redmine {result.ratio:.2f}× (p95 {result.ratio_p95:.2f}×)")
            ctx.results.append(result)
    finally:
        puma.stop()  # Redmine's puma never outlives the run
        ctx.stop_server("peers")
        api_token_revoke(user=admin, token_id=token.pk)
