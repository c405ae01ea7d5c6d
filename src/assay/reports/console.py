"""Console summary tables: overall metrics with intervals, and per-segment tables.

Every data-derived string (run and model names, metric names from user processors, group-by
fields and segment values, error kinds, benchmark and subtask names) reaches the terminal
through :func:`plain` (a Rich ``Text``, never parsed as markup) or :func:`safe_markup` (escaped
for an f-string that holds markup), after :func:`clean_text` removed the terminal control
characters: a segment named ``[/]`` cannot crash the summary, ``[link=...]`` cannot become an
OSC-8 hyperlink and a raw ``ESC`` cannot reach the terminal.
"""

from __future__ import annotations

import math
import re
import sys
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

__all__ = ["print_summary", "clean_text", "safe_markup", "plain", "format_interval"]

_MAX_SEGMENT_COLUMNS = 8
# C0 controls but \t and \n, DEL, and the C1 controls (CSI, OSC, ST, ... as single code points)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(value: object) -> str:
    """``str(value)`` without terminal control characters (ESC, BEL, CR, C1, ...); keeps ``\\n``
    and ``\\t``."""
    return _CONTROL.sub("", str(value))


def safe_markup(value: object) -> str:
    """:func:`clean_text`, escaped so Rich prints it literally inside a markup string."""
    from rich.markup import escape

    return escape(clean_text(value))


def plain(value: object, style: str = "") -> "Text":
    """A Rich ``Text`` of :func:`clean_text` (markup is not interpreted in it)."""
    from rich.text import Text

    return Text(clean_text(value), style=style)


def _fmt(v: float | None, digits: int = 4) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    return f"{v:.{digits}f}"


def format_interval(lo: float | None, hi: float | None, digits: int = 4) -> str:
    """``[lo, hi]``; ``-`` when the interval is absent (NaN or missing bounds)."""
    if _fmt(lo, digits) == "-" or _fmt(hi, digits) == "-":
        return "-"
    return f"[{_fmt(lo, digits)}, {_fmt(hi, digits)}]"


def _console(stream: TextIO) -> "Console":
    from rich.console import Console

    tty = stream.isatty() if hasattr(stream, "isatty") else False
    return Console(file=stream, width=None if tty else 200, highlight=False)


def _segment_metrics(summary: dict[str, Any]) -> list[str]:
    metric_names = list(summary["metrics"])
    if len(metric_names) > _MAX_SEGMENT_COLUMNS:   # keep segment tables readable
        builtin = {"em", "qem", "f1", "f1_score_quasi", "rouge1", "rouge2", "rougeL", "bleu"}
        custom = [m for m in metric_names if m not in builtin]
        metric_names = (custom + [m for m in ("f1", "rougeL", "bleu", "em") if m in metric_names]
                        )[:_MAX_SEGMENT_COLUMNS]
    return metric_names


def print_summary(summary: dict[str, Any], *, title: str, stream: TextIO | None = None,
                  console: "Console | None" = None) -> None:
    """The overall metric table (value, stderr, 95% interval, n) and one table per group-by
    field (each metric as ``value [lo, hi]``). ``console`` overrides the one made on
    ``stream`` (default stdout)."""
    from rich.table import Table

    console = console or _console(stream or sys.stdout)
    n, err = summary["n_examples"], summary["n_errors"]
    head = f"{clean_text(title)}: {n} examples, {err} failed"
    if summary.get("errors_by_kind"):
        head += " (" + ", ".join(f"{clean_text(k)} {v}"
                                 for k, v in summary["errors_by_kind"].items()) + ")"
    table = Table(title=plain(head), title_justify="left")
    for col in ("metric", "value", "stderr", "95% CI", "n"):
        table.add_column(col, justify="left" if col == "metric" else "right")
    for name, m in summary["metrics"].items():
        table.add_row(plain(name), _fmt(m["value"]), _fmt(m["stderr"]),
                      plain(format_interval(m["ci_low"], m["ci_high"])), str(m["n"]))
    console.print(table)
    metric_names = _segment_metrics(summary)
    if summary.get("groups") and metric_names != list(summary["metrics"]):
        shown = ", ".join(clean_text(m) for m in metric_names)
        console.print(plain(f"segment tables show {shown}; every metric per segment is in "
                            f"metrics.json and the HTML report", style="dim"))
    for field, segments in summary.get("groups", {}).items():
        t = Table(title=plain(f"by {field} (value [95% CI])"), title_justify="left")
        t.add_column(plain(field), overflow="fold")
        t.add_column("n", justify="right")
        t.add_column("failed", justify="right")
        for name in metric_names:
            t.add_column(plain(name), justify="right")
        for seg, info in segments.items():
            cells = []
            for name in metric_names:
                m = info["metrics"].get(name)
                if m is None:
                    cells.append(plain("-"))
                    continue
                digits = 1 if name == "bleu" else 3
                ci = format_interval(m.get("ci_low"), m.get("ci_high"), max(digits - 1, 1))
                cells.append(plain(_fmt(m["value"], digits) + ("" if ci == "-" else f" {ci}")))
            t.add_row(plain(seg), str(info["n"]), str(info["n_errors"]), *cells)
        console.print(t)
