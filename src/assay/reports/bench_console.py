"""Console tables for benchmark runs and base-vs-challenger comparisons."""

from __future__ import annotations

import sys
from typing import Any

from ..stats.intervals import finite_or_none

__all__ = ["print_benchmark", "print_comparison"]


def _f(v: Any, digits: int = 4) -> str:
    f = finite_or_none(v)
    return "-" if f is None else f"{f:.{digits}f}"


def _console():
    from rich.console import Console
    return Console(highlight=False, width=None if sys.stdout.isatty() else 160)


def print_benchmark(summary: dict[str, Any], *, title: str) -> None:
    """Per-subtask and overall scores with standard errors and 95% intervals."""
    from rich.table import Table

    names = summary["metric_names"]
    methods = ", ".join(f"{k} {v}" for k, v in summary["methods"].items())
    t = Table(title=f"{title}: {summary['benchmark']} {summary['strategy']}, "
                    f"{summary['num_fewshot']}-shot, scored by {methods}", title_justify="left")
    t.add_column("subtask")
    t.add_column("n", justify="right")
    t.add_column("errors", justify="right")
    for m in names:
        t.add_column(m, justify="right")
        t.add_column("± stderr", justify="right")
        t.add_column("95% CI", justify="right")
    rows = list(summary["subtasks"].items())
    for sub, s in rows if len(rows) > 1 or rows[0][0] else []:
        cells = []
        for m in names:
            st = s["metrics"][m]
            cells += [_f(st["value"]), _f(st["stderr"]),
                      f"[{_f(st['ci_low'], 3)}, {_f(st['ci_high'], 3)}]"]
        t.add_row(sub, str(s["n"]), str(s["n_errors"]), *cells)
    cells = []
    for m in names:
        st = summary["overall"][m]
        cells += [_f(st["value"]), _f(st["stderr"]), f"[{_f(st['ci_low'], 3)}, {_f(st['ci_high'], 3)}]"]
    t.add_row("[bold]overall[/bold]", str(summary["n_items"]), str(summary["n_errors"]), *cells)
    _console().print(t)


def print_comparison(comparison: dict[str, Any]) -> None:
    """Base vs challenger per subtask and overall for the primary metric."""
    from rich.table import Table

    m = comparison.get("primary_metric")
    if m is None:
        print(comparison["verdict"])
        return
    block = comparison["metrics"][m]
    t = Table(title=f"{m}: challenger {comparison['challenger_model']} vs base "
                    f"{comparison['base_model']}", title_justify="left")
    for col in ("subtask", "n", "base", "challenger", "difference", "95% CI",
                "p (" + block["overall"]["test"] + ")", "verdict"):
        t.add_column(col, justify="left" if col in ("subtask", "verdict") else "right")
    rows = list(block["subtasks"].items()) + [("overall", block["overall"])]
    for sub, c in rows:
        t.add_row(sub, str(c["n"]), _f(c["base"]), _f(c["challenger"]),
                  f"{c['difference']:+.4f}" if finite_or_none(c["difference"]) is not None else "-",
                  f"[{_f(c['ci_low'])}, {_f(c['ci_high'])}]", _f(c["p_value"]), c["verdict"])
    _console().print(t)
