"""From assay's background jobs to the SDK's pipeline view: each pipeline step
(``EvaluateCustomModel``, ``EvaluateBaseModel``) is one job, or the part of a job's run steps
that belongs to one model (a benchmark with a base model runs both models in one job: its
``... (<name>/base)`` steps and ``combining`` are the base model's step)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

__all__ = ["PART_ALL", "PART_CUSTOM", "PART_BASE", "select_steps", "step_view",
           "overall_status", "iso"]

PART_ALL = "all"
PART_CUSTOM = "custom"
PART_BASE = "base"


def iso(ts: float | None) -> str | None:
    """An epoch time as ISO 8601 (UTC), as the SDK's StepDetail holds it."""
    if ts is None:
        return None
    return datetime.fromtimestamp(float(ts), tz=timezone.utc).isoformat()


def _is_base(name: str) -> bool:
    return name.endswith("/base)") or name == "combining"


def select_steps(steps: list[dict[str, Any]], part: str) -> list[dict[str, Any]]:
    """The run steps of one part of a job: all of them; the custom model's (those before the
    first base-model step); or the base model's (from it on: its steps, ``combining`` and
    the report)."""
    if part == PART_ALL:
        return list(steps)
    first = next((i for i, s in enumerate(steps) if _is_base(s["name"])), len(steps))
    return list(steps[first:]) if part == PART_BASE else list(steps[:first])


def _status(job_status: str, steps: list[dict[str, Any]], part: str,
            base_started: bool = False) -> str | None:
    statuses = [s["status"] for s in steps]
    if "Failed" in statuses:
        return "Failed"
    if any(s in ("Executing", "Stopping") for s in statuses):
        return "Stopping" if job_status == "Stopping" else "Executing"
    if "Stopped" in statuses:
        return "Stopped"
    if part == PART_CUSTOM and steps and base_started:
        return "Succeeded"        # all its steps done; the base model's have begun
    if part == PART_BASE and not steps:
        return None               # not started
    return job_status             # between two steps, before the first, or the job's end


def step_view(spec: dict[str, Any], job_info: dict[str, Any],
              job_steps: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The StepDetail fields of pipeline step ``spec`` ({name, display_name, job_id, part}),
    from its job's row and run steps; None while the step has not started."""
    part = spec.get("part", PART_ALL)
    mine = select_steps(job_steps, part)
    status = _status(job_info["status"], mine, part,
                     base_started=bool(select_steps(job_steps, PART_BASE)))
    if status is None:
        return None
    started = [s["started"] for s in mine if s.get("started")]
    ended = [s["ended"] for s in mine if s.get("ended")]
    start = min(started) if started else (job_info.get("created") if part != PART_BASE else None)
    end = None
    if status not in ("Executing", "Stopping"):
        end = max(ended) if ended else job_info.get("ended")
    reason = None
    if status in ("Failed", "Stopped"):
        reason = next((s.get("reason") for s in mine if s["status"] == status and s.get("reason")),
                      None) or job_info.get("reason")
    return {"name": spec["name"], "status": status, "start_time": iso(start),
            "end_time": iso(end), "display_name": spec.get("display_name"),
            "failure_reason": reason, "job_arn": f"arn:assay:local:job/{spec['job_id']}"}


def overall_status(job_statuses: list[str]) -> str:
    """The pipeline's status from its jobs': running while any runs, then Failed, Stopped or
    Succeeded (the worst of them)."""
    if "Stopping" in job_statuses:
        return "Stopping"
    if "Executing" in job_statuses:
        return "Executing"
    for s in ("Failed", "Stopped"):
        if s in job_statuses:
            return s
    return "Succeeded" if job_statuses else "Executing"
