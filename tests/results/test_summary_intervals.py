"""metrics.json intervals (SummaryCollector): Wilson for 0/1 metrics, clipped t-intervals for
the others, every interval containing its value, and the missing group-by field warning."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

from assay.metrics.genqa import GenQAScorer
from assay.results.summary import SummaryCollector


def _collect(preds, golds, *, metrics=("em",), custom=None, metadata=None, group_by=(),
             aggregation="average"):
    scorer = GenQAScorer(metrics)
    col = SummaryCollector(scorer, metrics, list(group_by), custom_aggregation=aggregation)
    for i, (p, g) in enumerate(zip(preds, golds)):
        values, states = scorer.score(p, g)
        values = dict(values)
        for name, col_values in (custom or {}).items():
            values[name] = col_values[i]
        col.add({"index": i, "metrics": values, "metric_state": states, "error": None,
                 "metadata": metadata[i] if metadata else {}})
    return col.finish()


def _inside(m: dict) -> bool:
    return m["ci_low"] <= m["value"] <= m["ci_high"]


def test_zero_of_seventy_exact_matches_gets_a_wilson_interval():
    meta = [{"difficulty": "easy" if i < 35 else "hard"} for i in range(70)]
    s = _collect(["wrong"] * 70, ["right"] * 70, metadata=meta, group_by=["difficulty"])
    em = s["metrics"]["em"]
    assert em["value"] == 0.0 and em["stderr"] == 0.0 and em["n"] == 70   # stderr unchanged
    assert em["ci_low"] == 0.0
    assert em["ci_high"] == pytest.approx(proportion_confint(0, 70, method="wilson")[1], abs=1e-12)
    assert em["ci_high"] == pytest.approx(0.0521, abs=1e-4)
    easy = s["groups"]["difficulty"]["easy"]["metrics"]["em"]
    assert easy["ci_high"] == pytest.approx(proportion_confint(0, 35, method="wilson")[1])


def test_mixed_exact_matches_use_wilson_not_t():
    golds = ["a"] * 20
    preds = ["a"] * 3 + ["b"] * 17
    em = _collect(preds, golds)["metrics"]["em"]
    x = np.r_[np.ones(3), np.zeros(17)]
    assert em["stderr"] == pytest.approx(sps.sem(x))                    # the sample stderr
    assert (em["ci_low"], em["ci_high"]) == pytest.approx(
        proportion_confint(3, 20, method="wilson"), abs=1e-12)


def test_perfect_bleu_interval_contains_its_value():
    preds = [f"the answer {i} is right here" for i in range(30)]
    meta = [{"d": i % 2} for i in range(30)]
    s = _collect(preds, preds, metrics=("bleu",), metadata=meta, group_by=["d"])
    b = s["metrics"]["bleu"]
    assert b["value"] > 100.0            # 100.00000000000004: float rounding in corpus BLEU
    assert _inside(b) and b["ci_low"] <= b["ci_high"]
    for seg in s["groups"]["d"].values():
        assert _inside(seg["metrics"]["bleu"])


def test_custom_binary_metric_gets_wilson_inside_unit_range():
    # t gave [-0.0456, 1.5456] for 3 of 4
    s = _collect(["x"] * 4, ["y"] * 4, custom={"passed": [1.0, 1.0, 1.0, 0.0]})
    m = s["metrics"]["passed"]
    assert m["stderr"] == pytest.approx(0.25)
    assert (m["ci_low"], m["ci_high"]) == pytest.approx(
        proportion_confint(3, 4, method="wilson"), abs=1e-12)
    assert 0.0 <= m["ci_low"] and m["ci_high"] <= 1.0


def test_continuous_metrics_keep_the_t_interval_clipped_to_their_range():
    vals = [0.9, 1.0, 0.95, 0.2]
    s = _collect(["x"] * 4, ["y"] * 4, custom={"score": vals, "length": [3.0, 5.0, 4.0, 9.0]})
    ref = sps.t.interval(0.95, 3, loc=np.mean(vals), scale=sps.sem(vals))
    m = s["metrics"]["score"]
    assert m["ci_low"] == pytest.approx(ref[0], rel=1e-9) and m["ci_high"] == 1.0
    x = [3.0, 5.0, 4.0, 9.0]
    ln = s["metrics"]["length"]
    assert (ln["ci_low"], ln["ci_high"]) == pytest.approx(
        sps.t.interval(0.95, 3, loc=np.mean(x), scale=sps.sem(x)), rel=1e-9)


def test_non_mean_aggregation_gets_no_interval():
    s = _collect(["x"] * 4, ["y"] * 4, custom={"passed": [1.0, 1.0, 1.0, 0.0]}, aggregation="sum")
    m = s["metrics"]["passed"]
    assert m["value"] == 3.0 and math.isnan(m["ci_low"]) and math.isnan(m["ci_high"])


def test_segments_follow_the_run_wide_decision():
    # f1 takes 0.5 overall, so it is continuous in every segment, even one where it is all 0/1
    preds = ["a b", "a b", "a", "zz", "a b", "a"]
    golds = ["a b", "a b", "a b", "a b", "a b", "a"]
    meta = [{"g": "x"}, {"g": "x"}, {"g": "y"}, {"g": "y"}, {"g": "x"}, {"g": "y"}]
    s = _collect(preds, golds, metrics=("em", "f1"), metadata=meta, group_by=["g"])
    seg_x = s["groups"]["g"]["x"]["metrics"]
    assert seg_x["f1"]["value"] == 1.0 and seg_x["f1"]["ci_low"] == 1.0   # t with stderr 0
    assert seg_x["em"]["ci_low"] == pytest.approx(proportion_confint(3, 3, method="wilson")[0])


def test_missing_group_by_field_warns_once_per_field(capsys):
    meta = [{"difficulty": "easy"}, {"difficulty": "hard"}, {}]
    s = _collect(["a"] * 3, ["a"] * 3, metadata=meta,
                 group_by=["nofield", "difficulty", "difficulty*other"])
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "warning: no example has metadata field 'nofield'; every example is in the "
        "'(missing)' segment (check the field name)",
        "warning: no example has metadata field 'other' (in --group-by 'difficulty*other'); "
        "every example is in the '(missing)' segment (check the field name)",
    ]
    assert s["warnings"] == err
    assert list(s["groups"]["nofield"]) == ["(missing)"]
    none = _collect(["a"] * 3, ["a"] * 3, metadata=meta, group_by=["difficulty"])
    assert none["warnings"] == [] and capsys.readouterr().err == ""


def test_aggregates_are_byte_identical_across_runs():
    rng = np.random.default_rng(3)
    preds = [str(v) for v in rng.integers(0, 3, 50)]
    golds = [str(v) for v in rng.integers(0, 3, 50)]
    meta = [{"k": f"s{i % 4}"} for i in range(50)]
    custom = {"c": list(rng.random(50))}
    docs = [json.dumps(_collect(preds, golds, metrics=("em", "f1", "bleu"), custom=custom,
                                metadata=meta, group_by=["k"]), sort_keys=True)
            for _ in range(2)]
    assert docs[0] == docs[1]
