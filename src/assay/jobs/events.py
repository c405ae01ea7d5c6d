"""The run observer of a background job: it writes the run's steps, counts and run directory
into the job store as the run goes (see :mod:`assay.runner.events`)."""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

from ..runner.events import RunEvents
from .store import JobStore

__all__ = ["JobEvents"]


class JobEvents(RunEvents):
    """Records the steps of job ``job_id``. A store error is reported once on stderr and
    never fails the run."""

    def __init__(self, job_id: str, store: JobStore | None = None) -> None:
        self.job_id = job_id
        self.store = store or JobStore()
        self._seq: dict[str, int] = {}
        self._current: int | None = None
        self._has_run_dir = False
        self._warned = False

    @classmethod
    def from_environ(cls, recipe: Any = None) -> "JobEvents | None":
        """The observer of the job this process runs (``$ASSAY_JOB_ID``), or None; with a
        recipe, its name and cluster (``assay.ray_address`` or ``$RAY_ADDRESS``,
        ``run.replicas``) are recorded."""
        job_id = os.environ.get("ASSAY_JOB_ID")
        if not job_id:
            return None
        events = cls(job_id)
        if recipe is not None:
            run = getattr(recipe, "run", None)
            replicas = getattr(run, "replicas", None)
            cluster = getattr(getattr(recipe, "assay", None), "ray_address", None) \
                or os.environ.get("RAY_ADDRESS") or None
            fields: dict[str, Any] = {"name": getattr(run, "name", None)}
            if cluster or (isinstance(replicas, int) and replicas > 1):
                fields.update(cluster=None if cluster is None else str(cluster),
                              replicas=replicas)
            events._safe(events.store.update, job_id, **fields)
        return events

    def _safe(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (sqlite3.Error, OSError) as exc:
            if not self._warned:
                self._warned = True
                print(f"note: the job store could not be updated ({type(exc).__name__}: {exc})",
                      file=sys.stderr)
            return None

    def step_started(self, name: str) -> None:
        seq = self._safe(self.store.start_step, self.job_id, name)
        if seq is not None:
            self._seq[name] = seq
            self._current = seq

    def step_finished(self, name: str, *, status: str = "Succeeded",
                      reason: str | None = None) -> None:
        seq = self._seq.get(name)
        if seq is not None:
            self._safe(self.store.finish_step, self.job_id, seq, status, reason)
        if seq == self._current:
            self._current = None

    def run_dir(self, path: Path) -> None:
        if not self._has_run_dir:
            self._has_run_dir = True
            self._safe(self.store.update, self.job_id, run_dir=str(Path(path).resolve()))

    def progress(self, done: int, total: int, failed: int) -> None:
        if self._current is not None:
            self._safe(self.store.step_progress, self.job_id, self._current, done, total, failed)
