"""Paired comparison statistics against references: scipy's binomial test, statsmodels'
McNemar (when installed), Agresti's worked example, and seeded bootstrap behaviour."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from assay.stats.paired import (comparison_verdict, mcnemar_chi2, mcnemar_exact,
                                paired_bootstrap_diff, paired_comparison)


@pytest.mark.parametrize("b,c", [(0, 0), (0, 1), (1, 0), (3, 7), (7, 3), (10, 10), (25, 40),
                                 (150, 86), (0, 30), (500, 440), (1200, 1100)])
def test_mcnemar_exact_equals_binomial_test(b, c):
    expected = 1.0 if b + c == 0 else stats.binomtest(b, b + c, 0.5).pvalue
    assert mcnemar_exact(b, c) == pytest.approx(expected, rel=1e-9, abs=1e-300)


def test_mcnemar_exact_equals_statsmodels():
    contingency = pytest.importorskip("statsmodels.stats.contingency_tables")
    rng = np.random.default_rng(3)
    for _ in range(50):
        b, c = (int(x) for x in rng.integers(0, 60, size=2))
        table = [[int(rng.integers(0, 100)), b], [c, int(rng.integers(0, 100))]]
        ref = contingency.mcnemar(table, exact=True).pvalue
        assert mcnemar_exact(b, c) == pytest.approx(ref, rel=1e-9)


def test_mcnemar_chi2_agresti_example():
    # Agresti, Categorical Data Analysis, presidential approval: n12 = 150, n21 = 86,
    # z^2 = (86 - 150)^2 / 236 = 17.36 without continuity correction.
    stat, p = mcnemar_chi2(150, 86, correction=False)
    assert stat == pytest.approx(4096 / 236)
    assert p == pytest.approx(stats.chi2.sf(4096 / 236, 1), rel=1e-9)
    stat_cc, _ = mcnemar_chi2(150, 86)
    assert stat_cc == pytest.approx(63 ** 2 / 236)


def test_paired_bootstrap_is_seeded_and_centred():
    rng = np.random.default_rng(0)
    base = rng.integers(0, 2, 400).astype(float)
    chal = np.where(rng.random(400) < 0.15, 1 - base, base)
    a = paired_bootstrap_diff(base, chal, seed=5)
    assert a == paired_bootstrap_diff(base, chal, seed=5)
    assert a != paired_bootstrap_diff(base, chal, seed=6)
    d, lo, hi = a
    assert d == pytest.approx(float((chal - base).mean()))
    assert lo < d < hi


def test_paired_bootstrap_covers_true_difference():
    """A challenger right 10 points more often: the CI covers +0.10 in most simulations."""
    covered = 0
    for s in range(40):
        rng = np.random.default_rng(100 + s)
        truth = rng.random(600)
        base = (truth < 0.5).astype(float)
        chal = (truth < 0.6).astype(float)
        noise = rng.random(600) < 0.05
        chal[noise] = 1 - chal[noise]
        expected = (0.95 * 0.6 + 0.05 * 0.4) - 0.5   # E[chal] - E[base] = 0.09
        _, lo, hi = paired_bootstrap_diff(base, chal, seed=s, n_resamples=500)
        covered += lo <= expected <= hi
    assert covered >= 34   # nominal 95% of 40 = 38


def test_stratified_bootstrap_keeps_strata_sizes():
    base = [0.0] * 50 + [1.0] * 50
    chal = [1.0] * 50 + [1.0] * 50
    strata = ["a"] * 50 + ["b"] * 50
    d, lo, hi = paired_bootstrap_diff(base, chal, strata=strata, seed=1)
    # stratum a always contributes 50 ones, b zero: every resample has mean difference 0.5
    assert d == lo == hi == pytest.approx(0.5)


def test_paired_comparison_counts_and_verdict():
    base = [1, 1, 0, 0, 1, 0, 0, 0] * 25
    chal = [1, 1, 1, 1, 1, 1, 0, 0] * 25
    c = paired_comparison(base, chal, seed=0)
    assert (c["base_only_correct"], c["challenger_only_correct"]) == (0, 75)
    assert (c["both_correct"], c["both_wrong"]) == (75, 50)
    assert c["p_value"] == pytest.approx(2 * 0.5 ** 75)
    assert c["difference"] == pytest.approx(0.375)
    assert c["verdict"].startswith("challenger is better")


def test_identical_models_no_difference():
    x = [1, 0, 1, 1, 0] * 20
    c = paired_comparison(x, x, seed=0)
    assert c["p_value"] == 1.0 and c["difference"] == 0.0
    assert c["verdict"].startswith("no significant difference")


def test_nan_pairs_are_dropped_and_continuous_uses_t_test():
    base = [0.2, 0.4, float("nan"), 0.5, 0.3, 0.6]
    chal = [0.3, 0.5, 0.9, 0.6, 0.35, 0.7]
    c = paired_comparison(base, chal, binary=False, seed=0)
    assert c["n"] == 5 and c["n_dropped"] == 1 and c["test"] == "paired_t"
    ref = stats.ttest_rel([0.3, 0.5, 0.6, 0.35, 0.7], [0.2, 0.4, 0.5, 0.3, 0.6])
    assert c["p_value"] == pytest.approx(ref.pvalue, rel=1e-9)


def test_verdict_requires_both_test_and_interval():
    assert comparison_verdict(0.1, 0.02, 0.2, 0.2).startswith("no significant")
    assert comparison_verdict(0.1, -0.01, 0.2, 0.01).startswith("no significant")
    assert comparison_verdict(-0.1, -0.2, -0.02, 0.01).startswith("base is better")
    assert comparison_verdict(math.nan, math.nan, math.nan, None).startswith("no verdict")
