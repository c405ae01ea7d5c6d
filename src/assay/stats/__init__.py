"""Statistics for evaluation results: pure numpy/scipy, seeded, no I/O.

This package imports nothing else from assay, so every stage may use it.

* :mod:`assay.stats.intervals`: mean with standard error, t-intervals, percentile bootstrap,
  and :func:`metric_interval`, the interval of every reported metric.
* :mod:`assay.stats.proportion`: the Wilson score interval and the 0/1-data test.
* :mod:`assay.stats.bootstrap`: the seeded, chunked resampling those build on.
* :mod:`assay.stats.student_t`: Student-t quantiles without scipy.
"""

from __future__ import annotations

from assay.stats.bootstrap import (
    DEFAULT_RESAMPLES,
    make_rng,
    resample_counts,
    resample_indices,
    resampled_sums,
)
from assay.stats.intervals import (Interval, bootstrap_ci, contain, finite, mean_ci, mean_stderr,
                                   metric_interval, sample_std)
from assay.stats.proportion import is_binary, wilson_interval
from assay.stats.student_t import t_quantile
from assay.stats.bradley_terry import Ratings, bt_ratings, fit_bradley_terry, mle_exists, to_elo
from assay.stats.pairwise import OUTCOMES, bt_winrate, pairwise_summary, verdict

__all__ = [
    "OUTCOMES",
    "Ratings",
    "bt_ratings",
    "bt_winrate",
    "fit_bradley_terry",
    "mle_exists",
    "pairwise_summary",
    "to_elo",
    "verdict",
    "DEFAULT_RESAMPLES",
    "Interval",
    "bootstrap_ci",
    "contain",
    "is_binary",
    "metric_interval",
    "wilson_interval",
    "finite",
    "make_rng",
    "mean_ci",
    "mean_stderr",
    "resample_counts",
    "resample_indices",
    "resampled_sums",
    "sample_std",
    "t_quantile",
]
