"""Rank correlation of a judge's grades with reference grades, with bootstrap intervals.

Spearman's rho is Pearson's correlation of the average ranks (ties share the mean rank);
Kendall's tau is tau-b (adjusted for ties in either variable). Both equal
``scipy.stats.spearmanr`` / ``scipy.stats.kendalltau`` (``tests/stats`` checks it). Pairs where
either grade is missing (``None``/NaN) are dropped and counted. Intervals: percentile bootstrap
over items, ``n_boot`` resamples from ``Generator(PCG64(seed))``
(:func:`assay.stats.bootstrap.resample_indices`); a resample where a coefficient is undefined
(one variable constant) is left out of that coefficient's percentiles.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from assay.stats.bootstrap import DEFAULT_RESAMPLES, resample_indices

__all__ = ["spearman", "kendall_tau_b", "rank_correlation"]


def _pairs(x: Sequence[Any], y: Sequence[Any]) -> tuple[np.ndarray, np.ndarray, int]:
    if len(x) != len(y):
        raise ValueError(f"length mismatch: {len(x)} vs {len(y)} grades")
    keep_x, keep_y, dropped = [], [], 0
    for a, b in zip(x, y):
        try:
            fa, fb = float(a), float(b)
        except (TypeError, ValueError):
            dropped += 1
            continue
        if math.isnan(fa) or math.isnan(fb):
            dropped += 1
            continue
        keep_x.append(fa)
        keep_y.append(fb)
    return np.asarray(keep_x, float), np.asarray(keep_y, float), dropped


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    from scipy.stats import rankdata

    if x.size < 2:
        return math.nan
    rx, ry = rankdata(x), rankdata(y)
    sx, sy = rx.std(), ry.std()
    if sx == 0 or sy == 0:
        return math.nan
    return float(((rx - rx.mean()) * (ry - ry.mean())).mean() / (sx * sy))


def kendall_tau_b(x: np.ndarray, y: np.ndarray) -> float:
    """tau-b = (concordant - discordant) / sqrt((n0 - n1) (n0 - n2)) over all pairs."""
    n = x.size
    if n < 2:
        return math.nan
    dx = np.sign(x[:, None] - x[None, :])
    dy = np.sign(y[:, None] - y[None, :])
    iu = np.triu_indices(n, 1)
    s = float((dx * dy)[iu].sum())
    n0 = n * (n - 1) / 2
    tx = float((dx[iu] == 0).sum())
    ty = float((dy[iu] == 0).sum())
    denom = math.sqrt((n0 - tx) * (n0 - ty))
    return s / denom if denom else math.nan


def _ci(values: list[float], level: float) -> tuple[float, float]:
    v = np.asarray([t for t in values if not math.isnan(t)], float)
    if v.size == 0:
        return math.nan, math.nan
    a = (1 - level) / 2
    return float(np.quantile(v, a)), float(np.quantile(v, 1 - a))


def rank_correlation(judge: Sequence[Any], reference: Sequence[Any], *,
                     n_boot: int = DEFAULT_RESAMPLES, seed: int = 0,
                     level: float = 0.95) -> dict:
    """``{"n", "n_dropped", "spearman": {"value", "ci_low", "ci_high"}, "kendall_tau_b": {...},
    "n_boot", "seed", "level"}``."""
    x, y, dropped = _pairs(judge, reference)
    out: dict[str, Any] = {"n": int(x.size), "n_dropped": dropped}
    boot: dict[str, list[float]] = {"spearman": [], "kendall_tau_b": []}
    if x.size >= 2 and n_boot > 0:
        for rows in resample_indices(int(x.size), int(n_boot), seed=int(seed)):
            for r in rows:
                boot["spearman"].append(spearman(x[r], y[r]))
                boot["kendall_tau_b"].append(kendall_tau_b(x[r], y[r]))
    for name, fn in (("spearman", spearman), ("kendall_tau_b", kendall_tau_b)):
        lo, hi = _ci(boot[name], level)
        out[name] = {"value": fn(x, y), "ci_low": lo, "ci_high": hi}
    out.update(n_boot=int(n_boot), seed=int(seed), level=level)
    return out
