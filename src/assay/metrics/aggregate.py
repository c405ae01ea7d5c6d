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

__all__ = ["STDERR_SUFFIX", "mean_with_stderr"]

STDERR_SUFFIX = "_stderr"


def mean_with_stderr(name: str, values: object) -> dict[str, float]:
    """``{name: mean, name + "_stderr": stderr}`` over the non-NaN entries of ``values``."""
    mean, stderr = mean_stderr(np.asarray(values, dtype=np.float64))
    return {name: mean, name + STDERR_SUFFIX: stderr}
