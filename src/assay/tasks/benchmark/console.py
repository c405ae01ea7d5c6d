"""Console tables for benchmark runs and base-vs-challenger comparisons.

Data-derived strings (run, model, benchmark, subtask and metric names, verdicts) are printed as
Rich ``Text`` without control characters (:func:`assay.reports.console.plain`), never as markup.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from ...stats.intervals import finite_or_none
from ...reports.console import clean_text, format_interval, plain

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["print_benchmark", "print_comparison", "calibration_lines"]


def _f(v: Any, digits: int = 4) -> str:
    f = finite_or_none(v)
    return "-" if f is None else f"{f:.{digits}f}"


def _ci(lo: Any, hi: Any, digits: int = 4) -> str:
    return format_interval(finite_or_none(lo), finite_or_none(hi), digits)


def _console() -> "Console":
    from rich.console import Console
    return Console(highlight=False, width=None if sys.stdout.isatty() else 160)


def print_benchmark(summary: dict[str, Any], *, title: str,
                    console: "Console | None" = None) -> None:
    """Per-subtask and overall scores with standard errors and 95% intervals, then the line
    that says how the run was scored and why."""
    from rich.table import Table

    names = summary["metric_names"]
    methods = ", ".join(f"{k} {v}" for k, v in summary["methods"].items())
    t = Table(title=plain(f"{title}: {summary['benchmark']} {summary['strategy']}, "
                          f"{summary['num_fewshot']}-shot, scored by {methods}"),
              title_justify="left")
    t.add_column("subtask")
    t.add_column("n", justify="right")
    t.add_column("errors", justify="right")
    for m in names:
        t.add_column(plain(m), justify="right")
        t.add_column("± stderr", justify="right")
        t.add_column("95% CI", justify="right")
    rows = list(summary["subtasks"].items())
    for sub, s in rows if len(rows) > 1 or rows[0][0] else []:
        cells = []
        for m in names:
            st = s["metrics"][m]
            cells += [_f(st["value"]), _f(st["stderr"]), plain(_ci(st["ci_low"], st["ci_high"], 3))]
        t.add_row(plain(sub), str(s["n"]), str(s["n_errors"]), *cells)
    cells = []
    for m in names:
        st = summary["overall"][m]
        cells += [_f(st["value"]), _f(st["stderr"]), plain(_ci(st["ci_low"], st["ci_high"], 3))]
    t.add_row(plain("overall", style="bold"), str(summary["n_items"]), str(summary["n_errors"]),
              *cells)
    con = console or _console()
    con.print(t)
    note = (summary.get("scoring") or {}).get("note")
    if note:        # which method ran and why (assay.tasks.benchmark.strategy)
        con.print(plain(note))
    for line in calibration_lines(summary.get("calibration")):
        con.print(plain(line))


def _stat_ci(block: Any, digits: int = 3) -> str:
    b = block if isinstance(block, dict) else {}
    return f"{_f(b.get('value'), digits)} {_ci(b.get('ci_low'), b.get('ci_high'), digits)}"


def calibration_lines(cal: Any) -> list[str]:
    """One or two lines on the choice-probability calibration (none without the block)."""
    if not isinstance(cal, dict):
        return []
    if "skipped" in cal:
        return [f"calibration: skipped ({clean_text(cal['skipped'])})"]
    ov = cal.get("overall") or {}
    return [f"calibration (choice probabilities, n={ov.get('n')}): ECE "
            f"{_stat_ci(ov.get('ece'))} · Brier {_stat_ci(ov.get('brier'))} · AUROC "
            f"{_stat_ci(ov.get('auroc'))}",
            f"  equal-mass ECE {_stat_ci(ov.get('ece_equal_mass'))} · mean confidence "
            f"{_f(ov.get('mean_confidence'), 3)} vs accuracy {_f(ov.get('accuracy'), 3)} · "
            f"{cal.get('n_overconfident_errors', 0)} overconfident errors (confidence ≥ "
            f"{cal.get('overconfident_threshold')})"]


def print_comparison(comparison: dict[str, Any], *, console: "Console | None" = None) -> None:
    """Base vs challenger per subtask and overall for the primary metric."""
    from rich.table import Table

    m = comparison.get("primary_metric")
    if m is None:
        print(clean_text(comparison["verdict"]))
        return
    block = comparison["metrics"][m]
    t = Table(title=plain(f"{m}: challenger {comparison['challenger_model']} vs base "
                          f"{comparison['base_model']}"), title_justify="left")
    for col in ("subtask", "n", "base", "challenger", "difference", "95% CI",
                "p (" + clean_text(block["overall"]["test"]) + ")", "verdict"):
        t.add_column(plain(col), justify="left" if col in ("subtask", "verdict") else "right")
    rows = list(block["subtasks"].items()) + [("overall", block["overall"])]
    for sub, c in rows:
        t.add_row(plain(sub), str(c["n"]), _f(c["base"]), _f(c["challenger"]),
                  f"{c['difference']:+.4f}" if finite_or_none(c["difference"]) is not None else "-",
                  plain(_ci(c["ci_low"], c["ci_high"])), _f(c["p_value"]), plain(c["verdict"]))
    (console or _console()).print(t)
