"""The three outputs: a table on the terminal, bench/results.json, and the README section."""

import json
import platform
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
# The peers' table (make bench-peers), a run of its own, above the main one.
PEERS = ("<!-- bench-peers:start -->", "<!-- bench-peers:end -->")


def _figure(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "s":
        return f"{value * 1000:.1f} ms" if value < 10 else f"{value:.1f} s"
    if unit == "MiB":
        return f"{value:.1f} MiB"
    if unit == "/s":
        return f"{value:,.0f}/s"
    return f"{value:g}"


def rows(results) -> list[list[str]]:
    table = []
    for r in results:
        if r.status != "ok":
            table.append([r.title, r.status, "", "", "", "", r.note[:60]])
            continue
        verdict = "" if r.met is None else ("met" if r.met else "MISSED")
        table.append([
            r.title,
            f"{r.a['label']}: {_figure(r.a['median'], r.unit)}",
            f"{r.b['label']}: {_figure(r.b['median'], r.unit)}",
            f"{r.ratio:.2f}×",
            f"{r.ratio_p95:.2f}×" if r.ratio_p95 is not None else "—",
            r.goal.text if r.goal else "—",
            verdict,
        ])  # fmt: skip
    return table


HEADER = ["measurement", "A (median)", "B (median)", "A/B median", "A/B p95", "goal", ""]


def terminal_table(results) -> str:
    table = [HEADER, *rows(results)]
    widths = [max(_width(row[i]) for row in table) for i in range(len(HEADER))]
    lines = []
    for n, row in enumerate(table):
        lines.append(
            "  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row))
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def markdown_table(results) -> str:
    lines = ["| " + " | ".join([*HEADER[:-1], "met?"]) + " |", "|" + "---|" * len(HEADER)]
    for row in rows(results):
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    return "\n".join(lines)


def machine(database_info: dict) -> dict:
    import django

    versions = {"python": platform.python_version(), "django": django.get_version()}
    for package in ("celery", "gunicorn", "simple_history", "psycopg", "openpyxl", "redis"):
        try:
            module = __import__(package)
            versions[package] = getattr(module, "__version__", "") or getattr(module, "VERSION", "")
        except ImportError:
            continue
    return {
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cpus": _cpu_count(),
        "memory_gib": _memory_gib(),
        "versions": {k: str(v) for k, v in versions.items()},
        **database_info,
        "commit": _git("rev-parse", "--short", "HEAD"),
        "uncommitted_changes": bool(_git("status", "--porcelain")),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _cpu_count() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def _git(*args) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        return ""


def write_json(path: Path, payload: dict) -> None:
    path.write_text(json.dumps(payload, indent=1, ensure_ascii=False, default=str) + "\n")


def readme_section(results, info: dict) -> str:
    m = info["machine"]
    return "\n".join([
        START,
        "`make bench` builds the benchmark databases (PostgreSQL `chengyi_bench*`, an SQLite file "
        "under `bench/data/`), starts gunicorn with the production settings on loopback and "
        "measures every figure as a ratio of two things timed in the same run, interleaved, after "
        "warm-up; raw samples are in `bench/results.json`. Quick run: "
        "`make bench BENCH_ARGS=\"--items 1000 --quick\"`; `python -m bench --list` names the "
        "measurements (`--only`, `--skip`).",
        "",
        f"Latest run: {info['finished']}, {info['settings']['items']:,} items (seed "
        f"{info['settings']['seed']}), {m['cpus']} CPU ({m['cpu']}), "
        f"{m.get('postgresql', '')}, Django {m['versions'].get('django')}, commit {m['commit']}; "
        f"took {info['total_seconds'] / 60:.1f} min; load average "
        f"{info['load_average']['start'][0]:.1f} at the start, "
        f"{info['load_average']['end'][0]:.1f} at the end.",
        "",
        markdown_table(results),
        "",
        *[f"- {r.title}: {r.note}" for r in results if r.note and r.status == "ok"],
        END,
    ])  # fmt: skip


def peers_section(results, info: dict) -> str:
    """The peers' run (``make bench-peers``): when, where, the servers' sizes, the table."""
    m = info["machine"]
    sizes = {(r.extra.get("workers"), r.extra.get("threads")) for r in results if r.extra}
    servers = ", ".join(f"{w} workers × {t} threads" for w, t in sorted(sizes) if w)
    return "\n".join([
        PEERS[0],
        f"Latest peers run: {info['finished']}, {info['settings']['items']:,} items, "
        f"{m['cpus']} CPU, commit {m['commit']}; gunicorn and puma {servers or '—'} each; "
        f"load average {info['load_average']['start'][0]:.1f} at the start, "
        f"{info['load_average']['end'][0]:.1f} at the end.",
        "",
        markdown_table(results),
        "",
        *[f"- {r.title}: {r.note}" for r in results if r.note and r.status == "ok"],
        PEERS[1],
    ])  # fmt: skip


def update_readme(section: str, markers: tuple[str, str] = (START, END)) -> None:
    """Put ``section`` between its markers; a new one goes above the main table (the peers')
    or at the end."""
    start, end = markers
    text = README.read_text()
    if start in text and end in text:
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1]
        text = before + section + after
    elif start != START and START in text:
        before, after = text.split(START, 1)
        text = before + section + "\n\n" + START + after
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    README.write_text(text)
