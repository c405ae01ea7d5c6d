"""MLflow tracking of runs (``docs/mlflow.md``).

When a tracking URI is set (``assay run --mlflow URI``, ``run.mlflow_tracking_uri``,
``run.mlflow_resource_arn`` or ``MLFLOW_TRACKING_URI``, in that order) every run is logged
after it ends: params, metrics overall and per segment, artifacts and tags; a benchmark run
with a base model as a parent run with two nested children. MLflow is imported only in
:mod:`assay.tracking.mlflow_writer` and :func:`assay.tracking.target.require_mlflow`, and only
when a URI is set.
"""

from __future__ import annotations

from .log import log_run, log_unfinished, record
from .names import MetricEntry, comparison_entries, metric_entries, sanitize_part
from .target import (DEFAULT_EXPERIMENT, TrackingTarget, normalize_uri, require_mlflow,
                     resolve_tracking, tracking_target)

__all__ = ["log_run", "log_unfinished", "record", "MetricEntry", "metric_entries",
           "comparison_entries", "sanitize_part", "TrackingTarget", "resolve_tracking",
           "tracking_target", "normalize_uri", "require_mlflow", "DEFAULT_EXPERIMENT"]
