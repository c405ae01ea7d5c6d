"""Rubric-judge calibration: margin buckets, reliability (ECE/Brier by hand), distributions."""

from __future__ import annotations

import math

import pytest

from assay.stats.agreement import wilson_interval
from assay.stats.calibration import (
    margin_buckets,
    margin_histogram,
    reliability_table,
    score_distributions,
)


# ----------------------------------------------------------------------------- margin_buckets
def test_margin_buckets_counts_accuracy_and_wilson():
    margins = [0.05, -0.05, 0.2, -0.3, 0.4, 0.9, -1.0, float("nan"), None, 0.1]
    correct = [True, False, True, True, False, True, True, True, True, None]
    b = margin_buckets(margins, correct)
    assert [(r["lo"], r["hi"]) for r in b] == [(0, 0.1), (0.1, 0.25), (0.25, 0.5), (0.5, 1.0)]
    assert [r["n"] for r in b] == [2, 1, 2, 2]          # NaN/None margin and None correct skipped
    assert [r["n_correct"] for r in b] == [1, 1, 1, 2]
    assert b[0]["accuracy"] == 0.5 and b[3]["accuracy"] == 1.0
    assert b[0]["mean_abs_margin"] == pytest.approx(0.05)
    assert b[2]["mean_abs_margin"] == pytest.approx(0.35)
    assert b[3]["mean_abs_margin"] == pytest.approx(0.95)   # |-1.0| lands in the closed last bucket
    for r in b:
        assert (r["acc_lo"], r["acc_hi"]) == wilson_interval(r["n_correct"], r["n"])


def test_margin_buckets_edges_half_open_and_empty():
    b = margin_buckets([0.1, 0.25, -0.5], [1, 0, 1])
    assert [r["n"] for r in b] == [0, 1, 1, 1]
    assert math.isnan(b[0]["accuracy"]) and math.isnan(b[0]["acc_lo"])
    assert math.isnan(b[0]["mean_abs_margin"])
    empty = margin_buckets([], [])
    assert len(empty) == 4 and all(r["n"] == 0 for r in empty)
    custom = margin_buckets([0.3, 0.7, 1.5], [True, True, True], edges=(0, 0.5, 1))
    assert [r["n"] for r in custom] == [1, 1]          # out of range dropped


def test_margin_buckets_errors():
    with pytest.raises(ValueError):
        margin_buckets([0.1], [True, False])
    with pytest.raises(ValueError):
        margin_buckets([0.1], [True], edges=(0, 0.5, 0.5))
    with pytest.raises(ValueError):
        margin_buckets([0.1], [True], edges=(0,))


# ----------------------------------------------------------------------------- reliability
MARGINS = [-0.8, -0.2, 0.2, 0.6, 1.0]
HUMAN = ["B", "A", "A", "A", "B"]


def test_reliability_hand_computation():
    # p = [.1, .4, .6, .8, 1.0], y = [0, 1, 1, 1, 0]
    r = reliability_table(MARGINS, HUMAN, n_bins=2)
    b0, b1 = r["bins"]
    assert (b0["lo"], b0["hi"], b1["lo"], b1["hi"]) == (0.0, 0.5, 0.5, 1.0)
    assert b0["n"] == 2 and b0["mean_predicted"] == pytest.approx(0.25) and b0["observed"] == 0.5
    assert b1["n"] == 3 and b1["mean_predicted"] == pytest.approx(0.8)
    assert b1["observed"] == pytest.approx(2 / 3)
    assert b1["gap"] == pytest.approx(2 / 3 - 0.8)
    # ECE = 2/5 * |0.5 - 0.25| + 3/5 * |2/3 - 0.8| = 0.1 + 0.08
    assert r["ece"] == pytest.approx(0.18)
    # Brier = (0.01 + 0.36 + 0.16 + 0.04 + 1.0) / 5
    assert r["brier"] == pytest.approx(0.314)
    assert r["n"] == 5 and r["n_ties"] == 0


def test_reliability_ties_half_vs_exclude_and_unlabelled():
    m = MARGINS + [0.0, 0.5, float("nan")]
    h = HUMAN + ["tie", None, "A"]
    ex = reliability_table(m, h, n_bins=2, ties="exclude")
    assert ex["n"] == 5 and ex["n_ties"] == 1
    assert ex["ece"] == pytest.approx(0.18) and ex["brier"] == pytest.approx(0.314)
    half = reliability_table(m, h, n_bins=2)
    assert half["ties"] == "half" and half["n"] == 6 and half["n_ties"] == 1
    # tie: p = 0.5 (bin 1, closed lower edge), y = 0.5 -> squared error 0
    assert half["brier"] == pytest.approx(1.57 / 6)
    b1 = half["bins"][1]
    assert b1["n"] == 4 and b1["mean_predicted"] == pytest.approx(2.9 / 4)
    assert b1["observed"] == pytest.approx(2.5 / 4)
    assert half["ece"] == pytest.approx(2 / 6 * 0.25 + 4 / 6 * abs(2.5 / 4 - 2.9 / 4))


def test_reliability_perfect_and_empty():
    r = reliability_table([1.0, -1.0, 1.0], ["A", "B", "A"], n_bins=5)
    assert r["ece"] == 0.0 and r["brier"] == 0.0
    assert [b["n"] for b in r["bins"]] == [1, 0, 0, 0, 2]
    e = reliability_table([0.3], [None])
    assert e["n"] == 0 and math.isnan(e["ece"]) and math.isnan(e["brier"])
    assert all(b["n"] == 0 and math.isnan(b["observed"]) for b in e["bins"])


def test_reliability_errors():
    with pytest.raises(ValueError):
        reliability_table([0.1], ["C"])
    with pytest.raises(ValueError):
        reliability_table([0.1], ["A"], ties="drop")
    with pytest.raises(ValueError):
        reliability_table([0.1], ["A"], n_bins=0)
    with pytest.raises(ValueError):
        reliability_table([0.1, 0.2], ["A"])


# ----------------------------------------------------------------------------- distributions
def _bd(sa, sb, *, fa=True, fb=False, w=1.0):
    return {
        "accuracy": {"score_A": sa, "score_B": sb, "weight": w, "type": "scale",
                     "description": "d", "justification_A": "x", "justification_B": "y"},
        "cites": {"score_A": fa, "score_B": fb, "weight": 0.5, "type": "binary",
                  "description": "d", "justification_A": "x", "justification_B": "y"},
    }


def test_score_distributions():
    bds = [_bd(5, 3), _bd(4, 3, fb=True, w=3.0), None, _bd(None, 3.0, fa="no"),
           {"style": {"score_A": 2, "score_B": 6}}]
    d = score_distributions(bds)
    assert list(d) == ["accuracy", "cites", "style"]
    acc = d["accuracy"]
    assert acc["type"] == "scale" and acc["n"] == 3
    assert acc["counts_A"] == {1: 0, 2: 0, 3: 0, 4: 1, 5: 1}
    assert acc["counts_B"] == {1: 0, 2: 0, 3: 3, 4: 0, 5: 0}
    assert acc["n_missing_A"] == 1 and acc["n_missing_B"] == 0
    assert acc["mean_A"] == 4.5 and acc["mean_B"] == 3.0
    assert acc["mean_weight"] == pytest.approx(5 / 3)
    cites = d["cites"]
    assert cites["type"] == "binary" and cites["n"] == 3
    assert cites["counts_A"] == {True: 2, False: 1}
    assert cites["counts_B"] == {True: 1, False: 2}
    assert cites["mean_A"] == pytest.approx(2 / 3) and cites["mean_weight"] == 0.5
    style = d["style"]                       # no type given -> scale; out-of-range 6 kept
    assert style["type"] == "scale" and style["counts_B"][6] == 1
    assert math.isnan(style["mean_weight"])


def test_score_distributions_empty():
    assert score_distributions([]) == {}
    assert score_distributions([None, {}]) == {}


# ----------------------------------------------------------------------------- histogram
def test_margin_histogram():
    h = margin_histogram([-1.0, -0.95, 0.0, 0.05, 1.0, float("nan"), None, 1.5], bins=4)
    assert h["edges"] == [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert h["counts"] == [2, 0, 2, 1]
    assert h["n"] == 5 and h["n_dropped"] == 3
    e = margin_histogram([])
    assert e["counts"] == [0] * 10 and e["n"] == 0
    with pytest.raises(ValueError):
        margin_histogram([0.1], bins=0)
