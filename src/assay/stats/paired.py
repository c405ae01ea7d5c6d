"""Paired comparison of two models on the same items: McNemar's exact test for 0/1
scores, a paired t-test for continuous ones, and a seeded paired bootstrap CI of the
mean difference (challenger − base), stratified by subtask so each resample keeps the
benchmark's composition."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .bootstrap import DEFAULT_RESAMPLES, resampled_sums

__all__ = ["mcnemar_exact", "mcnemar_chi2", "paired_bootstrap_diff", "paired_comparison",
           "comparison_verdict"]


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value: the binomial test of ``b`` successes in ``b + c``
    discordant pairs at p = 1/2 (``b``: base right, challenger wrong; ``c``: the reverse).
    Equals ``statsmodels.stats.contingency_tables.mcnemar(..., exact=True).pvalue``."""
    n = b + c
    if n == 0:
        return 1.0
    k = min(b, c)
    # P(X <= k) for X ~ Binomial(n, 1/2), summed in log space (exact for any n)
    logs = [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) - n * math.log(2)
            for i in range(k + 1)]
    top = max(logs)
    cdf = math.exp(top) * sum(math.exp(v - top) for v in logs)
    return min(1.0, 2.0 * cdf)


def mcnemar_chi2(b: int, c: int, *, correction: bool = True) -> tuple[float, float]:
    """McNemar's chi-squared statistic (Edwards' continuity correction by default) and its
    p-value with 1 degree of freedom; for large samples, next to the exact test."""
    n = b + c
    if n == 0:
        return 0.0, 1.0
    stat = (max(abs(b - c) - (1.0 if correction else 0.0), 0.0) ** 2) / n
    return stat, math.erfc(math.sqrt(stat / 2.0))


def paired_bootstrap_diff(base: Sequence[float], challenger: Sequence[float], *,
                          strata: Sequence[str] | None = None, n_resamples: int = DEFAULT_RESAMPLES,
                          seed: int = 0, level: float = 0.95) -> tuple[float, float, float]:
    """Mean difference ``challenger − base`` and its percentile bootstrap CI.

    Items are resampled in pairs (the same item for both models); with ``strata`` each
    stratum is resampled separately and the strata are weighted by their size, so every
    resample has the benchmark's subtask composition. Seeded: same inputs, same CI."""
    d = np.asarray(challenger, dtype=np.float64) - np.asarray(base, dtype=np.float64)
    n = d.size
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(d.mean())
    if strata is None:
        groups = [np.arange(n)]
    else:
        labels = np.asarray(list(strata), dtype=object)
        groups = [np.flatnonzero(labels == s) for s in sorted(set(strata))]
    total = np.zeros(n_resamples)
    for g, idx in enumerate(groups):
        total += resampled_sums(d[idx], n_resamples, seed=seed + 7919 * g)
    means = total / n
    alpha = (1.0 - level) / 2.0
    lo, hi = np.quantile(means, [alpha, 1.0 - alpha])
    return mean, float(lo), float(hi)


def comparison_verdict(diff: float, lo: float, hi: float, p: float | None, *,
                       alpha: float = 0.05, better: str = "challenger",
                       worse: str = "base") -> str:
    """A plain sentence: significant only when the test rejects and the CI excludes 0."""
    if any(isinstance(v, float) and math.isnan(v) for v in (diff, lo, hi)):
        return "no verdict: no scored items in common"
    significant = (p is None or p < alpha) and (lo > 0 or hi < 0)
    if significant and diff > 0:
        return f"{better} is better (significant at {alpha:g})"
    if significant and diff < 0:
        return f"{worse} is better (significant at {alpha:g})"
    return f"no significant difference at {alpha:g}"


def paired_comparison(base: Sequence[float], challenger: Sequence[float], *,
                      strata: Sequence[str] | None = None, binary: bool = True,
                      n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0,
                      alpha: float = 0.05) -> dict[str, Any]:
    """Everything a base-vs-challenger table needs for one metric on paired items."""
    x = np.asarray(base, dtype=np.float64)
    y = np.asarray(challenger, dtype=np.float64)
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = x[keep], y[keep]
    st = None if strata is None else [s for s, k in zip(strata, keep) if k]
    diff, lo, hi = paired_bootstrap_diff(x, y, strata=st, n_resamples=n_resamples, seed=seed)
    out: dict[str, Any] = {
        "n": int(x.size), "n_dropped": int((~keep).sum()),
        "base": float(x.mean()) if x.size else math.nan,
        "challenger": float(y.mean()) if y.size else math.nan,
        "difference": diff, "ci_low": lo, "ci_high": hi, "ci_level": 0.95,
        "bootstrap_resamples": n_resamples,
    }
    if binary:
        b = int(((x == 1) & (y == 0)).sum())
        c = int(((x == 0) & (y == 1)).sum())
        stat, p_chi2 = mcnemar_chi2(b, c)
        p = mcnemar_exact(b, c)
        out.update(test="mcnemar_exact", p_value=p, base_only_correct=b, challenger_only_correct=c,
                   both_correct=int(((x == 1) & (y == 1)).sum()),
                   both_wrong=int(((x == 0) & (y == 0)).sum()),
                   mcnemar_chi2=stat, mcnemar_chi2_p_value=p_chi2)
    else:
        p = _paired_t_p(y - x)
        out.update(test="paired_t", p_value=p)
    out["verdict"] = comparison_verdict(diff, lo, hi, p, alpha=alpha)
    return out


def _paired_t_p(d: np.ndarray) -> float:
    """Two-sided p-value of the paired t-test on differences ``d``."""
    n = d.size
    if n < 2:
        return math.nan
    sd = float(d.std(ddof=1))
    if sd == 0.0:
        return 1.0 if float(d.mean()) == 0.0 else 0.0
    t = float(d.mean()) / (sd / math.sqrt(n))
    from scipy import stats
    return float(2.0 * stats.t.sf(abs(t), n - 1))
