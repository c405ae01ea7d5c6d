"""``assay report RUN_DIR``: the report of a finished run, by the task that made it."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import RunStateError
from .registry import resolve_task

__all__ = ["report_run"]


def report_run(run_dir: str | Path) -> list[Path]:
    """Write the report files of the finished run in ``run_dir`` (``report.html`` first, then
    any figure its task draws beside it) and return their paths."""
    d = Path(run_dir)
    try:
        summary = json.loads((d / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise RunStateError("not a finished assay run (no readable metrics.json)",
                            file=d) from None
    if not isinstance(summary, dict) or not isinstance(summary.get("task"), str):
        raise RunStateError("not a finished assay run (metrics.json names no task)", file=d)
    return resolve_task(summary["task"]).write_report(d)
