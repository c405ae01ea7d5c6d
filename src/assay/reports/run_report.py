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


def report_run(run_dir: str | Path) -> list[Path]:
    """Write the report files of the finished run in ``run_dir`` and return their paths."""
    d = Path(run_dir)
    try:
        summary = json.loads((d / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        raise RunStateError("not a finished assay run (no readable metrics.json)", file=d) from None
    written: list[Path] = []
    if "benchmark" in summary:
        written.extend(_benchmark_report(d))
    elif summary.get("task") in ("llm_judge", "rubric_llm_judge"):
        from .judge_figure import write_judge_figure

        written.append(write_judge_figure(summary, d / "judge_summary.png",
                                          title=f"{d.name}: B vs A judged by {summary.get('model')}"))
    else:
        from .html import write_html_report

        written.append(write_html_report(d))
    return written
