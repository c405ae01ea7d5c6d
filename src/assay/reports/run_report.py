"""``assay report RUN_DIR``: the figures and HTML report of a finished run."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..errors import RunStateError

__all__ = ["report_run"]


def _benchmark_report(d: Path) -> list[Path]:
    """A benchmark run: redraw comparison.png from comparison.json (when there is one and
    matplotlib is installed), then write report.html."""
    from .bench_html import write_benchmark_report

    written: list[Path] = []
    comp_path = d / "comparison.json"
    if comp_path.is_file():
        try:
            comparison = json.loads(comp_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            raise RunStateError("unreadable comparison.json", file=comp_path) from None
        if comparison.get("primary_metric") is not None:
            try:
                from .bench_figure import write_comparison_figure
            except ImportError as exc:  # pragma: no cover - matplotlib missing
                print(f"note: no comparison figure ({exc})", file=sys.stderr)
            else:
                written.append(write_comparison_figure(comparison, d / "comparison.png"))
    written.append(write_benchmark_report(d))
    return written


def _judge_figure(d: Path, summary: dict) -> list[Path]:
    """judge_summary.png beside the page, as ``assay report`` always wrote it."""
    from .judge_figure import write_judge_figure

    return [write_judge_figure(summary, d / "judge_summary.png",
                               title=f"{d.name}: B vs A judged by {summary.get('model')}")]


def report_run(run_dir: str | Path) -> list[Path]:
    """Write the report files of the finished run in ``run_dir`` and return their paths:
    ``report.html`` for every task (chosen by metrics.json's ``task``), plus the PNG figures
    a task has always had beside it."""
    d = Path(run_dir)
    try:
        summary = json.loads((d / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        raise RunStateError("not a finished assay run (no readable metrics.json)", file=d) from None
    if not isinstance(summary, dict):
        raise RunStateError("not a finished assay run (metrics.json is not an object)", file=d)
    task = summary.get("task")
    if "benchmark" in summary:
        return _benchmark_report(d)
    if task == "llm_judge":
        from .judge_html import write_judge_report

        return _judge_figure(d, summary) + [write_judge_report(d)]
    if task == "rubric_llm_judge":
        from .rubric_html import write_rubric_report

        return _judge_figure(d, summary) + [write_rubric_report(d)]
    from .html import write_gen_qa_report

    return [write_gen_qa_report(d)]
