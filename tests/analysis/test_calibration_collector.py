"""CalibrationCollector: the default metric, the bounded example lists (ties by index, any
arrival order), k = 0, and the per-segment summaries."""

from __future__ import annotations

import math

from assay.analysis.calibration import EXCERPT_CHARS, CalibrationCollector
from assay.config.recipe import CalibrationSection
from assay.stats.reliability import calibration_summary


def _rec(i, conf, em, f1=0.5, seg="a", text="answer"):
    return {"index": i, "id": f"id{i}", "prediction": text, "metadata": {"s": seg},
            "logprobs": [{"token": "x", "logprob": -1.0, "top": []}],
            "metrics": {"f1": f1, "em": em},
            "confidence": {"first_token_prob": conf, "mean_logprob": None,
                           "min_logprob": None, "label": None, "label_probability": None}}


def _collect(recs, **cfg):
    c = CalibrationCollector(CalibrationSection(**cfg), ["s"], seed=3)
    for r in recs:
        c.add(r)
    return c.finish(["f1", "em"])


def test_default_metric_is_the_first_binary_one_in_reported_order():
    out = _collect([_rec(0, .9, 1.0), _rec(1, .2, 0.0)])
    assert out["metric"] == "em" and out["metric_source"] == "default"
    assert out["confidence_sources"] == {"first_token": 2}


def test_lists_are_bounded_ordered_and_independent_of_arrival_order():
    # descending confidence: every example would enter the lowest-confidence heap
    n = 400
    confs = [1.0 - i / n for i in range(n)]
    recs = [_rec(i, c, float(i % 3 == 0), seg="ab"[i % 2], text="t " * 200)
            for i, c in enumerate(confs)]
    out = _collect(recs, low_confidence_k=5, overconfident_threshold=0.5)
    assert [e["index"] for e in out["lowest_confidence"]] == [399, 398, 397, 396, 395]
    wrong = [i for i in range(n) if i % 3 and confs[i] >= 0.5]
    assert out["n_overconfident_errors"] == len(wrong)
    assert [e["index"] for e in out["overconfident_errors"]] == wrong[:5]
    assert all(len(e["prediction"]) <= EXCERPT_CHARS for e in out["lowest_confidence"])
    p = [r["confidence"]["first_token_prob"] for r in recs]
    y = [r["metrics"]["em"] for r in recs]
    sel = [i for i in range(n) if i % 2 == 1]
    assert out["groups"]["s"]["b"]["ece"] == \
        calibration_summary([p[i] for i in sel], [y[i] for i in sel], seed=3)["ece"]


def test_ties_keep_dataset_order_and_k_zero_keeps_only_the_count():
    recs = [_rec(i, 0.9, 0.0) for i in range(6)]
    out = _collect(recs, low_confidence_k=2)
    assert [e["index"] for e in out["lowest_confidence"]] == [0, 1]
    assert [e["index"] for e in out["overconfident_errors"]] == [0, 1]
    out = _collect(recs, low_confidence_k=0)
    assert out["lowest_confidence"] == [] and out["overconfident_errors"] == []
    assert out["n_overconfident_errors"] == 6


def test_examples_without_confidence_or_metric_are_dropped():
    recs = [_rec(0, .9, 1.0), _rec(1, None, 0.0), _rec(2, .4, math.nan)]
    out = _collect(recs)
    assert out["overall"]["n"] == 1 and out["overall"]["n_dropped"] == 2
    low = {e["index"]: e["correct"] for e in out["lowest_confidence"]}
    assert low == {2: None, 0: 1}


def test_rows_before_the_first_confidence_count_but_keep_no_column():
    """The columns start at the first example with a confidence; earlier rows are dropped
    from the summaries exactly as before, and still decide whether a metric is 0/1."""
    recs = [_rec(0, None, 1.0, f1=0.3), _rec(1, None, 0.0, seg="b"), _rec(2, .8, 1.0),
            _rec(3, .3, 0.0, seg="b"), _rec(4, None, 1.0)]
    c = CalibrationCollector(CalibrationSection(), ["s"], seed=3)
    for r in recs[:2]:
        c.add(r)
    assert len(c._conf) == 0 and not c._values   # nothing kept per row yet
    for r in recs[2:]:
        c.add(r)
    out = c.finish(["f1", "em"])
    assert out["metric"] == "em"   # f1 = 0.3 on row 0 is not 0/1, though row 0 has no confidence
    assert out["overall"] == calibration_summary([None, None, .8, .3, None],
                                                 [1.0, 0.0, 1.0, 0.0, 1.0], seed=3)
    assert out["overall"]["n"] == 2 and out["overall"]["n_dropped"] == 3
    assert out["groups"]["s"]["b"] == calibration_summary([None, .3], [0.0, 0.0], seed=3)
    assert [e["index"] for e in out["lowest_confidence"]] == [3, 2]


def test_no_confidence_at_all_keeps_nothing_per_row():
    recs = [_rec(i, None, float(i % 2)) for i in range(50)]
    c = CalibrationCollector(CalibrationSection(), [], seed=3)
    for r in recs:
        c.add(r)
    assert len(c._conf) == 0 and not c._values
    out = c.finish(["f1", "em"])
    assert out["metric"] == "em" and out["skipped"].startswith("no scored example has")
