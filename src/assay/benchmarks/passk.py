"""pass@k: the unbiased estimator of Chen et al. (2021), "Evaluating Large Language Models
Trained on Code" (arXiv:2107.03374), section 2.1.

With ``n`` samples of which ``c`` pass, ``pass@k = 1 - C(n-c, k) / C(n, k)``: the chance that
at least one of ``k`` samples drawn without replacement from the ``n`` passes. The ratio of
binomials is computed as the product ``prod_{i=n-c+1}^{n} (1 - k/i)``, the paper's
numerically stable form (no large binomials). A benchmark's pass@k is the mean over items.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = ["pass_at_k", "mean_pass_at_k"]


def pass_at_k(n: int, c: int, k: int) -> float:
    """pass@k of one item with ``n`` samples, ``c`` of them correct (``1 <= k <= n``)."""
    if not (isinstance(n, int) and isinstance(c, int) and isinstance(k, int)):
        raise TypeError("n, c and k must be integers")
    if n < 1 or not 0 <= c <= n:
        raise ValueError(f"need n >= 1 and 0 <= c <= n (got n={n}, c={c})")
    if not 1 <= k <= n:
        raise ValueError(f"pass@{k} needs 1 <= k <= n samples (got n={n})")
    if n - c < k:
        return 1.0
    prod = 1.0
    for i in range(n - c + 1, n + 1):
        prod *= 1.0 - k / i
    return 1.0 - prod


def mean_pass_at_k(counts: Iterable[tuple[int, int]], k: int) -> float:
    """The mean pass@k over items given as ``(n, c)`` pairs (the benchmark's pass@k)."""
    vals: Sequence[float] = [pass_at_k(n, c, k) for n, c in counts]
    if not vals:
        raise ValueError("no items")
    return sum(vals) / len(vals)
