"""Choice-probability calibration of multiple-choice benchmark runs (issue 13), through the public
API on the scripted mock backend: the softmax choice probabilities and confidences against a
direct scipy computation from the recorded log-likelihoods, the calibration numbers of
metrics.json against a direct computation, the lowest-confidence and overconfident-error lists,
the generative skip path, the console lines, the report section, old records, byte-identical
reruns."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from scipy.special import softmax

import assay
from assay.runner.run import RunOptions
from assay.stats.reliability import calibration_summary
from assay.tasks.benchmark.calibration import (CalibrationCollector, choice_probabilities,
                                               item_calibration)
from assay.tasks.benchmark.console import calibration_lines, print_benchmark
from assay.tasks.benchmark.records import BenchRecord
from assay.tasks.benchmark.report import write_benchmark_report
from assay.tasks.benchmark.report_calibration import calibration_section

from ..conftest import ROOT

FIXTURES = ROOT / "tests" / "benchmarks" / "fixtures"
QUIET = RunOptions(progress="none", print_summary=False)
EVIL = "<script>alert(1)</script>"
SEED = 17


def _recipe(out: Path, task: str = "arc", data: str = "arc", model: str = "mock/echo",
            model_args: dict | None = None, **bench) -> dict:
    return {"run": {"name": "cal"}, "evaluation": {"task": task, "metric": "accuracy"},
            "inference": {"max_new_tokens": 32, "temperature": 0},
            "assay": {"model": model, "model_args": model_args or {}, "seed": SEED,
                      "data": str(FIXTURES / data), "output_dir": str(out),
                      "benchmark": bench}}


def _records(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in
            (run_dir / "examples.jsonl").read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture(scope="module")
def prefer_args(tmp_path_factory) -> dict:
    """ll_prefer making every other item confidently right and the others confidently wrong."""
    res = assay.evaluate(_recipe(tmp_path_factory.mktemp("probe")), QUIET)
    prefer = []
    for r in _records(res.run_dir):
        wrong = next(i for i in range(len(r["choices"])) if i != r["gold_index"])
        prefer.append(r["choices"][r["gold_index"] if r["index"] % 2 else wrong].strip())
    return {"ll_prefer": prefer}


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    return assay.evaluate(_recipe(tmp_path_factory.mktemp("cal")), QUIET).run_dir


def test_choice_probabilities_are_the_softmax_of_the_recorded_lls(run):
    recs = _records(run)
    assert recs and all(r["method"] == "loglikelihood" for r in recs)
    for r in recs:
        want = softmax(np.asarray(r["loglikelihoods"], dtype=float))
        assert np.allclose(r["choice_probs"], want, rtol=1e-12, atol=1e-15)
        assert math.isclose(sum(r["choice_probs"]), 1.0, rel_tol=1e-12)
        assert r["pred_index"] == int(np.argmax(r["loglikelihoods"]))   # the acc answer
        assert r["confidence"] == r["choice_probs"][r["pred_index"]]
        assert r["confidence"] == pytest.approx(float(want.max()), rel=1e-12)
    # the native parquet and the Nova details carry them too, beside the unchanged columns
    table = pq.read_table(run / "examples.parquet").to_pylist()
    assert [t["confidence"] for t in table] == [r["confidence"] for r in recs]
    details = sorted((run / "eval_results" / "details").rglob("*.parquet"))
    import ast
    rows = [row for p in details for row in pq.read_table(p).to_pylist()]
    by_id = {r["id"]: r for r in recs}
    for row in rows:
        spec = ast.literal_eval(row["specifics"])
        assert spec["confidence"] == by_id[spec["id"]]["confidence"]
        assert spec["choice_probs"] == by_id[spec["id"]]["choice_probs"]
        r = by_id[spec["id"]]
        assert row["predictions"] == repr(list(zip(r["loglikelihoods"], r["greedy"])))


def _ece_direct(p: np.ndarray, y: np.ndarray, n_bins: int = 10) -> float:
    total = 0.0
    for b in range(n_bins):
        lo, hi = b / n_bins, (b + 1) / n_bins
        sel = (p >= lo) & ((p < hi) if b < n_bins - 1 else (p <= hi))
        if sel.any():
            total += sel.sum() * abs(y[sel].mean() - p[sel].mean())
    return total / p.size


def _ece_mass_direct(p: np.ndarray, y: np.ndarray, n_bins: int = 10) -> float:
    order = np.argsort(p, kind="stable")
    groups = np.array_split(order, min(n_bins, p.size))
    return sum(len(g) * abs(y[g].mean() - p[g].mean()) for g in groups if len(g)) / p.size


def _auroc_direct(p: np.ndarray, y: np.ndarray) -> float:
    pos, neg = p[y == 1], p[y == 0]
    if not pos.size or not neg.size:
        return math.nan
    wins = sum((a > b) + 0.5 * (a == b) for a in pos for b in neg)
    return wins / (pos.size * neg.size)


def _check_block(block: dict, p: np.ndarray, y: np.ndarray) -> None:
    assert block["n"] == p.size and block["n_correct"] == int(y.sum())
    assert block["accuracy"] == pytest.approx(y.mean())
    assert block["mean_confidence"] == pytest.approx(p.mean())
    assert block["ece"]["value"] == pytest.approx(_ece_direct(p, y))
    assert block["ece_equal_mass"]["value"] == pytest.approx(_ece_mass_direct(p, y))
    assert block["brier"]["value"] == pytest.approx(np.mean((p - y) ** 2))
    auc = _auroc_direct(p, y)
    got = block["auroc"]["value"]
    assert (got is None and math.isnan(auc)) or got == pytest.approx(auc)
    assert block["seed"] == SEED
    assert sum(b["n"] for b in block["bins_equal_width"]) == p.size


def test_calibration_summary_matches_a_direct_computation(tmp_path, prefer_args):
    res = assay.evaluate(_recipe(tmp_path, model_args=prefer_args), QUIET)
    recs = _records(res.run_dir)
    cal = json.loads((res.run_dir / "metrics.json").read_text(encoding="utf-8"))["calibration"]
    p = np.asarray([r["confidence"] for r in recs])
    y = np.asarray([float(r["pred_index"] in r["gold_indices"]) for r in recs])
    assert 0 < y.sum() < y.size                      # both classes: AUROC is defined
    assert cal["n_items"] == len(recs) and cal["n_without_confidence"] == 0
    _check_block(cal["overall"], p, y)
    # the intervals are calibration_summary's, seeded by the run seed
    want = json.loads(json.dumps(calibration_summary(p.tolist(), y.tolist(), seed=SEED),
                                 allow_nan=True).replace("NaN", "null"))
    assert cal["overall"] == want
    subs = sorted({r["subtask"] for r in recs})
    assert sorted(cal["subtasks"]) == subs
    for sub in subs:
        sel = np.asarray([r["subtask"] == sub for r in recs])
        _check_block(cal["subtasks"][sub], p[sel], y[sel])
    # the k lowest-confidence items, and the confident errors, most confident first
    order = sorted(range(len(recs)), key=lambda i: (p[i], recs[i]["index"]))[:10]
    assert [e["id"] for e in cal["lowest_confidence"]] == [recs[i]["id"] for i in order]
    over = sorted((i for i in range(len(recs)) if not y[i] and p[i] >= 0.8),
                  key=lambda i: (-p[i], recs[i]["index"]))
    assert over and cal["n_overconfident_errors"] == len(over)
    assert [e["id"] for e in cal["overconfident_errors"]] == [recs[i]["id"] for i in over[:10]]
    assert all(e["confidence"] >= 0.8 and not e["correct"] for e in cal["overconfident_errors"])
    # console: two lines under the table
    buf = io.StringIO()
    from rich.console import Console
    summary = json.loads((res.run_dir / "metrics.json").read_text(encoding="utf-8"))
    print_benchmark(summary, title="t", console=Console(file=buf, width=200))
    out = buf.getvalue()
    assert f"calibration (choice probabilities, n={len(recs)}): ECE " \
           f"{cal['overall']['ece']['value']:.3f}" in out
    assert f"{len(over)} overconfident errors (confidence ≥ 0.8)" in out


def test_generative_benchmark_skips_calibration(tmp_path):
    res = assay.evaluate(_recipe(tmp_path, task="gsm8k", data="gsm8k", model="mock/oracle"),
                         QUIET)
    summary = json.loads((res.run_dir / "metrics.json").read_text(encoding="utf-8"))
    assert set(summary["calibration"]) == {"skipped"}
    assert "no item was scored by log-likelihood" in summary["calibration"]["skipped"]
    assert all(r["choice_probs"] is None and r["confidence"] is None
               for r in _records(res.run_dir))
    assert calibration_lines(summary["calibration"])[0].startswith("calibration: skipped")
    page = write_benchmark_report(res.run_dir).read_text(encoding="utf-8")
    assert "id='calibration'" in page and "not computed: no item was scored" in page
    assert "data:image/png" not in page


def test_multiple_choice_by_generation_skips_too(tmp_path):
    res = assay.evaluate(_recipe(tmp_path, model="mock/oracle", method="generate"), QUIET)
    cal = json.loads((res.run_dir / "metrics.json").read_text(encoding="utf-8"))["calibration"]
    assert "skipped" in cal


def test_reruns_are_byte_identical(tmp_path, run, prefer_args):
    a = assay.evaluate(_recipe(tmp_path / "a", model_args=prefer_args), QUIET).run_dir
    b = assay.evaluate(_recipe(tmp_path / "b", model_args=prefer_args), QUIET).run_dir
    ta, tb = ((d / "metrics.json").read_bytes() for d in (a, b))
    assert ta.replace(str(tmp_path / "a").encode(), b"") == \
        tb.replace(str(tmp_path / "b").encode(), b"")
    assert b'"calibration"' in ta


def test_report_has_the_calibration_section(run):
    page = write_benchmark_report(run).read_text(encoding="utf-8")
    assert "id='calibration'" in page and "href='#calibration'" in page
    assert page.count("data:image/png;base64,") == 1      # the reliability diagram
    assert "Lowest confidence (10)" in page and "<th>probability</th>" in page
    rec = _records(run)[0]
    assert f"{rec['choice_probs'][0]:.3f}" in page


def test_report_escapes_dataset_text():
    row = {"id": EVIL, "subtask": EVIL, "index": 0, "confidence": 0.9, "correct": False,
           "pred_index": 0, "predicted": EVIL, "gold": EVIL}
    block = calibration_summary([0.9, 0.4], [0, 1], n_boot=10, seed=1)
    cal = {"source": "s", "overall": block, "subtasks": {EVIL: block, "x": block},
           "n_overconfident_errors": 1, "overconfident_threshold": 0.8,
           "lowest_confidence": [row], "overconfident_errors": [row]}
    h = calibration_section({"model": EVIL, "benchmark": EVIL, "calibration": cal})
    assert EVIL not in h and "&lt;script&gt;" in h
    assert calibration_section({"calibration": None}) == ""


def test_choice_probabilities_edge_cases():
    assert choice_probabilities([]) is None and choice_probabilities(None) is None
    assert choice_probabilities([-math.inf, -math.inf]) is None
    assert choice_probabilities([0.0, math.nan]) is None
    assert choice_probabilities([-1.0, -math.inf]) == [1.0, 0.0]
    big = choice_probabilities([-1e4, -1e4 - math.log(3)])
    assert big == pytest.approx([0.75, 0.25])
    assert item_calibration([-1.0, -2.0], None) == (choice_probabilities([-1.0, -2.0]), None)


def test_old_records_load_and_are_calibrated(run):
    rec = _records(run)[0]
    old = {k: v for k, v in rec.items() if k not in ("choice_probs", "confidence")}
    loaded = BenchRecord.from_dict(dict(old))
    assert loaded.choice_probs is None and loaded.confidence is None
    c = CalibrationCollector()
    c.add(old)
    c.add(rec)
    block = c.finish(seed=1, n_boot=20)
    assert block["overall"]["n"] == 2
    assert [e["confidence"] for e in block["lowest_confidence"]] == [rec["confidence"]] * 2
