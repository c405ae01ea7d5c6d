"""``show_results(limit=5, offset=0, show_explanations=False)`` of an LLM-as-judge execution:
the per-metric aggregate (``bedrock_llm_judge_results.json``), ``limit`` evaluations from
``offset`` (prompt, response, each metric's score and, when asked, the judge's explanation),
and with a base model the custom-vs-base win rates (each example goes to the model that wins
more of its metrics; ties otherwise) with assay's 95% CI and sign test, and each metric's
paired difference (:mod:`assay.compare`)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from .results_io import (bedrock_records, compare_two_runs, lower_is_better, paired_rows,
                         read_llmaj_results)
from .show_benchmark import console, fmt_num, paired_table

__all__ = ["show_llmaj_results", "win_rates", "example_scores"]


def _truncate(text: str, n: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 3] + "..."


def example_scores(rec: dict[str, Any]) -> dict[str, float | None]:
    return {s.get("metricName", "unknown"): s.get("result")
            for s in (rec.get("automatedEvaluationResult") or {}).get("scores", [])}


def _keys(records: list[dict[str, Any]]) -> list[str]:
    seen: Counter[str] = Counter()
    out = []
    for rec in records:
        prompt = str((rec.get("inputRecord") or {}).get("prompt"))
        seen[prompt] += 1
        out.append(f"{prompt} #{seen[prompt]}")
    return out


def win_rates(custom: list[dict[str, Any]], base: list[dict[str, Any]],
              lower: set[str], seed: int = 0) -> dict[str, Any]:
    """Per example (paired by prompt), the model that wins more of the metrics both scored;
    counts, rates, and the custom win rate (ties as half) with a paired bootstrap 95% CI
    and the exact sign test of custom wins against base wins."""
    from ..compare import compare_win_rates

    by_key = dict(zip(_keys(base), base))
    outcomes = []
    for key, rec in zip(_keys(custom), custom):
        other = by_key.get(key)
        if other is None:
            continue
        c, b = example_scores(rec), example_scores(other)
        cw = bw = 0
        for metric, cv in c.items():
            bv = b.get(metric)
            if not isinstance(cv, (int, float)) or not isinstance(bv, (int, float)) or cv == bv:
                continue
            better = cv < bv if metric in lower else cv > bv
            cw, bw = cw + better, bw + (not better)
        outcomes.append(1.0 if cw > bw else 0.0 if bw > cw else 0.5)
    n = len(outcomes)
    stats = compare_win_rates([0.5] * n, outcomes, seed=seed) if n else None
    return {"n": n, "custom_wins": sum(o == 1.0 for o in outcomes),
            "base_wins": sum(o == 0.0 for o in outcomes), "ties": sum(o == 0.5 for o in outcomes),
            "custom_win_rate": stats["challenger"] if stats else None,
            "ci_low": stats["ci_low"] + 0.5 if stats else None,
            "ci_high": stats["ci_high"] + 0.5 if stats else None,
            "p_value": stats["p_value"] if stats else None}


def _aggregate_table(custom: dict[str, Any], base: dict[str, Any] | None) -> Any:
    from rich.box import ROUNDED
    from rich.table import Table

    t = Table(title="[bold green]LLM-as-judge results[/bold green]", box=ROUNDED,
              header_style="bold magenta")
    t.add_column("Metric", style="cyan")
    for col in ("Custom score", "Std dev", "N") + (("Base score", "Std dev", "N")
                                                    if base is not None else ()):
        t.add_column(col, justify="right")
    for metric, s in custom.items():
        row = [metric, fmt_num(s["score"]), fmt_num(s["std_deviation"]),
               str(s["total_evaluations"])]
        if base is not None:
            b = base.get(metric) or {}
            row += [fmt_num(b.get("score")), fmt_num(b.get("std_deviation")),
                    str(b.get("total_evaluations", "-"))]
        t.add_row(*row)
    return t


def _show_one(con: Any, rec: dict[str, Any], index: int, total: int, explain: bool) -> None:
    from rich.box import SIMPLE
    from rich.markup import escape
    from rich.table import Table

    prompt = (rec.get("inputRecord") or {}).get("prompt", "N/A")
    responses = rec.get("modelResponses") or []
    response = responses[0].get("response", "N/A") if responses else "N/A"
    con.print(f"\n[bold cyan]═══ Evaluation {index + 1} of {total} ═══[/bold cyan]")
    con.print(f"[bold]Prompt:[/bold] {escape(_truncate(prompt, 200))}")
    con.print(f"[bold]Model Response:[/bold] {escape(_truncate(response, 200))}")
    t = Table(show_header=True, header_style="bold magenta", box=SIMPLE)
    t.add_column("Metric", style="cyan", width=30)
    t.add_column("Score", justify="right", width=10)
    if explain:
        t.add_column("Explanation", width=60)
    for s in (rec.get("automatedEvaluationResult") or {}).get("scores", []):
        value = s.get("result")
        row = [s.get("metricName", "unknown"),
               f"{value * 100:.1f}%" if isinstance(value, (int, float)) else "N/A"]
        if explain:
            details = s.get("evaluatorDetails") or [{}]
            row.append(escape(_truncate(details[0].get("explanation") or "N/A", 200)))
        t.add_row(*row)
    con.print(t)


def _win_table(w: dict[str, Any]) -> Any:
    from rich.box import ROUNDED
    from rich.table import Table

    t = Table(title="[bold]Custom vs base: per-example majority of metric wins[/bold]",
              box=ROUNDED, header_style="bold magenta")
    for col in ("Examples", "Custom wins", "Base wins", "Ties", "Custom win rate",
                "95% CI", "sign test p"):
        t.add_column(col, justify="right")
    n = w["n"] or 1
    rate = w["custom_win_rate"]
    t.add_row(str(w["n"]), f"{w['custom_wins']} ({w['custom_wins'] / n:.1%})",
              f"{w['base_wins']} ({w['base_wins'] / n:.1%})", f"{w['ties']} ({w['ties'] / n:.1%})",
              "-" if rate is None else f"{rate:.1%}",
              "-" if rate is None else f"[{w['ci_low']:.1%}, {w['ci_high']:.1%}]",
              "-" if w["p_value"] is None else f"{w['p_value']:.3g}")
    return t


def show_llmaj_results(execution: Any, limit: int | None = 5, offset: int = 0,
                       show_explanations: bool = False) -> None:
    dirs = execution.run_dirs()
    custom_dir: Path = dirs["custom"]
    base_dir: Path | None = dirs["base"]
    con = console()
    con.print(f"[bold]Full evaluation artifacts available at:[/bold] {custom_dir}"
              + (f" and {base_dir}" if base_dir else ""))
    base_agg = read_llmaj_results(base_dir) if base_dir else None
    con.print(_aggregate_table(read_llmaj_results(custom_dir), base_agg))
    records = bedrock_records(custom_dir)
    total = len(records)
    end = total if limit is None else min(offset + limit, total)
    if offset >= total:
        con.print(f"[yellow]Offset {offset} is beyond total {total} evaluations[/yellow]")
    else:
        for i in range(offset, end):
            _show_one(con, records[i], i, total, show_explanations)
        con.print("═" * 70)
        con.print(f"[bold cyan]Showing evaluations {offset + 1}-{end} of {total}[/bold cyan]")
        if end < total:
            con.print(f"  execution.show_results(limit={limit}, offset={end})  # next {limit}")
    if base_dir is not None:
        con.print("")
        con.print(_win_table(win_rates(records, bedrock_records(base_dir),
                                       lower_is_better(custom_dir))))
        rows = paired_rows(compare_two_runs(base_dir, custom_dir,
                                            execution.output_dir / "comparison.json"))
        if rows:
            con.print(paired_table(rows, "[bold]Per metric, custom − base (assay: paired "
                                         "bootstrap 95% CI, paired test)[/bold]"))
