"""``assay report RUN_DIR``: the figures and HTML report of a finished run."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import RunStateError

__all__ = ["report_run"]


def report_run(run_dir: str | Path) -> list[Path]:
    d = Path(run_dir)
    try:
        summary = json.loads((d / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        raise RunStateError("not a finished assay run (no readable metrics.json)", file=d) from None
    written: list[Path] = []
    if summary.get("task") in ("llm_judge", "rubric_llm_judge"):
        from .judge_figure import write_judge_figure

        written.append(write_judge_figure(summary, d / "judge_summary.png",
                                          title=f"{d.name}: B vs A judged by {summary.get('model')}"))
    else:
        from .html import write_html_report

        written.append(write_html_report(d))
    return written
