"""Spearman's rho and Kendall's tau-b equal scipy's, with seeded bootstrap intervals."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import kendalltau, spearmanr

from assay.stats.rank_correlation import kendall_tau_b, rank_correlation, spearman


@pytest.mark.parametrize("seed", range(5))
def test_equal_scipy_on_tied_grades(seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 6, 80).astype(float)
    y = np.clip(x + rng.integers(-2, 3, 80), 1, 5)
    assert spearman(x, y) == pytest.approx(spearmanr(x, y).statistic, abs=1e-12)
    assert kendall_tau_b(x, y) == pytest.approx(kendalltau(x, y).statistic, abs=1e-12)


def test_missing_grades_are_dropped_and_counted():
    r = rank_correlation([1, 2, None, 4, float("nan"), 5], [1, 3, 2, 4, 5, None], n_boot=50)
    assert r["n"] == 3 and r["n_dropped"] == 3
    assert r["spearman"]["value"] == pytest.approx(1.0)


def test_constant_grades_give_nan_not_an_error():
    r = rank_correlation([3, 3, 3, 3], [1, 2, 3, 4], n_boot=20)
    assert math.isnan(r["spearman"]["value"]) and math.isnan(r["kendall_tau_b"]["value"])


def test_intervals_are_seeded_and_hold_the_estimate():
    rng = np.random.default_rng(1)
    x = rng.integers(1, 6, 60)
    y = np.clip(x + rng.integers(-1, 2, 60), 1, 5)
    a = rank_correlation(list(x), list(y), n_boot=300, seed=4)
    assert a == rank_correlation(list(x), list(y), n_boot=300, seed=4)
    for k in ("spearman", "kendall_tau_b"):
        assert a[k]["ci_low"] <= a[k]["value"] <= a[k]["ci_high"]
