"""``EvaluationPipelineExecution``: one evaluation started by an evaluator, in the SageMaker
SDK's shape (formats.md §3): ``arn``, ``name``, ``status`` (a
:class:`PipelineExecutionStatus` with :class:`StepDetail` rows), ``eval_type``,
``s3_output_path``, ``refresh()``, ``wait()``, ``stop()``, and the classmethods ``get(arn)``
and ``get_all(eval_type=None)``.

Behind it are assay background jobs (:mod:`assay.jobs`), one per model run; the execution is
kept as JSON in ``assay.jobs.jobs_dir()/sdk/`` (:mod:`assay.sdk.store`), so ``get`` works
from any process. Statuses are the SDK's words: Executing, Stopping, Stopped, Failed,
Succeeded.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from .constants import EvalType
from .steps import overall_status, step_view
from .store import all_records, find_record, save_record, sdk_dir

__all__ = ["StepDetail", "PipelineExecutionStatus", "EvaluationPipelineExecution",
           "FailedStatusError", "TimeoutExceededError", "NOT_SUCCEEDED", "register_kind"]

#: show_results() before success (the SDK's message)
NOT_SUCCEEDED = ("Cannot show results. Execution status is '{status}'. Results are only "
                 "available after successful execution. Use execution.wait() to wait for "
                 "completion or check execution.status for details.")

_STATUSES = ("Executing", "Stopping", "Stopped", "Failed", "Succeeded")

#: the execution class of each evaluation type (filled by :mod:`assay.sdk.kinds`)
_KINDS: dict[EvalType, type] = {}


def register_kind(eval_type: EvalType, cls: type) -> type:
    """Executions of ``eval_type`` load as ``cls`` (its ``show_results()``)."""
    _KINDS[EvalType(eval_type)] = cls
    return cls


class FailedStatusError(RuntimeError):
    """``wait()`` saw the execution end in another status than the one awaited."""

    def __init__(self, status: str, reason: str | None) -> None:
        super().__init__(f"Evaluation execution ended with status {status!r}"
                         + (f": {reason}" if reason else ""))
        self.status = status
        self.reason = reason


class TimeoutExceededError(TimeoutError):
    """``wait(timeout=...)`` ran out of time."""

    def __init__(self, status: str, timeout: float) -> None:
        super().__init__(f"Evaluation execution is still {status!r} after {timeout} s")
        self.status = status


class StepDetail(BaseModel):
    """One pipeline step."""

    name: str
    status: str
    start_time: Optional[str] = None
    end_time: Optional[str] = None
    display_name: Optional[str] = None
    failure_reason: Optional[str] = None
    job_arn: Optional[str] = None


class PipelineExecutionStatus(BaseModel):
    """The pipeline's overall status, its steps, and why it failed."""

    overall_status: str
    step_details: list[StepDetail] = Field(default_factory=list)
    failure_reason: Optional[str] = None


class EvaluationPipelineExecution(BaseModel):
    """An evaluation started by ``evaluator.evaluate()``."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    arn: Optional[str] = None
    name: str
    status: PipelineExecutionStatus = Field(
        default_factory=lambda: PipelineExecutionStatus(overall_status="Executing"))
    last_modified_time: Optional[datetime] = None
    eval_type: Optional[EvalType] = None
    s3_output_path: Optional[str] = None
    steps: list[dict[str, Any]] = Field(default_factory=list)
    _record: dict[str, Any] = PrivateAttr(default_factory=dict)

    # -- loading ---------------------------------------------------------------------------
    @classmethod
    def _from_record(cls, record: dict[str, Any]) -> "EvaluationPipelineExecution":
        klass = _KINDS.get(EvalType(record["eval_type"]), EvaluationPipelineExecution)
        snap = record.get("snapshot") or {}
        execution = klass(arn=record["arn"], name=record["name"],
                          eval_type=EvalType(record["eval_type"]),
                          s3_output_path=record["s3_output_path"],
                          steps=[dict(s) for s in record["steps"]],
                          status=PipelineExecutionStatus(**snap["status"]) if snap.get("status")
                          else PipelineExecutionStatus(overall_status="Executing"),
                          last_modified_time=snap.get("last_modified_time"))
        execution._record = record
        return execution

    @classmethod
    def get(cls, arn: str, session: Any = None, region: Any = None
            ) -> "EvaluationPipelineExecution":
        """The execution ``arn`` (or its id or name), refreshed."""
        record = find_record(arn)
        if record is None:
            raise ValueError(f"no evaluation execution '{arn}' in {sdk_dir()}")
        execution = cls._from_record(record)
        execution.refresh()
        return execution

    @classmethod
    def get_all(cls, eval_type: EvalType | str | None = None, session: Any = None,
                region: Any = None) -> Iterator["EvaluationPipelineExecution"]:
        """Every execution (of ``eval_type`` when given), newest first, refreshed."""
        want = None if eval_type is None else EvalType(eval_type)
        for record in all_records():
            if want is not None and record.get("eval_type") != want.value:
                continue
            execution = cls._from_record(record)
            execution.refresh()
            yield execution

    # -- what it runs ------------------------------------------------------------------------
    @property
    def output_dir(self) -> Path:
        """The folder under ``s3_output_path`` that holds this execution's recipes and runs."""
        return Path(self._record["output_dir"])

    @property
    def display_name(self) -> str:
        return self._record.get("display_name", self.name)

    def jobs(self) -> dict[str, Any]:
        """The assay jobs behind it: ``{"custom": Job, "base": Job}`` (one job when a single
        run evaluates both models)."""
        from ..jobs import Job

        return {role: Job(job_id) for role, job_id in self._record["jobs"].items()}

    def run_dirs(self) -> dict[str, Path | None]:
        """The run directories: ``custom`` and ``base`` (None when no base model runs)."""
        jobs = self.jobs()
        custom = jobs["custom"].run_dir
        base = None
        if self._record.get("base_in_custom_run"):
            base = None if custom is None else custom / "base"
        elif "base" in jobs:
            base = jobs["base"].run_dir
        return {"custom": custom, "base": base}

    def logs(self) -> str:
        """Every job's output so far, one block per job."""
        out = []
        for role, job in self.jobs().items():
            out.append(f"==> {role} model ({job.id}) <==\n{job.logs()}")
        return "\n".join(out)

    # -- status ------------------------------------------------------------------------------
    def refresh(self) -> "EvaluationPipelineExecution":
        """Read the jobs' statuses and steps again."""
        jobs = self.jobs()
        infos = {role: job.info() for role, job in jobs.items()}
        details = []
        for spec in self.steps:
            role = spec["role"]
            view = step_view(spec, infos[role], jobs[role].steps())
            if view is not None:
                details.append(StepDetail(**view))
        overall = overall_status([i["status"] for i in infos.values()])
        reason = None
        if overall in ("Failed", "Stopped"):
            reason = next((d.failure_reason for d in details
                           if d.status == overall and d.failure_reason), None) or \
                next((i.get("reason") for i in infos.values() if i["status"] == overall), None)
        self.status = PipelineExecutionStatus(overall_status=overall, step_details=details,
                                              failure_reason=reason)
        self.last_modified_time = datetime.now(timezone.utc)
        if overall == "Succeeded":
            self._on_success()
            self._group_in_mlflow()
        self._record["snapshot"] = {"status": self.status.model_dump(),
                                    "last_modified_time": self.last_modified_time.isoformat()}
        save_record(self._record)
        return self

    def _on_success(self) -> None:
        """Hook: outputs a kind of evaluation writes once its runs succeeded."""

    def _group_in_mlflow(self) -> None:
        """Once: the custom and base jobs' MLflow runs (when they were logged) nested under
        one parent run holding their paired comparison, as a benchmark with a base model is
        logged. A tracking failure is a warning; the results stay."""
        dirs = self.run_dirs()
        if "mlflow_parent" in self._record or dirs.get("base") is None \
                or self._record.get("base_in_custom_run") or dirs.get("custom") is None:
            return
        try:
            from ..tracking.group import group_runs
            from .results_io import compare_two_runs

            comparison_path = self.output_dir / "comparison.json"
            comparison = compare_two_runs(dirs["base"], dirs["custom"], comparison_path)
            parent = group_runs(self.name, {"challenger": dirs["custom"], "base": dirs["base"]},
                                comparison, (comparison_path,))
        except Exception as exc:   # noqa: BLE001 - never lose the results over tracking
            print(f"warning: the MLflow runs of {self.name} were not grouped under a parent "
                  f"({type(exc).__name__}: {exc})", file=sys.stderr)
            parent = None
        self._record["mlflow_parent"] = parent

    def wait(self, target_status: str = "Succeeded", poll: float = 5,
             timeout: float | None = None) -> None:
        """Block until the execution reaches ``target_status``. Raises
        :class:`FailedStatusError` when it ends in another status first, and
        :class:`TimeoutExceededError` after ``timeout`` seconds."""
        if target_status not in _STATUSES:
            raise ValueError(f"target_status must be one of {', '.join(_STATUSES)}, "
                             f"not {target_status!r}")
        start = time.monotonic()
        last = None
        while True:
            self.refresh()
            current = self.status.overall_status
            if current != last:
                print(f"[{self.name}] {current}", file=sys.stderr, flush=True)
                last = current
            if current == target_status:
                return
            if current in ("Failed", "Stopped", "Succeeded"):
                raise FailedStatusError(current, self.status.failure_reason)
            if timeout is not None and time.monotonic() - start >= timeout:
                raise TimeoutExceededError(current, timeout)
            time.sleep(poll if timeout is None
                       else max(0.0, min(poll, timeout - (time.monotonic() - start))))

    def stop(self) -> None:
        """Stop every job still running (finished work is kept); the execution goes
        Stopping, then Stopped."""
        for job in self.jobs().values():
            job.stop()
        self.refresh()

    def _check_succeeded(self) -> None:
        self.refresh()
        if self.status.overall_status != "Succeeded":
            raise ValueError(NOT_SUCCEEDED.format(status=self.status.overall_status))
