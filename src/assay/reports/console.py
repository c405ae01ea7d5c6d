"""Console summary tables: overall metrics with intervals, and per-segment tables."""

from __future__ import annotations

import math
import sys
from typing import Any, TextIO

__all__ = ["print_summary"]

_MAX_SEGMENT_COLUMNS = 8


def _fmt(v: float | None, digits: int = 4) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    return f"{v:.{digits}f}"


def print_summary(summary: dict[str, Any], *, title: str, stream: TextIO | None = None) -> None:
    from rich.console import Console
    from rich.table import Table

    stream = stream or sys.stdout
    tty = stream.isatty() if hasattr(stream, "isatty") else False
    console = Console(file=stream, width=None if tty else 200, highlight=False)
    n, err = summary["n_examples"], summary["n_errors"]
    head = f"{title}: {n} examples, {err} failed"
    if summary.get("errors_by_kind"):
        head += " (" + ", ".join(f"{k} {v}" for k, v in summary["errors_by_kind"].items()) + ")"
    table = Table(title=head, title_justify="left")
    for col in ("metric", "value", "stderr", "95% CI", "n"):
        table.add_column(col, justify="left" if col == "metric" else "right")
    for name, m in summary["metrics"].items():
        table.add_row(name, _fmt(m["value"]), _fmt(m["stderr"]),
                      f"[{_fmt(m['ci_low'])}, {_fmt(m['ci_high'])}]", str(m["n"]))
    console.print(table)
    metric_names = list(summary["metrics"])
    if len(metric_names) > _MAX_SEGMENT_COLUMNS:   # keep segment tables readable
        builtin = {"em", "qem", "f1", "f1_score_quasi", "rouge1", "rouge2", "rougeL", "bleu"}
        custom = [m for m in metric_names if m not in builtin]
        metric_names = (custom + [m for m in ("f1", "rougeL", "bleu", "em") if m in metric_names]
                        )[:_MAX_SEGMENT_COLUMNS]
        if summary.get("groups"):
            console.print(f"[dim]segment tables show {', '.join(metric_names)}; every metric per "
                          f"segment is in metrics.json and the HTML report[/dim]")
    for field, segments in summary.get("groups", {}).items():
        t = Table(title=f"by {field} (value ± 95% CI half-width)", title_justify="left")
        t.add_column(field, overflow="fold")
        t.add_column("n", justify="right")
        t.add_column("failed", justify="right")
        for name in metric_names:
            t.add_column(name, justify="right")
        for seg, info in segments.items():
            cells = []
            for name in metric_names:
                m = info["metrics"][name]
                digits = 1 if name == "bleu" else 3
                half = (m["ci_high"] - m["ci_low"]) / 2 if m["ci_high"] is not None and \
                    m["ci_low"] is not None and math.isfinite(m["ci_high"]) else None
                cells.append(_fmt(m["value"], digits) + (f"±{_fmt(half, digits - 1 or 1)}"
                                                         if half is not None else ""))
            t.add_row(seg, str(info["n"]), str(info["n_errors"]), *cells)
        console.print(t)
