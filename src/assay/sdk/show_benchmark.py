"""``show_results()`` of benchmark and custom-scorer executions: the SDK's metric table (the
custom model's ``results_*.json``, and the base model's beside it), then what the SDK does
not show: the paired difference custom − base on the same items, its 95% bootstrap CI, the
p-value of the paired test and a plain verdict (:mod:`assay.compare`)."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

from .results_io import compare_two_runs, paired_rows, read_results_json

__all__ = ["console", "fmt_metric", "fmt_num", "show_benchmark_results", "paired_table"]


def console() -> Any:
    from rich.console import Console

    return Console(highlight=False, width=None if sys.stdout.isatty() else 160)


def fmt_metric(name: str, value: Any) -> str:
    """As the SDK: a 0–1 value (not a stderr) as a percentage, else 4 decimals."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return "-" if value is None else str(value)
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if 0 <= value <= 1 and "stderr" not in name.lower():
        return f"{value * 100:.2f}%"
    return f"{value:.4f}"


def fmt_num(v: Any, signed: bool = False) -> str:
    if not isinstance(v, (int, float)) or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return f"{v:+.4f}" if signed else f"{v:.4f}"


def _p(v: Any) -> str:
    if not isinstance(v, (int, float)) or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return f"{v:.3g}"


def paired_table(rows: list[dict[str, Any]], title: str) -> Any:
    from rich.box import ROUNDED
    from rich.table import Table

    t = Table(title=title, box=ROUNDED, header_style="bold magenta")
    for col, just in (("Metric", "left"), ("Custom", "right"), ("Base", "right"),
                      ("Custom − Base", "right"), ("95% CI", "right"), ("p-value", "right"),
                      ("Test", "left"), ("Verdict", "left")):
        t.add_column(col, justify=just)
    for r in rows:
        ci = f"[{fmt_num(r['ci_low'], True)}, {fmt_num(r['ci_high'], True)}]"
        t.add_row(r["metric"], fmt_num(r["custom"]), fmt_num(r["base"]),
                  fmt_num(r["difference"], True), ci, _p(r["p_value"]), str(r["test"] or "-"),
                  str(r["verdict"] or "-"))
    return t


def _metrics_table(custom: dict[str, float], base: dict[str, float] | None) -> Any:
    from rich.box import ROUNDED
    from rich.table import Table

    title = "[bold green]Custom Model Results[/bold green]" if base is None else \
        "[bold green]Custom Model[/bold green] vs [bold yellow]Base Model[/bold yellow] Results"
    t = Table(show_header=True, header_style="bold green", title=title, box=ROUNDED)
    t.add_column("Metric", style="cyan", width=30)
    t.add_column("Custom Model", justify="right", width=15)
    if base is not None:
        t.add_column("Base Model", justify="right", width=15)
    names = sorted(set(custom) | set(base or {}))
    for name in names:
        row = [name, fmt_metric(name, custom.get(name))]
        if base is not None:
            row.append(fmt_metric(name, base.get(name)))
        t.add_row(*row)
    return t


def _artifacts(paths: dict[str, Path | None]) -> Any:
    from rich.panel import Panel
    from rich.text import Text

    msg = Text()
    msg.append("Full evaluation artifacts available at:\n\n", style="bold")
    msg.append("Custom Model:\n", style="bold green")
    msg.append(f"  {paths['custom']}\n", style="cyan")
    if paths.get("base"):
        msg.append("\nBase Model:\n", style="bold yellow")
        msg.append(f"  {paths['base']}", style="cyan")
    return Panel(msg, title="[bold blue]Result Artifacts Location[/bold blue]",
                 border_style="blue", padding=(1, 2))


def show_benchmark_results(execution: Any) -> None:
    """Print the results of a finished benchmark or custom-scorer execution."""
    dirs = execution.run_dirs()
    custom_dir, base_dir = dirs["custom"], dirs["base"]
    custom = read_results_json(custom_dir)
    base = read_results_json(base_dir) if base_dir is not None else None
    con = console()
    con.print(_metrics_table(custom, base))
    if base_dir is not None:
        if execution._record.get("base_in_custom_run"):
            import json

            comparison = json.loads((custom_dir / "comparison.json").read_text(encoding="utf-8"))
        else:
            comparison = compare_two_runs(base_dir, custom_dir,
                                          execution.output_dir / "comparison.json")
        rows = paired_rows(comparison)
        if rows:
            con.print("")
            con.print(paired_table(rows, "[bold]Custom vs base on the same items (assay: paired "
                                         "bootstrap 95% CI, paired test)[/bold]"))
    con.print("")
    con.print(_artifacts({"custom": custom_dir / "eval_results",
                          "base": base_dir / "eval_results" if base_dir else None}))
