"""Proportions: the Wilson score interval and the test for 0/1 data.

Pure standard library + numpy, no I/O.

* :func:`wilson_interval` is the Wilson score interval without continuity correction, as
  ``statsmodels.stats.proportion.proportion_confint(k, n, method="wilson")`` and scipy's
  ``binomtest(k, n).proportion_ci(method="wilson")``. Unlike ``p ± t·se`` it never
  leaves [0, 1] and is not degenerate at ``k = 0`` or ``k = n`` (0 of 70 gives
  ``[0, 0.0521]``, where the t-interval collapses to ``[0, 0]``).
* :func:`is_binary` says whether a sample is a proportion's data: at least one
  non-NaN value, and every non-NaN value exactly 0 or 1.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

__all__ = ["wilson_interval", "is_binary", "successes"]


def wilson_interval(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for ``k`` successes in ``n`` trials; ``(nan, nan)`` if ``n == 0``."""
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return (math.nan, math.nan)
    z = NormalDist().inv_cdf(0.5 + level / 2.0)
    p = k / n
    z2n = z * z / n
    denom = 1.0 + z2n
    center = (p + z2n / 2.0) / denom
    half = (z / denom) * math.sqrt(p * (1.0 - p) / n + z2n / (4.0 * n))
    lo = 0.0 if k == 0 else max(0.0, center - half)
    hi = 1.0 if k == n else min(1.0, center + half)
    return (lo, hi)


def is_binary(values: object) -> bool:
    """True iff ``values`` has at least one non-NaN entry and every non-NaN entry is 0 or 1."""
    arr = np.asarray(values, dtype=np.float64).ravel()
    arr = arr[~np.isnan(arr)]
    return bool(arr.size) and bool(np.all((arr == 0.0) | (arr == 1.0)))


def successes(values: object) -> tuple[int, int]:
    """``(k, n)``: the number of ones and of non-NaN entries of 0/1 ``values``."""
    arr = np.asarray(values, dtype=np.float64).ravel()
    arr = arr[~np.isnan(arr)]
    return int(np.count_nonzero(arr == 1.0)), int(arr.size)
