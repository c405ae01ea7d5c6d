"""Intervals that respect their metric: Wilson for proportions, clipped t otherwise, and
every interval containing its value."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

from assay.stats import contain, is_binary, metric_interval, wilson_interval
from assay.stats.agreement import wilson_interval as agreement_wilson
from assay.stats.proportion import successes


@pytest.mark.parametrize("level", [0.9, 0.95, 0.99])
@pytest.mark.parametrize("n", [1, 2, 5, 20, 70, 1000])
def test_wilson_equals_statsmodels(n: int, level: float) -> None:
    for k in range(n + 1) if n <= 70 else (0, 1, 2, 499, 998, 999, 1000):
        lo, hi = wilson_interval(k, n, level)
        ref_lo, ref_hi = proportion_confint(k, n, alpha=1 - level, method="wilson")
        assert lo == pytest.approx(ref_lo, abs=1e-12) and hi == pytest.approx(ref_hi, abs=1e-12)
        assert 0.0 <= lo <= k / n <= hi <= 1.0


def test_zero_of_seventy_is_not_degenerate() -> None:
    lo, hi = metric_interval(0.0, 0.0, 70, successes=0, bounds=(0.0, 1.0))
    assert lo == 0.0
    assert hi == pytest.approx(0.05202306241026694, abs=1e-12)   # statsmodels' value
    # the t-interval it replaces collapses to [0, 0]
    assert metric_interval(0.0, 0.0, 70, bounds=(0.0, 1.0)) == (0.0, 0.0)


def test_agreement_keeps_exporting_wilson() -> None:
    assert agreement_wilson is wilson_interval


def _coverage(p: float, n: int, interval) -> float:
    """Exact coverage: the binomial probability of the k whose interval holds p."""
    k = np.arange(n + 1)
    pmf = sps.binom.pmf(k, n, p)
    covers = np.array([lo <= p <= hi for lo, hi in (interval(int(j), n) for j in k)])
    return float(pmf[covers].sum())


def _t_interval(k: int, n: int) -> tuple[float, float]:
    x = np.r_[np.ones(k), np.zeros(n - k)]
    mean = float(x.mean())
    return metric_interval(mean, float(x.std(ddof=1)) / math.sqrt(n), n, bounds=(0.0, 1.0))


def test_wilson_coverage_at_small_rates() -> None:
    """Exact coverage over the binomial pmf, n = 70, p on a fine grid over [0.02, 0.05]."""
    n, grid = 70, np.linspace(0.02, 0.05, 61)
    wilson = [_coverage(p, n, lambda k, m: metric_interval(k / m, 0.0, m, successes=k))
              for p in grid]
    assert min(wilson) >= 0.93                           # 0.9314 at p = 0.022
    # the t-interval (the old behaviour for 0/1 metrics) falls to 0.756 at p = 0.02
    assert min(_coverage(p, n, _t_interval) for p in grid) < 0.80


def test_contain_keeps_the_value_inside() -> None:
    v = 100.00000000000004          # corpus BLEU of a perfect run
    assert contain(v, v, v, (0.0, 100.0)) == (v, v)
    lo, hi = contain(v, 99.0, 101.0, (0.0, 100.0))
    assert lo == 99.0 and hi == v and lo <= v <= hi
    assert contain(0.5, 0.6, 0.7) == (0.5, 0.7)       # rounding outside the value
    assert contain(-0.2, -0.5, 0.1, (0.0, 1.0)) == (-0.2, 0.1)
    assert all(math.isnan(x) for x in contain(math.nan, 0.0, 1.0))
    assert all(math.isnan(x) for x in contain(0.5, math.nan, math.nan))


def test_metric_interval_continuous_and_edge_cases() -> None:
    x = np.array([0.2, 0.9, 0.95, 1.0])
    mean, se = float(x.mean()), float(sps.sem(x))
    lo, hi = metric_interval(mean, se, 4)
    ref = sps.t.interval(0.95, df=3, loc=mean, scale=se)
    assert (lo, hi) == pytest.approx(ref, rel=1e-9)
    assert hi > 1.0                                        # unbounded without a range
    lo, hi = metric_interval(mean, se, 4, bounds=(0.0, 1.0))
    assert lo == pytest.approx(ref[0]) and hi == 1.0
    # a custom 0/1 metric: 3 of 4 (t gave [-0.0456, 1.5456])
    lo, hi = metric_interval(0.75, 0.25, 4, successes=3)
    assert (lo, hi) == pytest.approx(proportion_confint(3, 4, method="wilson"), abs=1e-12)
    assert metric_interval(1.0, 0.0, 1, successes=1)[0] == pytest.approx(
        proportion_confint(1, 1, method="wilson")[0])
    for args in ((0.5, 0.1, 1), (0.5, math.nan, 10), (math.nan, 0.1, 10), (math.nan, 0.0, 0)):
        assert all(math.isnan(v) for v in metric_interval(*args))
    with pytest.raises(ValueError):
        metric_interval(0.5, 0.1, 10, level=1.0)


def test_is_binary_and_successes() -> None:
    assert is_binary([0.0, 1.0, math.nan, 1.0])
    assert not is_binary([0.0, 0.5])
    assert not is_binary([])
    assert not is_binary([math.nan])
    assert successes([1.0, 0.0, math.nan, 1.0]) == (2, 3)
