"""assay.stats.pairwise: judge counts, stderr, Bradley-Terry win rate, bootstrap CI, verdict."""

from __future__ import annotations

import math

import numpy as np
import pytest

from assay.stats import mean_stderr
from assay.stats.bradley_terry import fit_bradley_terry
from assay.stats.pairwise import OUTCOMES, bt_winrate, pairwise_summary, verdict

KEYS = {"a_scores", "b_scores", "ties", "inference_error", "score", "winrate", "lower_rate", "upper_rate"}


def test_published_example_16_10() -> None:
    s = pairwise_summary(["A"] * 16 + ["B"] * 10)
    assert KEYS | {f"{k}_stderr" for k in ("a_scores", "b_scores", "ties", "inference_error", "score")} <= set(s)
    assert (s["a_scores"], s["b_scores"], s["ties"], s["inference_error"]) == (16.0, 10.0, 0.0, 0.0)
    assert s["score"] == 10.0 and s["score_stderr"] == s["b_scores_stderr"]
    assert s["winrate"] == pytest.approx(10 / 26, abs=1e-15)
    assert round(s["winrate"], 2) == 0.38
    assert s["lower_rate"] < s["winrate"] < s["upper_rate"]
    assert s["verdict"] == "no significant difference"
    assert s["ties_stderr"] == 0.0 and s["n"] == 26


def test_count_stderr_is_n_times_stderr_of_indicator_mean() -> None:
    labels = ["A"] * 5 + ["B"] * 9 + ["tie"] * 3 + ["error"] * 2
    s = pairwise_summary(labels, n_resamples=10)
    n = len(labels)
    for key, lab in zip(("a_scores", "b_scores", "ties", "inference_error"), OUTCOMES):
        ind = np.array([x == lab for x in labels], dtype=float)
        assert s[f"{key}_stderr"] == pytest.approx(n * mean_stderr(ind)[1], rel=1e-12)
        p = ind.mean()
        assert s[f"{key}_stderr"] == pytest.approx(math.sqrt(n * p * (1 - p) * n / (n - 1)), rel=1e-12)


def test_winrate_is_two_player_bt_mle_with_half_ties() -> None:
    a, b, t = 7, 11, 4
    s = pairwise_summary(["A"] * a + ["B"] * b + ["tie"] * t + ["error"] * 3, n_resamples=10)
    assert s["winrate"] == pytest.approx((b + t / 2) / (a + b + t), abs=1e-15)
    theta = fit_bradley_terry(np.array([[0.0, a + t / 2], [b + t / 2, 0.0]]))
    assert s["winrate"] == pytest.approx(1.0 / (1.0 + math.exp(theta[0] - theta[1])), abs=1e-12)
    assert bt_winrate(0, 0, 0) != bt_winrate(0, 0, 0)  # NaN


def test_errors_excluded_and_all_errors() -> None:
    base = pairwise_summary(["A", "B", "B"], n_resamples=10)
    with_err = pairwise_summary(["A", "B", "error", "B"], n_resamples=10)
    assert with_err["winrate"] == base["winrate"] == pytest.approx(2 / 3)
    assert with_err["inference_error"] == 1.0
    for labels in (["error"] * 4, []):
        s = pairwise_summary(labels)
        assert math.isnan(s["winrate"]) and math.isnan(s["lower_rate"]) and math.isnan(s["upper_rate"])
        assert s["verdict"] == "no valid judgments"


def test_bootstrap_deterministic() -> None:
    labels = ["A", "B", "tie", "B", "error", "B", "A", "B"] * 5
    one = pairwise_summary(labels, seed=3)
    assert one == pairwise_summary(labels, seed=3)
    assert (one["lower_rate"], one["upper_rate"]) != (
        pairwise_summary(labels, seed=4)["lower_rate"], pairwise_summary(labels, seed=4)["upper_rate"])


def test_b_truly_wins_70_percent() -> None:
    rng = np.random.Generator(np.random.PCG64(0))
    labels = rng.permutation(["B"] * 280 + ["A"] * 120).tolist()  # exactly 70% B
    s = pairwise_summary(labels, seed=0)
    assert s["lower_rate"] <= 0.7 <= s["upper_rate"]
    assert s["upper_rate"] - s["lower_rate"] < 0.12
    assert s["verdict"] == "B is better"
    flipped = pairwise_summary(["A" if x == "B" else "B" for x in labels], seed=0)
    assert flipped["verdict"] == "A is better"
    assert flipped["winrate"] == pytest.approx(1.0 - s["winrate"])


def test_verdict_and_validation() -> None:
    assert verdict(0.51, 0.9) == "B is better"
    assert verdict(0.1, 0.49) == "A is better"
    assert verdict(0.5, 0.6) == "no significant difference"
    assert verdict(math.nan, math.nan) == "no valid judgments"
    with pytest.raises(ValueError, match="unknown outcomes"):
        pairwise_summary(["A", "C"])
    with pytest.raises(ValueError):
        pairwise_summary(["A"], level=1.0)
