"""assay.stats: standard errors, t-intervals, percentile bootstrap, seeded resampling."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

import assay.stats
from assay.stats import (
    Interval,
    bootstrap_ci,
    finite,
    mean_ci,
    mean_stderr,
    resample_counts,
    resample_indices,
    resampled_sums,
)


def test_mean_stderr_by_hand() -> None:
    mean, se = mean_stderr([1.0, 2.0, 3.0, 4.0])
    # mean 2.5; squared deviations 2.25+0.25+0.25+2.25 = 5; sd = sqrt(5/3); se = sd/2
    assert mean == 2.5
    assert se == pytest.approx(math.sqrt(5 / 3) / 2, abs=1e-15)


def test_mean_stderr_equals_scipy_sem() -> None:
    x = np.random.default_rng(0).normal(size=257)
    mean, se = mean_stderr(x)
    assert mean == pytest.approx(float(np.mean(x)), abs=1e-15)
    assert se == pytest.approx(float(sps.sem(x, ddof=1)), rel=1e-13)


def test_mean_stderr_edge_cases() -> None:
    assert mean_stderr([7.0]) == (7.0, 0.0)
    assert all(math.isnan(v) for v in mean_stderr([]))
    assert all(math.isnan(v) for v in mean_stderr([math.nan]))
    assert mean_stderr([1.0, math.nan, 0.0]) == mean_stderr([1.0, 0.0])
    assert finite([1.0, np.nan, 2.0]).tolist() == [1.0, 2.0]


@pytest.mark.parametrize("level", [0.8, 0.95, 0.99])
def test_mean_ci_equals_scipy_t_interval(level: float) -> None:
    x = np.random.default_rng(1).exponential(size=60)
    ci = mean_ci(x, level=level)
    lo, hi = sps.t.interval(level, df=len(x) - 1, loc=np.mean(x), scale=sps.sem(x))
    assert isinstance(ci, Interval) and ci.n == 60
    assert ci.lo == pytest.approx(lo, rel=1e-9) and ci.hi == pytest.approx(hi, rel=1e-9)
    mean, se, lo2, hi2, n = ci  # a plain tuple too
    assert (mean, se) == mean_stderr(x)


def test_mean_ci_small_samples_and_bad_level() -> None:
    one = mean_ci([0.3])
    assert (one.estimate, one.stderr, one.n) == (0.3, 0.0, 1)
    assert math.isnan(one.lo) and math.isnan(one.hi)
    assert mean_ci([]).n == 0
    same = mean_ci([1.0, 1.0, 1.0])
    assert same.lo == same.hi == 1.0
    with pytest.raises(ValueError):
        mean_ci([1.0, 2.0], level=1.5)


def test_bootstrap_ci_is_deterministic() -> None:
    x = np.random.default_rng(2).normal(loc=3.0, size=200)
    a = bootstrap_ci(np.mean, x, seed=123)
    b = bootstrap_ci(np.mean, x.copy(), seed=123)
    c = bootstrap_ci(np.mean, x, seed=124)
    assert np.array(a, dtype=np.float64).tobytes() == np.array(b, dtype=np.float64).tobytes()
    assert a != c
    assert a.estimate == pytest.approx(float(np.mean(x)))
    assert a.lo < a.estimate < a.hi
    # the bootstrap stderr of a mean is close to the analytic one
    assert a.stderr == pytest.approx(mean_stderr(x)[1], rel=0.15)


def test_bootstrap_ci_matches_manual_percentiles() -> None:
    x = np.arange(30, dtype=float) ** 1.5
    ci = bootstrap_ci(np.median, x, n_resamples=500, level=0.9, seed=5)
    rng = np.random.Generator(np.random.PCG64(5))
    boot = [np.median(x[rng.integers(0, 30, size=30)]) for _ in range(500)]
    assert ci.lo == pytest.approx(np.percentile(boot, 5.0), abs=0)
    assert ci.hi == pytest.approx(np.percentile(boot, 95.0), abs=0)
    assert ci.stderr == pytest.approx(np.std(boot, ddof=1), abs=0)


def test_bootstrap_ci_coverage_is_reasonable() -> None:
    rng = np.random.default_rng(8)
    hits = 0
    for trial in range(60):
        x = rng.normal(size=40)
        ci = bootstrap_ci(np.mean, x, n_resamples=300, seed=trial)
        hits += ci.lo <= 0.0 <= ci.hi
    assert hits >= 48  # nominal 95%: 57 of 60 expected


def test_bootstrap_ci_rows_of_2d_data_and_empty() -> None:
    data = np.column_stack([np.arange(50.0), np.ones(50)])
    ci = bootstrap_ci(lambda d: d[:, 0].sum() / d[:, 1].sum(), data, n_resamples=200)
    assert ci.estimate == pytest.approx(24.5) and ci.n == 50
    empty = bootstrap_ci(np.mean, np.array([]))
    assert empty.n == 0 and math.isnan(empty.estimate)


def test_resampling_does_not_depend_on_chunking() -> None:
    whole = np.concatenate(list(resample_indices(37, 101, seed=4, chunk=101)))
    chunked = np.concatenate(list(resample_indices(37, 101, seed=4, chunk=7)))
    default = np.concatenate(list(resample_indices(37, 101, seed=4)))
    assert whole.shape == (101, 37)
    assert (whole == chunked).all() and (whole == default).all()


def test_resample_counts_and_sums_agree_with_indices() -> None:
    data = np.random.default_rng(3).integers(0, 9, size=(25, 4)).astype(float)
    idx = np.concatenate(list(resample_indices(25, 50, seed=2)))
    counts = np.concatenate(list(resample_counts(25, 50, seed=2, chunk=9)))
    assert (counts.sum(axis=1) == 25).all()
    assert (counts == np.stack([np.bincount(r, minlength=25) for r in idx])).all()
    sums = resampled_sums(data, 50, seed=2)
    assert (sums == np.stack([data[r].sum(axis=0) for r in idx])).all()
    assert resampled_sums(data[:, 0], 50, seed=2).shape == (50,)


def test_resampling_rejects_empty() -> None:
    with pytest.raises(ValueError):
        next(resample_indices(0, 10))
    with pytest.raises(ValueError):
        next(resample_indices(5, 0))


def test_all_lists_public_names() -> None:
    public = {n for n in vars(assay.stats) if not n.startswith("_")}
    assert set(assay.stats.__all__) <= public
