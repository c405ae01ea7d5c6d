"""Aggregation of per-example metric values into ``{name: value, name_stderr: stderr}``.

For any metric whose corpus value is the mean of its per-example values (all
gen_qa metrics but ``bleu``, and custom metrics). Conventions are those of
:mod:`assay.stats.intervals`: NaN values (failed examples) are skipped; the stderr
is ``std(ddof=1) / sqrt(n)`` as lighteval's ``mean_stderr``; ``n == 1`` gives
stderr 0.0; no valid value gives NaN for both.
"""

from __future__ import annotations

import numpy as np

from assay.stats.intervals import mean_stderr

__all__ = ["STDERR_SUFFIX", "AGGREGATIONS", "mean_with_stderr", "aggregate_values"]

#: The Nova processor aggregations (``mean`` is the SageMaker SDK's alias of ``average``).
AGGREGATIONS = ("min", "max", "average", "mean", "sum")

STDERR_SUFFIX = "_stderr"


def mean_with_stderr(name: str, values: object) -> dict[str, float]:
    """``{name: mean, name + "_stderr": stderr}`` over the non-NaN entries of ``values``."""
    mean, stderr = mean_stderr(np.asarray(values, dtype=np.float64))
    return {name: mean, name + STDERR_SUFFIX: stderr}


def aggregate_values(name: str, values: object, how: str) -> dict[str, float]:
    """Reduce one custom metric over examples as the Nova recipe's ``aggregation`` says.

    ``average``/``mean`` give the mean and its stderr; ``min``, ``max`` and ``sum`` give the
    value alone (no stderr is defined for them). NaN entries (examples where the processor
    failed or did not report this metric) are skipped; no valid value gives NaN.
    """
    if how in ("average", "mean"):
        return mean_with_stderr(name, values)
    if how not in AGGREGATIONS:
        raise ValueError(f"unknown aggregation '{how}' (expected one of {', '.join(AGGREGATIONS)})")
    arr = np.asarray(values, dtype=np.float64)
    arr = arr[~np.isnan(arr)]
    if arr.size == 0:
        return {name: float("nan")}
    reduce = {"min": np.min, "max": np.max, "sum": np.sum}[how]
    return {name: float(reduce(arr))}
