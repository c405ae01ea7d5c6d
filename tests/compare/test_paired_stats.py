"""The numbers of ``assay compare`` against scipy, and the benchmark comparison's statistics
unchanged now that they come from :mod:`assay.compare.paired_stats`."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from assay.compare.paired_stats import (compare_paired, compare_strata, compare_win_rates,
                                        values_binary, wilcoxon_signed_rank)
from assay.stats.paired import paired_comparison
from assay.stats.pairwise import bt_winrate


def _binary_pair(seed: int, n: int = 80, p_a: float = 0.7, p_b: float = 0.55):
    rng = np.random.default_rng(seed)
    return (rng.random(n) < p_a).astype(float), (rng.random(n) < p_b).astype(float)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_mcnemar_exact_equals_scipy_binomtest(seed):
    a, b = _binary_pair(seed)
    r = compare_paired(a, b)
    assert r["test"] == "mcnemar_exact"
    n01 = int(((a == 1) & (b == 0)).sum())
    n10 = int(((a == 0) & (b == 1)).sum())
    assert (r["base_only_correct"], r["challenger_only_correct"]) == (n01, n10)
    want = stats.binomtest(n01, n01 + n10, 0.5, alternative="two-sided").pvalue
    assert r["p_value"] == pytest.approx(want, rel=1e-10, abs=1e-15)


def _continuous_pair(seed: int, n: int = 40, shift: float = 0.05):
    rng = np.random.default_rng(seed)
    a = rng.random(n)
    return a, np.clip(a + shift + rng.normal(0, 0.2, n), 0, 1)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_paired_t_and_wilcoxon_equal_scipy(seed):
    a, b = _continuous_pair(seed)
    r = compare_paired(a, b)
    assert r["test"] == "paired_t"
    t = stats.ttest_rel(b, a)
    assert r["p_value"] == pytest.approx(t.pvalue, rel=1e-9)
    assert r["t_statistic"] == pytest.approx(t.statistic, rel=1e-12)
    w = stats.wilcoxon(b - a)
    assert r["wilcoxon_p_value"] == pytest.approx(w.pvalue, rel=1e-12)
    assert r["wilcoxon_statistic"] == pytest.approx(w.statistic)


def test_wilcoxon_with_zero_differences_and_ties_equals_scipy():
    d = np.array([0.0, 0.0, 0.1, -0.1, 0.2, 0.3, 0.3, -0.05, 0.4, 0.1, 0.25, 0.0])
    w = stats.wilcoxon(d)
    assert wilcoxon_signed_rank(d) == pytest.approx((w.statistic, w.pvalue))
    assert wilcoxon_signed_rank(np.zeros(5)) == (0.0, 1.0)
    assert all(math.isnan(v) for v in wilcoxon_signed_rank([]))


def test_pairs_with_nan_are_dropped_before_every_test():
    a, b = _continuous_pair(5, n=30)
    a[[2, 7]] = np.nan
    b[[7, 11]] = np.nan
    keep = ~(np.isnan(a) | np.isnan(b))
    r = compare_paired(a, b)
    assert (r["n"], r["n_dropped"]) == (27, 3)
    assert r["p_value"] == pytest.approx(stats.ttest_rel(b[keep], a[keep]).pvalue, rel=1e-9)
    assert r["wilcoxon_p_value"] == pytest.approx(stats.wilcoxon(b[keep] - a[keep]).pvalue)
    assert r["difference"] == pytest.approx(float((b[keep] - a[keep]).mean()))


def test_win_rate_sign_test_equals_binomtest_and_means_are_bt_win_rates():
    rng = np.random.default_rng(4)
    outcomes_a = rng.choice(["A", "B", "tie", "error"], size=60, p=[0.4, 0.3, 0.2, 0.1])
    outcomes_b = rng.choice(["A", "B", "tie", "error"], size=60, p=[0.2, 0.5, 0.2, 0.1])
    score = {"A": 0.0, "B": 1.0, "tie": 0.5, "error": math.nan}
    xa = np.array([score[o] for o in outcomes_a])
    xb = np.array([score[o] for o in outcomes_b])
    r = compare_win_rates(xa, xb, seed=3)
    keep = ~(np.isnan(xa) | np.isnan(xb))
    up, down = int((xb[keep] > xa[keep]).sum()), int((xb[keep] < xa[keep]).sum())
    assert (r["challenger_better"], r["challenger_worse"]) == (up, down)
    assert r["p_value"] == pytest.approx(stats.binomtest(up, up + down, 0.5).pvalue, rel=1e-10)
    kept_a = outcomes_a[keep]
    assert r["base"] == pytest.approx(bt_winrate((kept_a == "A").sum(), (kept_a == "B").sum(),
                                                 (kept_a == "tie").sum()))
    assert r["ci_low"] <= r["difference"] <= r["ci_high"]
    assert compare_win_rates(xa, xb, seed=3) == r                      # seeded


def test_bootstrap_ci_is_seeded_and_brackets_the_difference():
    a, b = _binary_pair(7)
    r1, r2 = compare_paired(a, b, seed=5), compare_paired(a, b, seed=5)
    assert r1 == r2
    assert r1["ci_low"] <= r1["difference"] <= r1["ci_high"]
    c, d = _continuous_pair(7)
    assert compare_paired(c, d, seed=6)["ci_low"] != compare_paired(c, d, seed=5)["ci_low"]


@pytest.mark.parametrize("binary", [True, False])
def test_benchmark_statistics_unchanged(binary):
    """What ``compare_records`` computed before it delegated: ``paired_comparison`` overall
    (stratified) and per subtask, byte for byte."""
    if binary:
        a, b = _binary_pair(11, n=90)
    else:
        a, b = _continuous_pair(11, n=90)
    a[3] = np.nan
    subs = ["x", "y", "z"] * 30
    got = compare_paired(list(a), list(b), strata=subs, binary=binary, n_resamples=500, seed=9,
                         rank_test=False)
    want = paired_comparison(list(a), list(b), strata=subs, binary=binary, n_resamples=500,
                             seed=9)
    assert repr(got) == repr(want)
    per = compare_strata(list(a), list(b), subs, binary=binary, n_resamples=500, seed=9,
                         rank_test=False)
    assert list(per) == ["x", "y", "z"]
    for sub in per:
        idx = [k for k, s in enumerate(subs) if s == sub]
        ref = paired_comparison([a[k] for k in idx], [b[k] for k in idx], binary=binary,
                                n_resamples=500, seed=9)
        assert repr(per[sub]) == repr(ref)


def test_values_binary():
    assert values_binary([0.0, 1.0, math.nan], [1.0])
    assert not values_binary([0.0, 0.5])
    assert values_binary([], [])
