"""``assay runs`` and ``assay query`` on real run directories made by the CLI with mock
models: a finished gen_qa, llm_judge and benchmark-with-base run, a live run and a SIGKILLed
one."""

from __future__ import annotations

import csv
import io
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assay.cli.app import main
from assay.results.json_io import strict_loads
from assay.results.run_lock import lock_holder
from tests.conftest import ASSAY, ROOT, env_for_subprocess, write_jsonl, write_recipe

ARC = ROOT / "tests" / "benchmarks" / "fixtures" / "arc"
pytest.importorskip("duckdb")


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("cli-runs")
    o = tmp / "out"
    rows = [{"query": f"q{i}", "response": f"q{i}" if i % 3 == 0 else "x",
             "metadata": {"level": "ab"[i % 2], "lang": "xyz"[i % 3]}} for i in range(12)]
    data = write_jsonl(tmp / "d.jsonl", rows)
    common = ["--output-dir", str(o), "--no-cache", "--progress", "none", "--quiet"]
    assert main(["run", str(write_recipe(tmp / "g.yaml")), "--data", str(data), "-m",
                 "mock/echo", "--name", "g", "--group-by", "level,lang", *common]) == 0
    pairs = write_jsonl(tmp / "pairs.jsonl", [
        {"prompt": f"p{i}", "response_A": "a", "response_B": "b",
         "metadata": {"d": "xy"[i % 2]}} for i in range(6)])
    script = write_jsonl(tmp / "judge.jsonl",
                         [{"index": i, "text": "[[A>B]]"} for i in range(12)])
    judge = tmp / "j.yaml"
    judge.write_text("run:\n  name: j\nevaluation:\n  task: llm_judge\n  strategy: judge\n"
                     "  metric: all\ninference:\n  max_new_tokens: 32\n", encoding="utf-8")
    assert main(["run", str(judge), "--data", str(pairs), "--judge", "mock/script", "-J",
                 f"file={script}", "--group-by", "d", *common]) == 0
    bench = tmp / "b.yaml"
    bench.write_text("run:\n  name: b\nevaluation:\n  task: arc_easy\n  strategy: zs\n"
                     "  metric: accuracy\ninference:\n  max_new_tokens: 32\n", encoding="utf-8")
    assert main(["run", str(bench), "--data", str(ARC), "-m", "mock/echo", "--base-model",
                 "mock/constant", *common]) == 0
    return o


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main(list(argv))
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def _q(capsys, run_dir: Path, sql: str, fmt: str = "json"):
    rc, stdout, err = _cli(capsys, "query", str(run_dir), sql, "--format", fmt)
    assert rc == 0, err
    return strict_loads(stdout) if fmt == "json" else stdout


def _metrics(run_dir: Path) -> dict:
    return json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))


# -- assay runs ----------------------------------------------------------------------------
def test_runs_table(out, capsys):
    rc, stdout, err = _cli(capsys, "runs", str(out))
    assert rc == 0 and err == ""
    for text in ("b/base", "mock/script (judge)", "mock/echo vs mock/constant (base)",
                 "finished", "12 (0 failed)", "winrate 0.5000 [", "gen_qa", "arc_easy"):
        assert text in stdout, text
    first = next(iter(_metrics(out / "g")["metrics"]))
    assert f"{first} {_metrics(out / 'g')['metrics'][first]['value']:.4f}" in stdout


def test_runs_json_is_strict_and_sorted(out, capsys):
    rc, stdout, _ = _cli(capsys, "runs", str(out), "--json", "--sort", "name")
    assert rc == 0
    doc = strict_loads(stdout)
    assert [r["name"] for r in doc] == ["b", "b/base", "g", "j"]
    j = doc[3]
    assert j["model"] == "mock/script" and j["judge"] is True
    assert j["metric"]["name"] == "winrate" and j["status"] == "finished"
    assert doc[0]["base_model"] == "mock/constant"
    rc, stdout, _ = _cli(capsys, "runs", str(out), "--json")   # default: date, newest first
    created = [r["created"] for r in strict_loads(stdout)]
    assert created == sorted(created, reverse=True)


def test_runs_missing_dir_is_one_line_exit_2(tmp_path, capsys):
    rc, stdout, err = _cli(capsys, "runs", str(tmp_path / "nope"))
    assert rc == 2 and stdout == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and "no such folder" in err


def test_runs_skips_corrupt_manifest_with_a_note(out, tmp_path, capsys):
    o = tmp_path / "o"
    shutil.copytree(out / "g", o / "g")
    (o / "bad").mkdir()
    (o / "bad" / "run.json").write_bytes(b"\xff\xfe{")
    (o / "half").mkdir()
    (o / "half" / "run.json").write_text('{"status": "runn', encoding="utf-8")
    rc, stdout, err = _cli(capsys, "runs", str(o))
    assert rc == 0 and "Traceback" not in err
    notes = err.splitlines()
    assert len(notes) == 2 and all(n.startswith("note: skipped ") for n in notes)
    assert "g" in stdout and "1 run in" in stdout


def test_runs_escapes_names(out, tmp_path, capsys):
    o = tmp_path / "o"
    shutil.copytree(out / "g", o / "[red]boom[/red]")
    rc, stdout, err = _cli(capsys, "runs", str(o))
    assert rc == 0, err
    assert "[red]boom[/red]" in stdout


# -- assay query ---------------------------------------------------------------------------
def test_query_counts_and_group_by_metadata(out, capsys):
    assert _q(capsys, out / "g", "SELECT count(*) AS n FROM examples") == [{"n": 12}]
    rows = _q(capsys, out / "g", "SELECT metadata->>'lang' AS lang, count(*) AS n, "
              "avg(metrics['em']) AS em FROM examples GROUP BY lang ORDER BY lang")
    assert rows == [{"lang": "x", "n": 4, "em": 1.0}, {"lang": "y", "n": 4, "em": 0.0},
                    {"lang": "z", "n": 4, "em": 0.0}]


def test_query_metrics_table_overall_and_segments(out, capsys):
    m = _metrics(out / "g")
    rows = _q(capsys, out / "g", "SELECT * FROM metrics WHERE metric = 'f1' "
              "AND group_field IS NULL")
    assert rows == [{"metric": "f1", **m["metrics"]["f1"], "group_field": None,
                     "segment": None}]
    seg = _q(capsys, out / "g", "SELECT segment, value, n FROM metrics WHERE metric = 'em' "
             "AND group_field = 'level' ORDER BY segment")
    want = m["groups"]["level"]
    assert seg == [{"segment": s, "value": want[s]["metrics"]["em"]["value"],
                    "n": want[s]["metrics"]["em"]["n"]} for s in ("a", "b")]
    names = {r["metric"] for r in _q(capsys, out / "g", "SELECT DISTINCT metric FROM metrics")}
    assert set(m["metrics"]) <= names


def test_query_judge_metrics(out, capsys):
    flat = _metrics(out / "j")["flat"]
    rows = _q(capsys, out / "j", "SELECT * FROM metrics WHERE metric = 'winrate' "
              "ORDER BY segment NULLS FIRST")
    assert rows[0]["value"] == flat["winrate"]
    assert (rows[0]["ci_low"], rows[0]["ci_high"]) == (flat["lower_rate"], flat["upper_rate"])
    assert [r["segment"] for r in rows] == [None, "x", "y"]
    ties = _q(capsys, out / "j", "SELECT value, stderr, n FROM metrics WHERE metric = 'ties' "
              "AND segment IS NULL")
    assert ties == [{"value": flat["ties"], "stderr": flat["ties_stderr"], "n": 6}]
    outcome = _q(capsys, out / "j", "SELECT outcome, count(*) AS n FROM examples GROUP BY 1")
    assert sum(r["n"] for r in outcome) == 6


def test_query_benchmark_tables(out, capsys):
    m = _metrics(out / "b")
    rows = _q(capsys, out / "b", "SELECT metric, value FROM metrics WHERE group_field IS NULL "
              "AND metric = 'acc'")
    assert rows == [{"metric": "acc", "value": m["overall"]["acc"]["value"]}]
    sub = _q(capsys, out / "b", "SELECT segment FROM metrics WHERE group_field = 'subtask' "
             "AND metric = 'acc'")
    assert sub == [{"segment": s} for s in m["subtasks"]]
    comp = _q(capsys, out / "b", "SELECT * FROM comparison WHERE metric = 'acc' "
              "AND segment IS NULL")
    assert comp[0]["base"] == m["comparison"]["metrics"]["acc"]["overall"]["base"]
    assert comp[0]["test"] == m["comparison"]["metrics"]["acc"]["overall"]["test"]
    assert _q(capsys, out / "b", "SELECT count(*) AS n FROM base_examples") == [{"n": 6}]
    base = _metrics(out / "b" / "base")["overall"]["acc"]["value"]
    assert _q(capsys, out / "b", "SELECT value FROM base_metrics WHERE metric = 'acc' "
              "AND segment IS NULL") == [{"value": base}]
    correct = _q(capsys, out / "b", "SELECT count(*) AS n FROM examples WHERE correct")
    assert correct == [{"n": round(m["overall"]["acc"]["value"] * 6)}]


def test_query_csv_and_table_and_strict_json(out, capsys):
    text = _q(capsys, out / "g", "SELECT \"index\", metadata->>'level' AS level FROM examples "
              "ORDER BY \"index\" LIMIT 3", fmt="csv")
    assert list(csv.reader(io.StringIO(text))) == [["index", "level"], ["0", "a"], ["1", "b"],
                                                   ["2", "a"]]
    rows = _q(capsys, out / "g", "SELECT 'nan'::DOUBLE AS x, 'inf'::DOUBLE AS y, "
              "[1, 2] AS l, {'k': 'v'} AS s, NULL AS z")
    assert rows == [{"x": None, "y": None, "l": [1, 2], "s": {"k": "v"}, "z": None}]
    table = _q(capsys, out / "g", "SELECT '[bold]x[/bold]' AS t, count(*) AS n FROM examples",
               fmt="table")
    assert "[bold]x[/bold]" in table and "12" in table and "1 row" in table


def test_query_sql_error_is_one_line_exit_2(out, capsys):
    for sql in ("SELEC count(*) FROM examples", "SELECT * FROM nowhere", "   "):
        rc, stdout, err = _cli(capsys, "query", str(out / "g"), sql)
        assert rc == 2 and stdout == ""
        assert err.startswith("error: ") and err.count("\n") == 1 and "SQL" in err, err


def test_query_cannot_touch_files(out, tmp_path, capsys):
    target = tmp_path / "x.csv"
    before = sorted(p.name for p in (out / "g").iterdir())
    for sql in (f"COPY (SELECT 1) TO '{target}'",
                "SELECT * FROM read_csv('/etc/passwd')",
                f"COPY examples TO '{out / 'g' / 'examples.parquet'}' (FORMAT parquet)",
                f"ATTACH '{tmp_path / 'db.duckdb'}' AS other",
                "SET enable_external_access = true",
                "SELECT * FROM glob('/etc/*')"):
        rc, stdout, err = _cli(capsys, "query", str(out / "g"), sql)
        assert rc == 2, sql
        assert err.startswith("error: ") and err.count("\n") == 1, err
    assert not target.exists() and not (tmp_path / "db.duckdb").exists()
    assert sorted(p.name for p in (out / "g").iterdir()) == before


def test_query_falls_back_to_jsonl(out, tmp_path, capsys):
    d = tmp_path / "g"
    shutil.copytree(out / "g", d)
    (d / "examples.parquet").unlink()
    assert _q(capsys, d, "SELECT metadata->>'level' AS level, count(*) AS n FROM examples "
              "GROUP BY level ORDER BY level") == [{"level": "a", "n": 6}, {"level": "b", "n": 6}]


def test_query_missing_run_and_missing_duckdb(out, tmp_path, capsys, monkeypatch):
    rc, _, err = _cli(capsys, "query", str(tmp_path / "nope"), "SELECT 1")
    assert rc == 2 and "no such run directory" in err
    rc, _, err = _cli(capsys, "query", str(tmp_path), "SELECT 1")
    assert rc == 2 and "not an assay run" in err
    monkeypatch.setitem(sys.modules, "duckdb", None)
    rc, _, err = _cli(capsys, "query", str(out / "g"), "SELECT 1")
    assert rc == 2 and "pip install 'assay[query]'" in err and err.count("\n") == 1


# -- a live run, then killed ---------------------------------------------------------------
def test_live_run_then_sigkill(tmp_path, capsys):
    rows = [{"query": f"q{i}", "response": f"q{i}", "metadata": {"k": "ab"[i % 2]}}
            for i in range(200)]
    data = write_jsonl(tmp_path / "d.jsonl", rows)
    recipe = write_recipe(tmp_path / "r.yaml")
    o = tmp_path / "out"
    proc = subprocess.Popen(
        [*ASSAY, "run", str(recipe), "--data", str(data), "-m", "mock/echo", "-M",
         "latency=0.05", "--concurrency", "1", "--set", "assay.unit_size=5", "--output-dir",
         str(o), "--progress", "none", "--quiet"],
        env=env_for_subprocess(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run_dir = o / "t"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if (lock_holder(run_dir) == proc.pid
                    and len(list((run_dir / "units").glob("*.jsonl"))) >= 2):
                break
            assert proc.poll() is None, "the run ended before it could be listed"
            time.sleep(0.02)
        rc, stdout, err = _cli(capsys, "runs", str(o), "--json")
        assert rc == 0, err
        [live] = strict_loads(stdout)
        assert (live["status"], live["pid"], live["killed"]) == ("running", proc.pid, False)
        assert live["status_text"] == f"running (pid {proc.pid})" and live["rows"] == 200
        assert live["metric"] is None and live["n_errors"] is None
        rc, stdout, _ = _cli(capsys, "runs", str(o))
        assert f"running (pid {proc.pid})" in stdout
        n = _q(capsys, run_dir, "SELECT count(*) AS n FROM examples")[0]["n"]
        assert 10 <= n < 200 and n % 5 == 0
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    rc, stdout, _ = _cli(capsys, "runs", str(o), "--json")
    [dead] = strict_loads(stdout)
    assert (dead["status"], dead["killed"], dead["pid"]) == ("aborted", True, None)
    assert dead["status_text"] == "aborted (killed)"
    rc, stdout, _ = _cli(capsys, "runs", str(o), "--sort", "status")
    assert "aborted (killed)" in stdout
    by_k = _q(capsys, run_dir, "SELECT metadata->>'k' AS k, count(*) AS n FROM examples "
              "GROUP BY k ORDER BY k")
    assert [r["k"] for r in by_k] == ["a", "b"]
    assert _q(capsys, run_dir, "SELECT count(*) AS n FROM metrics") == [{"n": 0}]
