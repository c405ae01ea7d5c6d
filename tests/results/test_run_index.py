"""assay.results.run_index: RunInfo records of real run directories made by the CLI."""

from __future__ import annotations

import json
import math
import os
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from assay.cli.app import main
from assay.results.run_index import RunInfo, headline, list_runs, read_run, sort_runs
from assay.results.run_lock import RunLock
from tests.conftest import ROOT, write_jsonl, write_recipe

ARC = ROOT / "tests" / "benchmarks" / "fixtures" / "arc"


def _run(argv: list[str]) -> None:
    assert main(argv) == 0


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    """gen_qa (g), llm_judge (j) and arc_easy with a base model (b, b/base) runs, plus a
    corrupt run.json (broken), a run.json that is not an object (listy), and a folder that
    is not a run (notes)."""
    tmp = tmp_path_factory.mktemp("runs")
    o = tmp / "out"
    rows = [{"query": f"q{i}", "response": f"q{i}" if i % 3 == 0 else "x",
             "metadata": {"level": "ab"[i % 2]}} for i in range(12)]
    data = write_jsonl(tmp / "d.jsonl", rows)
    common = ["--output-dir", str(o), "--no-cache", "--progress", "none", "--quiet"]
    _run(["run", str(write_recipe(tmp / "g.yaml")), "--data", str(data), "-m", "mock/echo",
          "--name", "g", "--group-by", "level", *common])
    pairs = write_jsonl(tmp / "pairs.jsonl", [
        {"prompt": f"p{i}", "response_A": "a", "response_B": "b"} for i in range(6)])
    script = write_jsonl(tmp / "judge.jsonl",
                         [{"index": i, "text": "[[A>B]]"} for i in range(12)])
    judge = tmp / "j.yaml"
    judge.write_text("run:\n  name: j\nevaluation:\n  task: llm_judge\n  strategy: judge\n"
                     "  metric: all\ninference:\n  max_new_tokens: 32\n", encoding="utf-8")
    _run(["run", str(judge), "--data", str(pairs), "--judge", "mock/script",
          "-J", f"file={script}", *common])
    bench = tmp / "b.yaml"
    bench.write_text("run:\n  name: b\nevaluation:\n  task: arc_easy\n  strategy: zs\n"
                     "  metric: accuracy\ninference:\n  max_new_tokens: 32\n", encoding="utf-8")
    _run(["run", str(bench), "--data", str(ARC), "-m", "mock/echo", "--base-model",
          "mock/constant", *common])
    (o / "broken").mkdir()
    (o / "broken" / "run.json").write_text("{not json", encoding="utf-8")
    (o / "listy").mkdir()
    (o / "listy" / "run.json").write_text("[1, 2]", encoding="utf-8")
    (o / "notes").mkdir()
    (o / "notes" / "readme.txt").write_text("not a run", encoding="utf-8")
    return o


def _by_name(runs: list[RunInfo]) -> dict[str, RunInfo]:
    return {r.name: r for r in runs}


def _metrics(run_dir: Path) -> dict:
    return json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))


def test_lists_every_run_and_nested_base_skipping_unreadable(out):
    skipped = []
    runs = list_runs(out, on_skip=lambda p, why: skipped.append((p.parent.name, why)))
    assert sorted(r.name for r in runs) == ["b", "b/base", "g", "j"]
    assert sorted(name for name, _ in skipped) == ["broken", "listy"]
    assert all(why and "\n" not in why for _, why in skipped)
    assert all(r.status == "finished" and not r.killed and r.pid is None for r in runs)


def test_gen_qa_record(out):
    g = _by_name(list_runs(out))["g"]
    m = _metrics(out / "g")
    first = next(iter(m["metrics"]))
    cell = m["metrics"][first]
    assert (g.task, g.model, g.judge, g.base_model) == ("gen_qa", "mock/echo", False, None)
    assert (g.rows, g.n_errors) == (12, 0)
    assert (g.metric, g.value, g.ci_low, g.ci_high) == (first, cell["value"], cell["ci_low"],
                                                        cell["ci_high"])
    assert g.examples_text == "12 (0 failed)"
    assert g.metric_text.startswith(f"{first} {cell['value']:.4f} [")
    assert g.status_text == "finished" and g.models_text == "mock/echo"


def test_judge_record_shows_the_judge_and_winrate_ci(out):
    j = _by_name(list_runs(out))["j"]
    flat = _metrics(out / "j")["flat"]
    assert (j.task, j.model, j.judge) == ("llm_judge", "mock/script", True)
    assert j.models_text == "mock/script (judge)"
    assert (j.metric, j.value, j.ci_low, j.ci_high) == (
        "winrate", flat["winrate"], flat["lower_rate"], flat["upper_rate"])


def test_benchmark_with_base_shows_both_models(out):
    runs = _by_name(list_runs(out))
    b, base = runs["b"], runs["b/base"]
    overall = _metrics(out / "b")["overall"]
    first = next(iter(overall))
    assert (b.model, b.base_model) == ("mock/echo", "mock/constant")
    assert b.models_text == "mock/echo vs mock/constant (base)"
    assert (b.metric, b.value) == (first, overall[first]["value"])
    assert (base.model, base.base_model, base.task) == ("mock/constant", None, "arc_easy")
    assert base.path == out / "b" / "base"


def _copy_with(out: Path, tmp_path: Path, name: str, **manifest) -> Path:
    dst = tmp_path / "o" / name
    shutil.copytree(out / "g", dst)
    doc = json.loads((dst / "run.json").read_text(encoding="utf-8"))
    doc.update(manifest)
    (dst / "run.json").write_text(json.dumps(doc), encoding="utf-8")
    return dst


def test_status_from_manifest_and_lock(out, tmp_path):
    _copy_with(out, tmp_path, "failed", status="failed")
    _copy_with(out, tmp_path, "aborted", status="aborted")
    _copy_with(out, tmp_path, "killed", status="running")
    live = _copy_with(out, tmp_path, "live", status="running")
    lock = RunLock(live)
    lock.acquire()
    try:
        runs = _by_name(list_runs(tmp_path / "o"))
    finally:
        lock.release()
    assert runs["failed"].status_text == "failed"
    assert runs["aborted"].status_text == "aborted" and not runs["aborted"].killed
    assert (runs["killed"].status, runs["killed"].killed) == ("aborted", True)
    assert runs["killed"].status_text == "aborted (killed)"
    assert (runs["live"].status, runs["live"].pid) == ("running", os.getpid())
    assert runs["live"].status_text == f"running (pid {os.getpid()})"
    assert _by_name(list_runs(tmp_path / "o"))["live"].status_text == "aborted (killed)"


def test_sort_keys(out, tmp_path):
    _copy_with(out, tmp_path, "old", created=1_000_000_000.0, status="failed")
    _copy_with(out, tmp_path, "new", created=2_000_000_000.0)
    runs = list_runs(tmp_path / "o")
    assert [r.name for r in sort_runs(runs, "date")] == ["new", "old"]
    assert [r.name for r in sort_runs(runs, "name")] == ["new", "old"]
    assert [r.name for r in sort_runs(runs, "status")] == ["new", "old"]
    every = list_runs(out)
    by_metric = sort_runs(every, "metric")
    values = [r.value for r in by_metric]
    assert values == sorted(values, reverse=True)
    assert [r.task for r in sort_runs(every, "task")] == sorted(r.task for r in every)
    with pytest.raises(ValueError):
        sort_runs(every, "size")


def test_date_is_local_iso_minutes(out, tmp_path):
    _copy_with(out, tmp_path, "dated", created=1_700_000_000.5)
    r = read_run(tmp_path / "o" / "dated")
    assert r.date_text == datetime.fromtimestamp(1_700_000_000.5).isoformat(timespec="minutes")
    assert len(r.date_text) == 16


def test_missing_metrics_and_odd_fields_are_tolerated(out, tmp_path):
    d = _copy_with(out, tmp_path, "odd", created="yesterday", rows=None, model=["x"])
    (d / "metrics.json").write_text("{torn", encoding="utf-8")
    r = read_run(d)
    assert (r.created, r.rows, r.metric, r.n_errors) == (None, None, None, None)
    assert r.date_text == "-" and r.metric_text == "-" and r.examples_text == "-"
    assert r.model is None or isinstance(r.model, str)
    doc = r.to_dict()
    json.loads(json.dumps(doc, allow_nan=False))


def test_output_dir_itself_a_run(out):
    runs = list_runs(out / "b")
    assert sorted(r.name for r in runs) == ["b", "b/base"]


def test_not_a_folder(tmp_path):
    with pytest.raises(FileNotFoundError):
        list_runs(tmp_path / "missing")
    (tmp_path / "f").write_text("x")
    with pytest.raises(NotADirectoryError):
        list_runs(tmp_path / "f")


def test_headline_fallbacks():
    assert headline({"flat": {"x_stderr": 0.1, "x": 0.5}}) == ("x", 0.5, None, None)
    assert headline({"flat": {"winrate": math.nan}})[:2] == ("winrate", None)
    assert headline({}) == (None, None, None, None)
