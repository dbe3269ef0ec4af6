"""Status-update submits from 20 concurrent clients: latency, errors, lost updates.

Each round, 20 signed-in supervisors open the update form of one of five items (four clients
per item, so they race), wait for each other, then submit at once. Between concurrent rounds
one client submits alone: the baseline. Afterwards the database is checked: every accepted
submit must have its status update, no two accepted submits may rest on the same version of
an item (that would be an overwrite nobody was told about), and each item's version must
have moved once per accepted submit. Refused submits (the item changed meanwhile) are the
lost-update protection working, not errors.
"""

import threading

from bench.accounts import CLIENTS, client_username
from bench.client import post_forms
from bench.harness import Goal, Probe, Result, measurement, ratio_result

from .common import unavailable

ITEMS = 5
MARK = "bench-concurrency"


def _form(session, url: str) -> dict:
    page = session.get(url)
    if page.status != 200:
        raise RuntimeError(f"GET {url}: HTTP {page.status}")
    forms = [f for f in post_forms(page.text) if "status" in f.fields and "progress" in f.fields]
    if not forms:
        raise RuntimeError(f"no status-update form at {url}")
    return forms[0].fields


def _submit(session, url: str, fields: dict, *, progress: int, note: str):
    version = next((v[0] for k, v in fields.items() if "version" in k), None)
    data = {k: v for k, v in fields.items() if k not in ("narrative", "progress", "health")}
    data.update({"progress": [str(progress)], "health": ["on_track"], "narrative": [note]})
    response = session.post(url, data)
    return response, version


class Outcome:
    def __init__(self):
        self.lock = threading.Lock()
        self.accepted: list[tuple[int, str, str]] = []  # item, version, note
        self.refused = 0
        self.errors: list[str] = []
        self.latency_concurrent: list[float] = []
        self.latency_alone: list[float] = []

    def record(self, response, item, version, note, *, alone: bool) -> None:
        with self.lock:
            (self.latency_alone if alone else self.latency_concurrent).append(response.seconds)
            if response.status == 302:
                self.accepted.append((item, version, note))
            elif response.status == 200:
                self.refused += 1
            else:
                self.errors.append(f"HTTP {response.status}")


@measurement("concurrency", "status-update submits from 20 concurrent clients", order=50)
def concurrent_submits(ctx) -> None:
    from bench import pages

    url_of = "/items/{}/update/".format
    if not pages.resolves(url_of(1)):
        ctx.results.append(unavailable("concurrency", "20 concurrent status-update submits",
                                       "concurrency"))  # fmt: skip
        return
    from bench.probes.scratch import in_progress_items

    before = in_progress_items(ctx, ITEMS + 1)
    items = list(before)
    sessions = [ctx.session("scratch", client_username(n)) for n in range(1, CLIENTS + 1)]
    alone_item = items[-1]
    outcome = Outcome()
    rounds = 5 if ctx.settings.quick else 10  # 200 racing submits: enough for a p95
    progress = dict.fromkeys(items, 50)
    for round_number in range(rounds):
        _alone(sessions[0], url_of(alone_item), alone_item, outcome, round_number)
        _burst(sessions, items[:ITEMS], url_of, outcome, round_number, progress)
    _report(ctx, outcome, before, rounds)


def _alone(session, url, item, outcome, round_number) -> None:
    for k in range(2):
        fields = _form(session, url)
        note = f"{MARK} alone r{round_number}.{k}"
        response, version = _submit(
            session, url, fields, progress=60 + round_number % 30, note=note
        )
        outcome.record(response, item, version, note, alone=True)


def _burst(sessions, items, url_of, outcome, round_number, progress) -> None:
    barrier = threading.Barrier(len(sessions))

    def client(index: int, session) -> None:
        item = items[index % len(items)]
        try:
            fields = _form(session, url_of(item))
        except Exception as exc:
            with outcome.lock:
                outcome.errors.append(f"form: {exc}")
            barrier.abort()
            return
        note = f"{MARK} c{index} r{round_number}"
        try:
            barrier.wait(timeout=60)
            response, version = _submit(
                session, url_of(item), fields, progress=progress[item] + 1 + round_number, note=note
            )
        except Exception as exc:
            with outcome.lock:
                outcome.errors.append(f"submit: {type(exc).__name__}: {exc}")
            return
        outcome.record(response, item, version, note, alone=False)

    threads = [threading.Thread(target=client, args=(i, s)) for i, s in enumerate(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _report(ctx, outcome: Outcome, before: dict, rounds) -> None:
    from bench.probes.scratch import check_lost_updates

    lost, detail = check_lost_updates(ctx, outcome.accepted, MARK, before)
    submits = len(outcome.latency_concurrent)
    a, b = Probe("20 clients at once", None), Probe("one client alone", None)
    result = ratio_result(
        name="concurrency.latency", title="status-update submit, 20 concurrent / alone",
        group="concurrency", a=a, b=b, samples=(outcome.latency_concurrent, outcome.latency_alone),
        note=(f"{rounds} bursts of 20 submits on {ITEMS} items: {len(outcome.accepted)} "
              f"accepted, {outcome.refused} refused as stale (expected when clients race)"),
    )  # fmt: skip
    ctx.results.append(result)
    for name, title, value, info in (
        (
            "concurrency.errors",
            "errors among concurrent submits",
            len(outcome.errors),
            "; ".join(sorted(set(outcome.errors)))[:200],
        ),
        ("concurrency.lost", "lost updates among concurrent submits", lost, detail),
    ):
        ctx.results.append(Result(
            name=name, title=title, group="concurrency", unit="count",
            a={"label": "count", "median": value, "p95": value},
            b={"label": f"of {submits} submits", "median": submits, "p95": submits},
            ratio=value / submits if submits else 0, ratio_p95=None,
            goal=Goal("==", 0, "0"), met=value == 0, note=info,
        ))  # fmt: skip
