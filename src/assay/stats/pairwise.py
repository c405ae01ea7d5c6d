"""One A-vs-B judge comparison: counts, Bradley-Terry win rate, bootstrap CI, verdict.

Per example the reconciled outcome is ``"A"``, ``"B"``, ``"tie"`` or ``"error"``.

* Counts ``a_scores``, ``b_scores``, ``ties``, ``inference_error`` over all ``n``
  examples; ``score`` equals ``b_scores``.
* ``<count>_stderr = n * se`` where ``se`` is the standard error of the mean of the
  0/1 indicator over all ``n`` examples (sample sd with ``ddof=1`` over ``sqrt(n)``,
  as :func:`assay.stats.intervals.mean_stderr`); i.e. ``sqrt(n * p * (1 - p) * n / (n - 1))``
  with ``p = count / n``; 0.0 for ``n == 1``.
* ``winrate`` = P(B beats A), the two-player Bradley-Terry MLE with a tie as half a
  win each way, errors excluded: ``(b + ties / 2) / (a + b + ties)``.
* ``lower_rate``/``upper_rate``: percentile bootstrap over examples (prompts), errors
  included in the draw and excluded from each resample's win rate, with
  :func:`assay.stats.bootstrap.resampled_sums` (``Generator(PCG64(seed))``);
  percentiles ``(1-level)/2`` and ``(1+level)/2``, linear interpolation, resamples
  without a valid judgment ignored.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from assay.stats.bootstrap import DEFAULT_RESAMPLES, resampled_sums

__all__ = ["OUTCOMES", "pairwise_summary", "bt_winrate", "verdict"]

OUTCOMES = ("A", "B", "tie", "error")
_KEYS = ("a_scores", "b_scores", "ties", "inference_error")


def bt_winrate(a: float, b: float, ties: float) -> float:
    """Two-player Bradley-Terry MLE of P(B beats A): ``(b + ties/2) / (a + b + ties)``; NaN if no games."""
    total = a + b + ties
    return (b + ties / 2.0) / total if total > 0 else math.nan


def verdict(lower_rate: float, upper_rate: float) -> str:
    """``"B is better"`` if ``lower_rate > 0.5``, ``"A is better"`` if ``upper_rate < 0.5``,
    else ``"no significant difference"``; NaN bounds give ``"no valid judgments"``.
    """
    if math.isnan(lower_rate) or math.isnan(upper_rate):
        return "no valid judgments"
    if lower_rate > 0.5:
        return "B is better"
    if upper_rate < 0.5:
        return "A is better"
    return "no significant difference"


def _count_stderr(count: int, n: int) -> float:
    if n < 2 or count in (0, n):
        return 0.0
    p = count / n
    return n * math.sqrt(p * (1.0 - p) * n / (n - 1)) / math.sqrt(n)


def pairwise_summary(outcomes: Iterable[str], *, n_resamples: int = DEFAULT_RESAMPLES,
                     seed: int = 0, level: float = 0.95) -> dict:
    """Judge summary keys of spec §1.5.3 plus ``verdict`` and ``n`` (see module docstring)."""
    labels = list(outcomes)
    bad = sorted({str(x) for x in labels} - set(OUTCOMES))
    if bad:
        raise ValueError(f"unknown outcomes {bad}; expected one of {OUTCOMES}")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    n = len(labels)
    code = np.array([OUTCOMES.index(x) for x in labels], dtype=np.int64)
    counts = np.bincount(code, minlength=4)[:4]
    out: dict = {}
    for key, c in zip(_KEYS, counts.tolist()):
        out[key] = float(c)
        out[f"{key}_stderr"] = _count_stderr(c, n)
    out["score"], out["score_stderr"] = out["b_scores"], out["b_scores_stderr"]
    a, b, t = (float(c) for c in counts[:3])
    out["winrate"] = bt_winrate(a, b, t)
    lo = hi = math.nan
    if a + b + t > 0:
        onehot = np.eye(4)[code]
        sums = resampled_sums(onehot, n_resamples, seed=seed)
        valid = sums[:, :3].sum(axis=1)
        rates = (sums[valid > 0, 1] + sums[valid > 0, 2] / 2.0) / valid[valid > 0]
        tail = (1.0 - level) / 2.0 * 100.0
        lo, hi = (float(v) for v in np.percentile(rates, [tail, 100.0 - tail]))
    out["lower_rate"], out["upper_rate"] = lo, hi
    out["verdict"] = verdict(lo, hi)
    out["n"] = n
    return out
