"""The statistics of one paired comparison: two runs' values of one metric on the same items.

This is the one place that turns paired per-item values into a difference, its CI, a test and
a verdict; ``assay compare`` and the benchmark ``--base-model`` comparison
(:func:`assay.tasks.benchmark.compare.compare_records`) both call it. The arithmetic itself lives
in :mod:`assay.stats.paired` (McNemar exact, paired t, seeded paired bootstrap) and
:mod:`assay.stats.pairwise`; this module chooses among them and adds the rank test.

* 0/1 metrics (every value in {0, 1}): McNemar's exact test.
* continuous metrics: the paired t-test (primary) and the Wilcoxon signed-rank test
  (``scipy.stats.wilcoxon`` defaults: zero differences dropped, exact for small samples
  without ties, normal approximation otherwise).
* judge win rates (per prompt 1 = B wins, 1/2 = tie, 0 = A wins): the exact sign test of the
  prompts whose outcome moved up against those that moved down (McNemar's exact test is the
  sign test of the discordant pairs, so the same function computes it).
* always: the mean difference ``challenger − base`` with a seeded percentile bootstrap 95% CI
  that resamples items in pairs (within strata, e.g. benchmark subtasks, when given).

Dicts use the ``base`` / ``challenger`` vocabulary of :func:`assay.stats.paired.paired_comparison`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..stats.bootstrap import DEFAULT_RESAMPLES
from ..stats.paired import (comparison_verdict, mcnemar_exact, paired_bootstrap_diff,
                            paired_comparison)

__all__ = ["values_binary", "compare_paired", "compare_strata", "compare_win_rates",
           "wilcoxon_signed_rank"]


def values_binary(*series: Sequence[float]) -> bool:
    """True when every non-NaN value of every series is 0 or 1 (vacuously true when none)."""
    vals = {float(v) for s in series for v in s if v == v}
    return vals <= {0.0, 1.0}


def wilcoxon_signed_rank(d: Sequence[float] | np.ndarray) -> tuple[float, float]:
    """Two-sided Wilcoxon signed-rank test of the paired differences ``d``: (statistic,
    p-value), as ``scipy.stats.wilcoxon(d)``; (0.0, 1.0) when every difference is zero and
    (NaN, NaN) without differences."""
    arr = np.asarray(d, dtype=np.float64)
    arr = arr[~np.isnan(arr)]
    if arr.size == 0:
        return math.nan, math.nan
    if not np.any(arr != 0.0):
        return 0.0, 1.0
    from scipy import stats

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = stats.wilcoxon(arr)
    return float(res.statistic), float(res.pvalue)


def _t_statistic(d: np.ndarray) -> float:
    """The paired t statistic of differences ``d`` (NaN below 2 pairs or with sd 0)."""
    if d.size < 2:
        return math.nan
    sd = float(d.std(ddof=1))
    return float(d.mean()) / (sd / math.sqrt(d.size)) if sd > 0 else math.nan


def compare_paired(base: Sequence[float], challenger: Sequence[float], *,
                   strata: Sequence[str] | None = None, binary: bool | None = None,
                   n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0, alpha: float = 0.05,
                   rank_test: bool = True) -> dict[str, Any]:
    """One metric on paired items (NaN on either side drops the pair, counted in
    ``n_dropped``). ``binary`` defaults to :func:`values_binary`. The result is
    :func:`assay.stats.paired.paired_comparison`'s dict; for a continuous metric with
    ``rank_test`` it also carries ``t_statistic``, ``wilcoxon_statistic`` and
    ``wilcoxon_p_value`` (the primary test stays ``paired_t``)."""
    if binary is None:
        binary = values_binary(base, challenger)
    out = paired_comparison(base, challenger, strata=strata, binary=binary,
                            n_resamples=n_resamples, seed=seed, alpha=alpha)
    if not binary and rank_test:
        x = np.asarray(base, dtype=np.float64)
        y = np.asarray(challenger, dtype=np.float64)
        d = (y - x)[~(np.isnan(x) | np.isnan(y))]
        w, p = wilcoxon_signed_rank(d)
        out.update(t_statistic=_t_statistic(d), wilcoxon_statistic=w, wilcoxon_p_value=p)
    return out


def compare_strata(base: Sequence[float], challenger: Sequence[float], strata: Sequence[str],
                   **kwargs: Any) -> dict[str, dict[str, Any]]:
    """:func:`compare_paired` within each stratum (first-seen order; an empty label is
    skipped), with the same keyword arguments."""
    out: dict[str, dict[str, Any]] = {}
    for label in dict.fromkeys(strata):
        if not label:
            continue
        idx = [k for k, s in enumerate(strata) if s == label]
        out[label] = compare_paired([base[k] for k in idx], [challenger[k] for k in idx],
                                    **kwargs)
    return out


def compare_win_rates(base: Sequence[float], challenger: Sequence[float], *,
                      n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0,
                      alpha: float = 0.05) -> dict[str, Any]:
    """B's win rate in two judge runs over the same prompts. Values are per prompt: 1 (B won),
    0.5 (tie), 0 (A won), NaN (judge error; the pair is dropped). ``base``/``challenger``
    are the mean scores on the kept pairs, i.e. the Bradley-Terry win rate with ties as half
    (:func:`assay.stats.pairwise.bt_winrate`). Test: the exact sign test of prompts whose
    score rose (``challenger_better``) against those whose score fell."""
    x = np.asarray(base, dtype=np.float64)
    y = np.asarray(challenger, dtype=np.float64)
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = x[keep], y[keep]
    diff, lo, hi = paired_bootstrap_diff(x, y, n_resamples=n_resamples, seed=seed)
    up, down = int((y > x).sum()), int((y < x).sum())
    p = mcnemar_exact(down, up) if x.size else math.nan
    return {
        "n": int(x.size), "n_dropped": int((~keep).sum()),
        "base": float(x.mean()) if x.size else math.nan,
        "challenger": float(y.mean()) if y.size else math.nan,
        "difference": diff, "ci_low": lo, "ci_high": hi, "ci_level": 0.95,
        "bootstrap_resamples": n_resamples,
        "test": "sign_test", "p_value": p, "challenger_better": up, "challenger_worse": down,
        "unchanged": int(x.size) - up - down,
        "verdict": comparison_verdict(diff, lo, hi, p, alpha=alpha),
    }
