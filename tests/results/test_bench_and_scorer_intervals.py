"""Benchmark aggregates and corpus-level scorer values: Wilson intervals for 0/1 metrics
(acc, acc_norm, the accuracy preset), clipped t-intervals for the others (mc2, f1, bleu)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

from assay.tasks.benchmark.summary import BenchSummary, flat_metrics
from assay.tasks.gen_qa.scoring import LoadedScorer, corpus_scores, scorer_metric
from assay.scorers import create_scorer


def _bench(rows):
    b = BenchSummary(["acc"])
    for sub, metrics in rows:
        b.add({"subtask": sub, "error": None, "method": "loglikelihood", "extracted": "x",
               "metrics": metrics})
    return b.finish()


def _wilson(k, n):
    return pytest.approx(proportion_confint(k, n, method="wilson"), abs=1e-12)


def test_benchmark_accuracy_gets_wilson_per_subtask_and_overall():
    rows = [("a", {"acc": 0.0, "acc_norm": 0.0}) for _ in range(70)]
    rows += [("b", {"acc": float(i < 9), "acc_norm": float(i < 12)}) for i in range(30)]
    s = _bench(rows)
    a = s["subtasks"]["a"]["metrics"]["acc"]
    assert a["value"] == 0.0 and a["stderr"] == 0.0                # lighteval's stderr, unchanged
    assert (a["ci_low"], a["ci_high"]) == _wilson(0, 70)
    assert a["ci_high"] == pytest.approx(0.0521, abs=1e-4)         # the t-interval gave [0, 0]
    assert (s["subtasks"]["b"]["metrics"]["acc_norm"]["ci_low"],
            s["subtasks"]["b"]["metrics"]["acc_norm"]["ci_high"]) == _wilson(12, 30)
    ov = s["overall"]["acc"]
    assert (ov["ci_low"], ov["ci_high"]) == _wilson(9, 100)
    assert ov["stderr"] == pytest.approx(sps.sem([1.0] * 9 + [0.0] * 91))
    assert flat_metrics(s["overall"])["acc_stderr"] == ov["stderr"]


def test_benchmark_continuous_metric_keeps_a_clipped_t_interval():
    mc2 = [0.99, 0.97, 1.0, 0.6]
    s = _bench([("", {"acc": 1.0, "mc2": v}) for v in mc2])
    m = s["overall"]["mc2"]
    ref = sps.t.interval(0.95, 3, loc=np.mean(mc2), scale=sps.sem(mc2))
    assert m["ci_low"] == pytest.approx(ref[0], rel=1e-9) and ref[1] > 1.0
    assert m["ci_high"] == 1.0
    acc = s["overall"]["acc"]
    assert (acc["ci_low"], acc["ci_high"]) == _wilson(4, 4)


def test_accuracy_preset_is_a_proportion_and_f1_is_clipped():
    acc = LoadedScorer("acc", create_scorer("accuracy"))
    m = scorer_metric(acc, {"acc": 0.0, "acc_stderr": 0.0, "acc.n": 70.0}, 99)
    assert m["n"] == 70 and m["stderr"] == 0.0
    assert (m["ci_low"], m["ci_high"]) == _wilson(0, 70)
    m = scorer_metric(acc, {"acc": 0.75, "acc_stderr": 0.25, "acc.n": 4.0}, 4)
    assert (m["ci_low"], m["ci_high"]) == _wilson(3, 4)   # t gave [-0.0456, 1.5456]
    f1 = LoadedScorer("f1", create_scorer("f1"))
    m = scorer_metric(f1, {"f1": 0.9, "f1_stderr": 0.1, "f1.n": 5.0}, 5)
    assert m["ci_high"] == 1.0 and m["ci_low"] == pytest.approx(0.9 - sps.t.ppf(0.975, 4) * 0.1)


def test_bleu_preset_interval_contains_a_rounded_perfect_score():
    bleu = LoadedScorer("bleu", create_scorer("bleu"))
    m = scorer_metric(bleu, {"bleu": 100.00000000000004, "bleu_stderr": 0.0, "bleu.n": 10.0}, 10)
    assert m["ci_low"] <= m["value"] <= m["ci_high"]


def test_corpus_scores_segments_use_the_same_intervals():
    labels = ["yes", "no"]
    golds = [labels[i % 2] for i in range(12)]
    preds = ["maybe"] * 12                     # nothing parses: accuracy 0 in every segment
    groups = {"g": np.asarray(["x"] * 6 + ["y"] * 6, dtype=object)}
    acc = LoadedScorer("acc", create_scorer("accuracy", labels=labels))
    _, by_group = corpus_scores([acc], preds, golds, [None] * 12, groups)
    seg = by_group["g"]["x"]["acc"]
    assert seg["value"] == 0.0 and seg["n"] == 6
    assert (seg["ci_low"], seg["ci_high"]) == _wilson(0, 6)
