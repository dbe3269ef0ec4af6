"""The measurement registry and the side-by-side timing every measurement uses.

A measurement is a small function registered by name with ``@measurement``; it receives the
run's ``Context`` and records one or more results, each a ratio of two things measured in the
same run: interleaved (A B, then B A, ...), after warm-up, with the raw samples kept.
"""

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

from .stats import summary


@dataclass
class Measurement:
    name: str
    title: str
    func: Callable
    order: int
    default: bool = True  # part of a run without --only (peers: make bench-peers)


REGISTRY: dict[str, Measurement] = {}


def measurement(name: str, title: str, order: int, default: bool = True):
    def register(func):
        REGISTRY[name] = Measurement(name, title, func, order, default)
        return func

    return register


@dataclass
class Goal:
    op: str  # "<=", "<", ">=", "=="
    value: float
    text: str

    def met(self, ratio: float) -> bool:
        return {
            "<=": ratio <= self.value,
            "<": ratio < self.value,
            ">=": ratio >= self.value,
            "==": ratio == self.value,
        }[self.op]


@dataclass
class Probe:
    label: str
    run: Callable[[], float]  # one sample: returns the figure (seconds, bytes, ...)


def interleave(*probes: Probe, reps: int, warmup: int) -> tuple[list, ...]:
    """Warm each up, then take them in turn, starting one further along at each round (A B,
    then B A; A B C, B C A, C A B ...), so drift and order effects hit all alike."""
    for _ in range(warmup):
        for probe in probes:
            probe.run()
    samples: list[list] = [[] for _ in probes]
    turns = list(zip(probes, samples, strict=True))
    for index in range(reps):
        start = index % len(turns)
        for probe, taken in turns[start:] + turns[:start]:
            taken.append(probe.run())
    return tuple(samples)


@dataclass
class Result:
    name: str
    title: str
    group: str
    unit: str = "s"
    a: dict | None = None  # {"label": ..., **summary}
    b: dict | None = None
    ratio: float | None = None
    ratio_p95: float | None = None
    goal: Goal | None = None
    met: bool | None = None
    status: str = "ok"  # ok | not available yet | error
    note: str = ""
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        data = {k: v for k, v in self.__dict__.items() if k != "goal"}
        data["goal"] = self.goal.text if self.goal else None
        return data


def ratio_result(
    *, name, title, group, a: Probe, b: Probe, samples, goal=None, unit="s", note="", extra=None
) -> Result:
    """A result whose figure is A's median over B's median (and the same for p95)."""
    sa, sb = summary(samples[0]), summary(samples[1])
    ratio = sa["median"] / sb["median"] if sb["median"] else float("inf")
    ratio_p95 = sa["p95"] / sb["p95"] if sb["p95"] else float("inf")
    return Result(
        name=name, title=title, group=group, unit=unit,
        a={"label": a.label, **sa}, b={"label": b.label, **sb},
        ratio=ratio, ratio_p95=ratio_p95, goal=goal,
        met=goal.met(ratio) if goal else None, note=note, extra=extra or {},
    )  # fmt: skip


def run_all(ctx, names: list[str]) -> None:
    for entry in sorted((REGISTRY[n] for n in names), key=lambda m: m.order):
        started = time.perf_counter()
        ctx.log(f"▶ {entry.name}: {entry.title}")
        try:
            entry.func(ctx)
        except Exception as exc:  # one broken measurement must not lose the others' figures
            ctx.log(traceback.format_exc())
            ctx.results.append(
                Result(name=entry.name, title=entry.title, group=entry.name, status="error",
                       note=f"{type(exc).__name__}: {exc}")
            )  # fmt: skip
        ctx.timings[entry.name] = round(time.perf_counter() - started, 1)
        ctx.log(f"  {entry.name} took {ctx.timings[entry.name]} s")
