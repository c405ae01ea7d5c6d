"""MLflow tracking of runs (``docs/mlflow.md``).

When a tracking URI is set (``assay run --mlflow URI``, ``run.mlflow_tracking_uri``,
``run.mlflow_resource_arn`` or ``MLFLOW_TRACKING_URI``, in that order) every run is logged
after it ends: params, metrics overall and per segment, artifacts and tags; a benchmark run
with a base model as a parent run with two nested children. MLflow is imported only in
:mod:`assay.tracking.mlflow_writer` and :func:`assay.tracking.target.require_mlflow`, and only
when a URI is set.
"""

from __future__ import annotations

from ..lazy_exports import lazy_exports


#: every public name and its module; imported when first used, so that a run which tracks
#: nothing pays only for :mod:`assay.tracking.target`
_EXPORTS = {
    "log_run": "log", "log_unfinished": "log", "record": "log",
    "MetricEntry": "names", "comparison_entries": "names", "metric_entries": "names",
    "sanitize_part": "names",
    "DEFAULT_EXPERIMENT": "target", "TrackingTarget": "target", "normalize_uri": "target",
    "require_mlflow": "target", "resolve_tracking": "target", "tracking_target": "target",
}

__all__ = ["log_run", "log_unfinished", "record", "MetricEntry", "metric_entries",
           "comparison_entries", "sanitize_part", "TrackingTarget", "resolve_tracking",
           "tracking_target", "normalize_uri", "require_mlflow", "DEFAULT_EXPERIMENT"]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
