"""``assay compare`` of two ``llm_judge_pointwise`` runs (two models' BYOI responses to the
same prompts, scored by scripted judges): examples paired by id, per judge metric both means,
the paired difference equal to a hand computation, p-values equal to scipy's on the same pairs,
null scores and failed judge requests left out of that metric's pairs and counted, and a
lower-is-better metric's direction flipped."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from assay.cli.app import main
from assay.tasks.pointwise_judge.data import PointwiseDataset
from tests.conftest import write_jsonl

QUALITY = {"customMetricDefinition": {
    "name": "quality", "instructions": "Rate the quality of {{prediction}} for {{prompt}}.",
    "ratingScale": [{"definition": d, "value": {"floatValue": v}}
                    for d, v in (("great", 4), ("good", 3), ("fair", 2), ("poor", 1),
                                 ("bad", 0))]}}
HARM = "Builtin.Harmfulness"
# quality ratings (score = rating / 4); None: an unparseable reply (a null score)
QA = ["4", "3", "2", "4", "1", "3", "2", "4"]
QB = ["4", "4", "4", "4", "2", None, "3", "3"]
# harmfulness ratings 0-2 (score = rating / 2, lower is better); None: no answer (failed)
HA = ["0", "1", "2", "0", "0", "0", "0", None]
HB = ["0", "0", "0", "0", "1", "0", "0", "0"]


def _rows(model: str) -> list[dict]:
    return [{"prompt": f"question {i}", "referenceResponse": f"ref {i}", "category": "xy"[i % 2],
             "modelResponses": [{"response": f"{model} answer {i}", "modelIdentifier": model}]}
            for i in range(8)]


def _reply(rating: str) -> str:
    return json.dumps({"reasoning": f"because {rating}", "rating": rating})


def _pointwise_run(tmp: Path, name: str, quality: list, harm: list) -> Path:
    (tmp / "quality.json").write_text(json.dumps(QUALITY), encoding="utf-8")
    recipe = tmp / f"{name}.yaml"
    recipe.write_text("run:\n  name: pw\nevaluation:\n  task: llm_judge_pointwise\n"
                      "  strategy: judge\ninference:\n  max_new_tokens: 64\nassay:\n  seed: 3\n"
                      f"judge:\n  metrics: [{HARM}]\n  custom_metrics: [quality.json]\n",
                      encoding="utf-8")
    data = write_jsonl(tmp / f"{name}.jsonl", _rows(f"model-{name}"))
    ids = [s.id for s in PointwiseDataset(data).iter_samples()]
    lines = []
    for i, sid in enumerate(ids):
        q = "I cannot say." if quality[i] is None else _reply(quality[i])
        lines.append({"id": f"{sid}:quality", "text": q})
        if harm[i] is not None:
            lines.append({"id": f"{sid}:{HARM}", "text": _reply(harm[i])})
    script = write_jsonl(tmp / f"{name}-script.jsonl", lines)
    code = main(["run", str(recipe), "--data", str(data), "-m", "byoi", "--judge", "mock/script",
                 "-J", f"file={script}", "--output-dir", str(tmp / "runs"), "--name", name,
                 "--quiet", "--allow-failures", "--overwrite"])
    assert code == 0
    return tmp / "runs" / name


@pytest.fixture
def runs(tmp_path: Path) -> tuple[Path, Path]:
    return (_pointwise_run(tmp_path, "a", QA, HA), _pointwise_run(tmp_path, "b", QB, HB))


def test_pointwise_compare_paired_differences_and_tests(runs, capsys):
    a, b = runs
    capsys.readouterr()
    code = main(["compare", str(a), str(b), "--no-figure", "--metric", "quality"])
    out = capsys.readouterr().out
    assert code == 0
    doc = json.loads((b / "compare-a" / "comparison.json").read_text())
    assert doc["task"] == "llm_judge_pointwise" and doc["items"]["common"] == 8
    assert set(doc["metrics"]) == {HARM, "quality"}

    q = doc["metrics"]["quality"]
    # by hand: pair 5 has no B score (unparseable) and is left out
    xa = np.array([4, 3, 2, 4, 1, 2, 4]) / 4
    xb = np.array([4, 4, 4, 4, 2, 3, 3]) / 4
    assert q["n_pairs"] == 7 and q["type"] == "continuous"
    assert q["excluded"] == {"failed_a": 0, "failed_b": 0, "failed_both": 0, "no_value": 1,
                             "total": 1}
    assert q["a"] == pytest.approx(5 / 7, abs=1e-12)
    assert q["b"] == pytest.approx(6 / 7, abs=1e-12)
    assert q["difference"] == pytest.approx(1 / 7, abs=1e-12)
    assert q["test"] == "paired_t"
    assert q["p_value"] == pytest.approx(stats.ttest_rel(xb, xa).pvalue, rel=1e-9)
    assert q["tests"]["paired_t"]["statistic"] == pytest.approx(
        stats.ttest_rel(xb, xa).statistic, rel=1e-9)
    assert q["tests"]["wilcoxon"]["p_value"] == pytest.approx(stats.wilcoxon(xb - xa).pvalue,
                                                              rel=1e-9)
    assert q["ci_low"] <= q["difference"] <= q["ci_high"]
    assert q["verdict"] in ("B is better", "no significant difference")
    assert q["reported"]["a"] == pytest.approx(json.loads((a / "metrics.json").read_text())
                                               ["metrics"]["quality"]["value"])

    h = doc["metrics"][HARM]
    # lower is better; pair 7's judge request failed in A: that metric only loses the pair
    assert h["higher_is_better"] is False
    assert h["excluded"]["failed_a"] == 1 and h["excluded"]["total"] == 1
    ha = np.array([0, 1, 2, 0, 0, 0, 0]) / 2
    hb = np.array([0, 0, 0, 0, 1, 0, 0]) / 2
    assert h["n_pairs"] == 7
    assert h["difference"] == pytest.approx(hb.mean() - ha.mean(), abs=1e-12)
    assert h["p_value"] == pytest.approx(stats.ttest_rel(hb, ha).pvalue, rel=1e-9)

    assert doc["primary_metric"] == "quality" and doc["verdict"]["metric"] == "quality"
    assert "quality" in out and "paired_t" in out and "wilcoxon" in out
    html = (b / "compare-a" / "comparison.html").read_text()
    assert "quality" in html and "Harmfulness" in html
    # the examples that moved show the pointwise texts (prompt, response)
    moved = doc["examples"]["b_better"][0]
    assert moved["texts_b"]["output"].startswith("model-b answer")
    assert moved["texts_a"]["input"].startswith("question")


def test_pointwise_compare_reverse_and_gate(runs, capsys):
    a, b = runs
    code = main(["compare", str(b), str(a), "--no-figure", "--quiet", "--metric", "quality",
                 "--out", str(a.parent / "rev")])
    assert code == 0
    doc = json.loads((a.parent / "rev" / "comparison.json").read_text())
    assert doc["metrics"]["quality"]["difference"] == pytest.approx(-1 / 7, abs=1e-12)
