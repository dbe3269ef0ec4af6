"""The peers' benchmark (make bench-peers): what Redmine is given and how the run is chosen.

Redmine itself is installed only by ``make bench-peers``; these tests check our side of it:
the export that becomes Redmine's issues and journals, that a default ``make bench`` leaves the
peers out, and where the peers' table goes in the README.
"""

import datetime
import json

import pytest

from bench import cli, harness, report
from bench.measures import peers  # noqa: F401  (registers the measurement)
from bench.peers import export
from cooperation.models import CooperationItem, StatusUpdate


@pytest.fixture
def exported(db, tmp_path):
    from bench.dataset import build

    description = build.build(seed=7, count=60, day=datetime.date(2026, 6, 1), log=lambda _m: None)
    path = tmp_path / "dataset.json"
    counts = export.export(path, description=description)
    return counts, json.loads(path.read_text())


def test_every_item_becomes_an_issue_with_one_journal_per_status_update(exported):
    counts, document = exported
    assert counts["items"] == len(document["items"]) == CooperationItem.objects.count() == 60
    assert counts["journals"] == StatusUpdate.objects.count()
    for entry in document["items"]:
        item = CooperationItem.objects.get(pk=entry["id"])
        assert (entry["code"], entry["subject"], entry["parent"]) == (
            item.code, item.title_zh, item.parent_id,
        )  # fmt: skip
        assert len(entry["journals"]) == item.status_updates.count()


def test_a_journals_changes_replayed_end_where_the_item_is(exported):
    _counts, document = exported
    generated = [e for e in document["items"] if e["code"].startswith("G-")]
    assert generated
    for entry in generated:
        state = dict(export.START)
        for journal in entry["journals"]:
            for field, old, new in journal["details"]:
                assert state[field] == old
                state[field] = new
            assert journal["notes"], "the update's texts are the journal's notes"
        assert state == {k: entry[k] for k in ("status", "health", "progress")}


def test_the_people_who_reported_are_redmine_users(exported):
    _counts, document = exported
    logins = {u["id"] for u in document["users"]}
    assert {j["user"] for e in document["items"] for j in e["journals"]} == logins
    assert {s["key"] for s in document["statuses"]} >= {"in_progress", "completed"}
    assert "推进中" in {s["name"] for s in document["statuses"]}, "Chinese, as users see it"


def test_a_default_run_leaves_the_peers_out_and_bench_peers_runs_them_alone():
    assert not harness.REGISTRY["peers"].default
    assert "peers" not in cli._selected(cli.parse([]))
    assert "pages" in cli._selected(cli.parse([]))
    args = cli.parse(["--peers"])
    assert cli._selected(args) == ["peers"]
    assert args.results.name == "results-peers.json"
    assert cli.parse([]).results.name == "results.json"
    with pytest.raises(SystemExit):
        cli.parse(["--peers", "--only", "pages"])


def _result(name, a, b):
    from bench.harness import Goal, Probe, ratio_result

    return ratio_result(
        name=name, title=name, group="peers",
        a=Probe("ours", lambda: 0), b=Probe("Redmine", lambda: 0),
        samples=([a] * 3, [b] * 3), goal=Goal("<=", 0.5, "≤ 0.5× Redmine"),
        extra={"workers": 5, "threads": 2},
    )  # fmt: skip


def test_peers_table_goes_above_the_main_table_and_is_replaced_alone(tmp_path, monkeypatch):
    readme = tmp_path / "README.md"
    main = f"{report.START}\nmain table\n{report.END}"
    readme.write_text(f"## Benchmarks\n\nPeers paragraph.\n\n{main}\n\n## After\n")
    monkeypatch.setattr(report, "README", readme)
    info = {
        "finished": "2026-12-05T22:00:00+08:00", "settings": {"items": 10_000},
        "machine": {"cpus": 2, "commit": "abc1234"},
        "load_average": {"start": [3.0, 2.0, 1.0], "end": [4.0, 3.0, 2.0]},
    }  # fmt: skip
    report.update_readme(report.peers_section([_result("list", 0.3, 0.4)], info), report.PEERS)
    text = readme.read_text()
    assert text.index("Peers paragraph.") < text.index(report.PEERS[0]) < text.index(main)
    assert (
        "| list | ours: 300.0 ms | Redmine: 400.0 ms | 0.75× | 0.75× | ≤ 0.5× Redmine | MISSED |"
        in text
    )
    assert "5 workers × 2 threads" in text
    report.update_readme(report.peers_section([_result("list", 0.1, 0.4)], info), report.PEERS)
    text = readme.read_text()
    assert text.count(report.PEERS[0]) == 1
    assert "0.25×" in text and "MISSED" not in text
    assert main in text and text.endswith("## After\n")
