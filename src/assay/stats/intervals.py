"""Point estimates with standard errors and confidence intervals.

Conventions (shared by every aggregate assay reports):

* ``NaN`` entries are *missing* (an example that failed) and are dropped before
  anything is computed; ``n`` is the number of values actually used.
* The standard error of a mean is the sample standard deviation (``ddof=1``)
  over ``sqrt(n)``, as lighteval's and lm-evaluation-harness's ``mean_stderr``;
  with one value it is ``0.0`` (those libraries would divide by zero), with none
  it is ``NaN``; identical values give exactly ``0.0``.
* :func:`mean_ci` is a Student-t interval (quantiles from
  :mod:`assay.stats.student_t`, no scipy); :func:`bootstrap_ci` is a percentile
  bootstrap whose standard error is the ``ddof=1`` deviation of the resampled
  statistics, deterministic for a given seed.
* :func:`metric_interval` is the interval every reported metric gets (results,
  segment tables, benchmark aggregates, console, HTML): the Wilson score interval
  (:mod:`assay.stats.proportion`) for a proportion, given its number of successes,
  else ``value ± t(n-1)·stderr`` clipped to the metric's range; in both cases
  widened where needed so that ``lo <= value <= hi`` (:func:`contain`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from assay.stats.bootstrap import DEFAULT_RESAMPLES, resample_indices
from assay.stats.proportion import wilson_interval
from assay.stats.student_t import t_quantile

__all__ = ["Interval", "finite", "finite_or_none", "sample_std", "mean_stderr", "mean_ci",
           "bootstrap_ci", "contain", "metric_interval"]

_NAN = float("nan")


def finite_or_none(v: object) -> float | None:
    """A finite float, or None (for None, NaN, inf, bools and non-numbers)."""
    if v is None or isinstance(v, bool):
        return None
    try:
        f = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


class Interval(NamedTuple):
    """An estimate with its standard error and a two-sided interval ``[lo, hi]``."""

    estimate: float
    stderr: float
    lo: float
    hi: float
    n: int


def finite(x: object) -> np.ndarray:
    """``x`` as a 1-d float64 array with the NaN (missing) entries removed."""
    arr = np.asarray(x, dtype=np.float64).ravel()
    return arr[~np.isnan(arr)]


def sample_std(x: object) -> float:
    """Sample standard deviation (``ddof=1``); exactly 0.0 for fewer than two or identical values."""
    arr = np.asarray(x, dtype=np.float64).ravel()
    if arr.size < 2 or bool(np.all(arr == arr[0])):
        return 0.0
    return float(np.std(arr, ddof=1))


def _check_level(level: float) -> None:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level!r}")


def _mean_sd(arr: np.ndarray) -> tuple[float, float]:
    n = arr.size
    if n == 0:
        return _NAN, _NAN
    mean = float(np.mean(arr))
    return mean, sample_std(arr) / math.sqrt(n)


def mean_stderr(x: object) -> tuple[float, float]:
    """``(mean, stderr)`` of the non-NaN values of ``x`` (see module conventions)."""
    return _mean_sd(finite(x))


def mean_ci(x: object, level: float = 0.95) -> Interval:
    """Mean with a Student-t confidence interval: ``(mean, stderr, lo, hi, n)``.

    ``lo``/``hi`` are ``mean -/+ t_{(1+level)/2, n-1} * stderr``; they are NaN when
    fewer than two values remain (no degrees of freedom), and equal to the mean
    when all values are identical.
    """
    _check_level(level)
    arr = finite(x)
    mean, se = _mean_sd(arr)
    n = int(arr.size)
    if n < 2:
        return Interval(mean, se, _NAN, _NAN, n)
    half = t_quantile(0.5 + level / 2.0, n - 1) * se
    return Interval(mean, se, mean - half, mean + half, n)


def bootstrap_ci(stat_fn: Callable[[np.ndarray], float], data: object, *,
                 n_resamples: int = DEFAULT_RESAMPLES, level: float = 0.95,
                 seed: int = 0) -> Interval:
    """Percentile bootstrap interval of ``stat_fn`` over the rows of ``data``.

    ``data`` is resampled by rows (axis 0) with replacement, ``n_resamples`` times,
    with :func:`assay.stats.bootstrap.resample_indices` (``Generator(PCG64(seed))``);
    ``stat_fn`` receives each resample as an array shaped like ``data``. Returns
    ``(stat_fn(data), stderr, lo, hi, n)`` where ``stderr`` is the ``ddof=1`` standard
    deviation of the resampled statistics and ``lo``/``hi`` their
    ``(1-level)/2`` and ``(1+level)/2`` percentiles (linear interpolation).
    NaN rows are *not* dropped here: ``stat_fn`` sees the data as given.
    Empty data gives NaN throughout.
    """
    _check_level(level)
    arr = np.asarray(data)
    n = int(arr.shape[0]) if arr.ndim else 0
    if n == 0:
        return Interval(_NAN, _NAN, _NAN, _NAN, 0)
    estimate = float(stat_fn(arr))
    boot = np.empty(n_resamples, dtype=np.float64)
    pos = 0
    for idx in resample_indices(n, n_resamples, seed=seed):
        for row in idx:
            boot[pos] = float(stat_fn(arr[row]))
            pos += 1
    tail = (1.0 - level) / 2.0 * 100.0
    lo, hi = np.percentile(boot, [tail, 100.0 - tail])
    return Interval(estimate, sample_std(boot), float(lo), float(hi), n)


def contain(value: float, lo: float, hi: float,
            bounds: tuple[float, float] | None = None) -> tuple[float, float]:
    """``(lo, hi)`` clipped to ``bounds`` and then widened to contain ``value``.

    So ``lo <= value <= hi`` always holds for a finite value, even when the value itself
    is a rounding step outside its range (a corpus BLEU of ``100.00000000000004`` gets
    ``hi == value``, not ``hi == 100 < value``). A NaN value or NaN bound gives
    ``(nan, nan)``: an interval is either complete or absent.
    """
    if not (math.isfinite(value) and not math.isnan(lo) and not math.isnan(hi)):
        return _NAN, _NAN
    if bounds is not None:
        lo, hi = max(lo, bounds[0]), min(hi, bounds[1])
    return min(lo, value), max(hi, value)


def metric_interval(value: float, stderr: float, n: int, *, level: float = 0.95,
                    successes: int | None = None,
                    bounds: tuple[float, float] | None = None) -> tuple[float, float]:
    """The two-sided ``level`` interval of a reported metric.

    * ``successes`` given (the metric is a proportion, ``value == successes / n``): the
      Wilson score interval of ``successes`` in ``n`` (defined from ``n == 1``; the
      ``stderr`` is not used, so the reported ``_stderr`` stays the sample standard error);
    * otherwise ``value ± t_{(1+level)/2, n-1} · stderr``, NaN when ``n < 2`` or the
      stderr is not finite (an aggregation without one: ``min``, ``max``, ``sum``);

    then :func:`contain` (clip to ``bounds``, the metric's range, and keep the value inside).
    """
    _check_level(level)
    if n < 1 or not math.isfinite(value):
        return _NAN, _NAN
    if successes is not None:
        lo, hi = wilson_interval(int(successes), int(n), level)
    elif n < 2 or not math.isfinite(stderr):
        return _NAN, _NAN
    else:
        half = t_quantile(0.5 + level / 2.0, n - 1) * stderr
        lo, hi = value - half, value + half
    return contain(value, lo, hi, bounds)
