"""Confidence calibration: ECE, Brier score, AUROC and reliability bins, with bootstrap intervals.

Pure numpy/scipy, seeded, no I/O. Inputs are a model's *confidence* ``p_i`` in ``[0, 1]`` (its
probability that answer ``i`` is right) and whether the answer was *correct* ``y_i`` (0/1).
Pairs where either is missing (``None``/NaN) are dropped and counted in ``n_dropped``; a
confidence outside ``[0, 1]`` or a correctness other than 0/1 is a ``ValueError``.

Definitions (``N`` = pairs used):

* **Equal-width bins**: ``n_bins`` bins ``[k/n, (k+1)/n)`` on ``[0, 1]``, the last one closed.
* **Equal-mass bins**: the pairs sorted by confidence (stable, ties keep input order) and split
  into ``n_bins`` consecutive groups whose sizes differ by at most one (``numpy.array_split``);
  a bin's ``lo``/``hi`` are its smallest and largest confidence. Fewer than ``n_bins`` pairs give
  ``N`` bins of one.
* Per bin: ``n``, ``mean_confidence``, ``accuracy`` (mean ``y``), ``gap = accuracy -
  mean_confidence`` (NaN for an empty bin).
* **ECE** = ``sum_b (n_b / N) * |accuracy_b - mean_confidence_b|`` over non-empty bins (Guo et
  al. 2017; equal-mass as in Nixon et al. 2019).
* **Brier score** = ``mean_i (p_i - y_i) ** 2``.
* **AUROC** of confidence for correct vs incorrect: the probability that a random correct answer
  has higher confidence than a random wrong one, ties counting one half (the Mann-Whitney U
  statistic over ``n_correct * n_wrong``; equal to ``sklearn.metrics.roc_auc_score``). NaN when
  all answers are right or all wrong.
* **Intervals**: percentile bootstrap over examples (``n_boot`` resamples from
  ``Generator(PCG64(seed))``, :func:`assay.stats.bootstrap.resample_indices`); a resample where a
  statistic is undefined (AUROC with one class) is left out of that statistic's percentiles.

Everything is NaN when ``N == 0``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from assay.stats.bootstrap import DEFAULT_RESAMPLES, resample_indices

__all__ = ["clean_pairs", "reliability_bins", "expected_calibration_error", "brier_score",
           "auroc", "calibration_summary", "STRATEGIES"]

STRATEGIES = ("width", "mass")


def _missing(v: Any) -> bool:
    if v is None:
        return True
    try:
        return math.isnan(float(v))
    except (TypeError, ValueError):
        return False


def clean_pairs(confidence: Sequence[Any], correct: Sequence[Any]) -> tuple[np.ndarray, np.ndarray, int]:
    """``(p, y, n_dropped)``: the usable pairs as float arrays (``y`` in {0., 1.})."""
    if len(confidence) != len(correct):
        raise ValueError(f"length mismatch: {len(confidence)} confidences vs {len(correct)} "
                         "correctness values")
    ps: list[float] = []
    ys: list[float] = []
    dropped = 0
    for p, y in zip(confidence, correct):
        if _missing(p) or _missing(y):
            dropped += 1
            continue
        pf = float(p)
        yf = float(y)
        if not 0.0 <= pf <= 1.0:
            raise ValueError(f"confidence must lie in [0, 1], got {pf!r}")
        if yf not in (0.0, 1.0):
            raise ValueError(f"correctness must be 0 or 1, got {y!r}")
        ps.append(pf)
        ys.append(yf)
    return np.asarray(ps, dtype=float), np.asarray(ys, dtype=float), dropped


def _check(n_bins: int, strategy: str) -> int:
    if isinstance(n_bins, bool) or int(n_bins) != n_bins or n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer, got {n_bins!r}")
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, got {strategy!r}")
    return int(n_bins)


def _groups(p: np.ndarray, n_bins: int, strategy: str) -> list[np.ndarray]:
    """Index arrays, one per bin (empty arrays for empty equal-width bins)."""
    if strategy == "width":
        edges = np.arange(n_bins + 1, dtype=float) / n_bins
        idx = np.searchsorted(edges, p, side="right") - 1
        idx = np.minimum(idx, n_bins - 1)
        return [np.flatnonzero(idx == b) for b in range(n_bins)]
    order = np.argsort(p, kind="stable")
    return [g for g in np.array_split(order, min(n_bins, p.size)) if g.size] if p.size else []


def _bins(p: np.ndarray, y: np.ndarray, n_bins: int, strategy: str) -> list[dict]:
    out = []
    for b, sel in enumerate(_groups(p, n_bins, strategy)):
        if strategy == "width":
            lo, hi = b / n_bins, (b + 1) / n_bins
        else:
            lo, hi = float(p[sel].min()), float(p[sel].max())
        n = int(sel.size)
        mc = float(p[sel].mean()) if n else math.nan
        acc = float(y[sel].mean()) if n else math.nan
        out.append({"lo": lo, "hi": hi, "n": n, "mean_confidence": mc, "accuracy": acc,
                    "gap": acc - mc if n else math.nan})
    return out


def _ece(p: np.ndarray, y: np.ndarray, n_bins: int, strategy: str) -> float:
    if p.size == 0:
        return math.nan
    total = 0.0
    for sel in _groups(p, n_bins, strategy):
        if sel.size:
            total += sel.size * abs(float(y[sel].mean()) - float(p[sel].mean()))
    return total / p.size


def _brier(p: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((p - y) ** 2)) if p.size else math.nan


def _auroc(p: np.ndarray, y: np.ndarray) -> float:
    n_pos = int(y.sum())
    n_neg = int(y.size - n_pos)
    if n_pos == 0 or n_neg == 0:
        return math.nan
    from scipy.stats import rankdata

    ranks = rankdata(p)            # average ranks for ties
    u = float(ranks[y == 1.0].sum()) - n_pos * (n_pos + 1) / 2.0
    return u / (n_pos * n_neg)


def _resampled_stats(p: np.ndarray, y: np.ndarray, n_bins: int,
                     rows: np.ndarray) -> dict[str, np.ndarray]:
    """The four statistics of every resample in ``rows`` (``(k, n)`` indices) at once: the
    same definitions as :func:`_ece`, :func:`_brier` and :func:`_auroc` applied to ``p[r]``,
    ``y[r]`` row by row (``tests/stats/test_reliability.py`` checks the two agree)."""
    from scipy.stats import rankdata

    P, Y = p[rows], y[rows]
    k, n = P.shape
    # equal-width: sum_b |sum_y_b - sum_p_b| / n  (= sum_b n_b/n * |acc_b - conf_b|)
    edges = np.arange(n_bins + 1, dtype=float) / n_bins
    bins = np.minimum(np.searchsorted(edges, p, side="right") - 1, n_bins - 1)[rows]
    flat = (bins + (np.arange(k) * n_bins)[:, None]).ravel()
    sp = np.bincount(flat, weights=P.ravel(), minlength=k * n_bins).reshape(k, n_bins)
    sy = np.bincount(flat, weights=Y.ravel(), minlength=k * n_bins).reshape(k, n_bins)
    ece_w = np.abs(sy - sp).sum(axis=1) / n
    # equal-mass: each row sorted (stable), cut into the array_split group sizes
    order = np.argsort(P, axis=1, kind="stable")
    Ps, Ys = np.take_along_axis(P, order, axis=1), np.take_along_axis(Y, order, axis=1)
    m = min(n_bins, n)
    sizes = [n // m + 1] * (n % m) + [n // m] * (m - n % m)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)
    ece_m = np.abs(np.add.reduceat(Ys, starts, axis=1)
                   - np.add.reduceat(Ps, starts, axis=1)).sum(axis=1) / n
    brier = ((P - Y) ** 2).mean(axis=1)
    n_pos = Y.sum(axis=1)
    n_neg = n - n_pos
    ranks = rankdata(P, axis=1)
    u = (ranks * Y).sum(axis=1) - n_pos * (n_pos + 1) / 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        auc = np.where((n_pos > 0) & (n_neg > 0), u / (n_pos * n_neg), np.nan)
    return {"ece": ece_w, "ece_equal_mass": ece_m, "brier": brier, "auroc": auc}


def reliability_bins(confidence: Sequence[Any], correct: Sequence[Any], *, n_bins: int = 10,
                     strategy: str = "width") -> list[dict]:
    """Per bin: ``lo``, ``hi``, ``n``, ``mean_confidence``, ``accuracy``, ``gap``."""
    n_bins = _check(n_bins, strategy)
    p, y, _ = clean_pairs(confidence, correct)
    return _bins(p, y, n_bins, strategy)


def expected_calibration_error(confidence: Sequence[Any], correct: Sequence[Any], *,
                               n_bins: int = 10, strategy: str = "width") -> float:
    n_bins = _check(n_bins, strategy)
    p, y, _ = clean_pairs(confidence, correct)
    return _ece(p, y, n_bins, strategy)


def brier_score(confidence: Sequence[Any], correct: Sequence[Any]) -> float:
    p, y, _ = clean_pairs(confidence, correct)
    return _brier(p, y)


def auroc(confidence: Sequence[Any], correct: Sequence[Any]) -> float:
    p, y, _ = clean_pairs(confidence, correct)
    return _auroc(p, y)


def _interval(values: list[float], level: float) -> tuple[float, float]:
    v = np.asarray([x for x in values if not math.isnan(x)], dtype=float)
    if v.size == 0:
        return math.nan, math.nan
    a = (1.0 - level) / 2.0
    return float(np.quantile(v, a)), float(np.quantile(v, 1.0 - a))


def calibration_summary(confidence: Sequence[Any], correct: Sequence[Any], *, n_bins: int = 10,
                        n_boot: int = DEFAULT_RESAMPLES, seed: int = 0,
                        level: float = 0.95) -> dict:
    """Everything about one set of (confidence, correct) pairs::

        {"n", "n_dropped", "n_correct", "accuracy", "mean_confidence",
         "overconfidence" (mean_confidence - accuracy),
         "ece", "ece_equal_mass", "brier", "auroc": {"value", "ci_low", "ci_high"} each,
         "bins_equal_width", "bins_equal_mass" (lists from :func:`reliability_bins`),
         "n_bins", "n_boot", "seed", "level"}
    """
    n_bins = _check(n_bins, "width")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie in (0, 1), got {level!r}")
    p, y, dropped = clean_pairs(confidence, correct)
    stats = {
        "ece": lambda pp, yy: _ece(pp, yy, n_bins, "width"),
        "ece_equal_mass": lambda pp, yy: _ece(pp, yy, n_bins, "mass"),
        "brier": _brier,
        "auroc": _auroc,
    }
    boot: dict[str, list[float]] = {k: [] for k in stats}
    if p.size and n_boot > 0:
        for rows in resample_indices(int(p.size), int(n_boot), seed=int(seed)):
            for k, values in _resampled_stats(p, y, n_bins, rows).items():
                boot[k].extend(float(v) for v in values)
    out: dict[str, Any] = {
        "n": int(p.size), "n_dropped": dropped, "n_correct": int(y.sum()),
        "accuracy": float(y.mean()) if p.size else math.nan,
        "mean_confidence": float(p.mean()) if p.size else math.nan,
    }
    out["overconfidence"] = out["mean_confidence"] - out["accuracy"]
    for k, fn in stats.items():
        lo, hi = _interval(boot[k], level)
        out[k] = {"value": fn(p, y), "ci_low": lo, "ci_high": hi}
    out["bins_equal_width"] = _bins(p, y, n_bins, "width")
    out["bins_equal_mass"] = _bins(p, y, n_bins, "mass")
    out.update(n_bins=n_bins, n_boot=int(n_boot), seed=int(seed), level=level)
    return out
