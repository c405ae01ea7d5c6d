"""The one module that talks to MLflow (``MlflowClient`` against an explicit tracking URI;
the global ``mlflow`` state, active run and environment are left alone).

While assay logs (:func:`mlflow_env`), unless the caller set them:

* requests to an ``http(s)`` tracking server are bounded: ``MLFLOW_HTTP_REQUEST_MAX_RETRIES``
  is 2, ``MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR`` 1 and ``MLFLOW_HTTP_REQUEST_TIMEOUT`` 30 s
  (MLflow's own defaults retry for minutes), so a server that is down costs seconds at the
  end of a run, not minutes;
* for a ``file:`` store, ``MLFLOW_ALLOW_FILE_STORE`` is ``true``: MLflow 3.13 and later
  refuse the file store without it, and a ``file:`` URI (or a local folder) is the user's
  explicit choice;
* MLflow's own ``INFO`` log lines (database set-up, "View run at") are held back: assay
  prints one line of its own.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .content import RunContent
from .target import artifact_location, require_mlflow

__all__ = ["MlflowWriter", "mlflow_env"]

_HTTP_DEFAULTS = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
                  "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
                  "MLFLOW_HTTP_REQUEST_TIMEOUT": "30"}
_FILE_STORE = {"MLFLOW_ALLOW_FILE_STORE": "true"}
_PARAMS_PER_BATCH = 100   # MLflow's limit for params and tags in one log_batch
_METRICS_PER_BATCH = 1000


@contextlib.contextmanager
def mlflow_env(uri: str) -> Iterator[None]:
    """MLflow's settings for logging to ``uri`` (module docstring), for the duration."""
    defaults = dict(_HTTP_DEFAULTS, **(_FILE_STORE if uri.startswith("file:") else {}))
    added = [k for k in defaults if k not in os.environ]
    for key in added:
        os.environ[key] = defaults[key]
    logger = logging.getLogger("mlflow")   # its INFO lines (database set-up, run links)
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    try:
        with warnings.catch_warnings():
            # MLflow's notices about its own file store and versions are not the user's
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            yield
    finally:
        logger.setLevel(level)
        for key in added:
            os.environ.pop(key, None)


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


class MlflowWriter:
    """Creates experiments and runs and logs :class:`RunContent` into them."""

    def __init__(self, uri: str) -> None:
        require_mlflow()
        from mlflow.tracking import MlflowClient

        self.uri = uri
        if artifact_location(uri) is not None:   # a local SQLite file: its folder must exist
            Path(uri[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        self.client = MlflowClient(tracking_uri=uri)

    def experiment_id(self, name: str) -> str:
        """The id of experiment ``name``, created when missing; a deleted one is an error."""
        from mlflow.exceptions import MlflowException

        exp = self.client.get_experiment_by_name(name)
        if exp is None:
            try:
                return str(self.client.create_experiment(
                    name, artifact_location=artifact_location(self.uri)))
            except MlflowException:   # created meanwhile by another run
                exp = self.client.get_experiment_by_name(name)
                if exp is None:
                    raise
        if getattr(exp, "lifecycle_stage", "active") == "deleted":
            raise RuntimeError(f"the MLflow experiment '{name}' is deleted: restore it "
                               "(mlflow experiments restore) or set run.mlflow_experiment_name")
        return str(exp.experiment_id)

    def start(self, experiment_id: str, content: RunContent,
              parent_run_id: str | None = None) -> tuple[str, str]:
        """Create the run; ``(run id, artifact URI)``."""
        tags = dict(content.tags)
        if parent_run_id:
            tags["mlflow.parentRunId"] = parent_run_id
        run = self.client.create_run(experiment_id, start_time=content.start_ms, tags=tags,
                                     run_name=content.run_name)
        return run.info.run_id, run.info.artifact_uri

    def log(self, run_id: str, content: RunContent) -> None:
        """Params, metrics (step 0, one timestamp), artifacts, then the final status."""
        from mlflow.entities import Metric, Param

        params = [Param(k, v) for k, v in content.params.items()]
        for chunk in _chunks(params, _PARAMS_PER_BATCH):
            self.client.log_batch(run_id, params=chunk)
        now = int(time.time() * 1000)
        metrics = [Metric(m.name, m.value, now, 0) for m in content.metrics]
        for chunk in _chunks(metrics, _METRICS_PER_BATCH):
            self.client.log_batch(run_id, metrics=chunk)
        for path, folder in content.artifacts:
            self.client.log_artifact(run_id, str(path), folder)
        if content.files:
            with tempfile.TemporaryDirectory(prefix="assay-mlflow-") as tmp:
                for rel, text in content.files:
                    folder, _, name = rel.rpartition("/")
                    local = Path(tmp) / name
                    local.write_text(text, encoding="utf-8")
                    self.client.log_artifact(run_id, str(local), folder or None)
        self.finish(run_id, content.status, content.end_ms)

    def finish(self, run_id: str, status: str, end_ms: int | None = None) -> None:
        self.client.set_terminated(run_id, status=status, end_time=end_ms)

    def abandon(self, run_id: str) -> None:
        """Best effort: mark a run whose logging failed half-way as FAILED."""
        with contextlib.suppress(Exception):
            self.client.set_terminated(run_id, status="FAILED")
