"""Two runs logged separately (an SDK execution's custom and base jobs) gathered under one
MLflow parent run afterwards: the parent holds the paired comparison
(``comparison/<metric>_{base,challenger,difference,ci_low,ci_high,p_value}``) and each child
gets the ``mlflow.parentRunId`` tag, so MLflow shows them nested as it shows a benchmark run
with a base model."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from .content import RunContent, assay_version
from .names import sanitize_part
from .target import require_mlflow

__all__ = ["group_runs", "comparison_metrics"]

#: assay compare's fields (a = base, b = challenger) -> the names the parent logs
_FIELDS = {"a": "base", "b": "challenger", "difference": "difference", "ci_low": "ci_low",
           "ci_high": "ci_high", "p_value": "p_value"}


def comparison_metrics(comparison: dict[str, Any]) -> dict[str, float]:
    """``assay compare``'s per-metric results as parent-run metrics."""
    out: dict[str, float] = {}
    for metric, block in (comparison.get("metrics") or {}).items():
        for key, name in _FIELDS.items():
            value = block.get(key) if isinstance(block, dict) else None
            if isinstance(value, (int, float)) and not isinstance(value, bool) \
                    and value == value and abs(value) != float("inf"):
                out[f"comparison/{sanitize_part(str(metric))}_{name}"] = float(value)
    return out


def _logged(run_dir: Path) -> dict[str, Any] | None:
    try:
        doc = json.loads((Path(run_dir) / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    m = doc.get("mlflow")
    return m if isinstance(m, dict) and m.get("status") == "logged" else None


def group_runs(name: str, runs: dict[str, Path], comparison: dict[str, Any] | None,
               artifacts: tuple[Path, ...] = ()) -> str | None:
    """Gather the MLflow runs of ``runs`` (role -> run directory, each logged by
    :func:`~assay.tracking.log_run`) under a new parent run ``name`` in their experiment;
    the parent's run id, or None when the runs were not logged to one experiment."""
    logged = {role: _logged(d) for role, d in runs.items()}
    if any(v is None for v in logged.values()):
        return None
    places = {(v["tracking_uri"], v.get("experiment_id")) for v in logged.values()}
    if len(places) != 1:
        return None
    uri, experiment_id = next(iter(places))
    if "***" in uri:   # a redacted URI cannot be reached again
        return None
    require_mlflow()
    from mlflow.entities import Metric

    from .mlflow_writer import MlflowWriter, mlflow_env

    with mlflow_env(uri):
        writer = MlflowWriter(uri)
        now = int(time.time() * 1000)
        content = RunContent(run_name=name, tags={"assay.role": "comparison",
                                                  "assay.version": assay_version()},
                             params={}, metrics=[], artifacts=[], files=[], status="FINISHED",
                             start_ms=now, end_ms=now)
        parent_id, _ = writer.start(str(experiment_id), content)
        for role, doc in logged.items():
            writer.client.set_tag(doc["run_id"], "mlflow.parentRunId", parent_id)
            writer.client.set_tag(doc["run_id"], "assay.role", role)
        metrics = [Metric(k, v, now, 0) for k, v in comparison_metrics(comparison or {}).items()]
        if metrics:
            writer.client.log_batch(parent_id, metrics=metrics)
        for path in artifacts:
            if Path(path).is_file():
                writer.client.log_artifact(parent_id, str(path))
        writer.finish(parent_id, "FINISHED", now)
    return parent_id
