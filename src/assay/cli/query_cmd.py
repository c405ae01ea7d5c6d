"""``assay query RUN_DIR "SQL"``: DuckDB over a run's records and metrics.

The tables and the sandbox are :mod:`assay.results.query`'s; this module parses the options
and prints the result as a table, CSV or strict JSON. Cell text comes from the run's data,
so the table shows it as plain text (:func:`assay.reports.console.plain`), never as markup.
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["add_parser", "run"]

_CELL_LIMIT = 300
_NUMERIC = frozenset({"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT",
                      "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE"})


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "query", help="SQL (DuckDB) over a run: tables examples and metrics",
        description="Run SQL over a run directory. Tables: examples (per-example records), "
        "metrics (metric, value, stderr, ci_low, ci_high, n, group_field, segment); "
        "benchmark runs with a base model also base_examples, base_metrics, comparison. "
        "Read-only: the query cannot read or write files. See docs/query.md.")
    p.add_argument("run_dir", help="a run directory (<output_dir>/<run name>), or Bedrock "
                   "output files (a *_output.jsonl or a folder of them: tables examples, "
                   "scores, metrics)")
    p.add_argument("sql", help="the query, e.g. \"SELECT count(*) FROM examples\"")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table",
                   help="output format (default table; json is strict JSON)")
    p.add_argument("--max-rows", type=int, default=1000,
                   help="rows shown by --format table (default 1000; csv and json print all)")
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                   help="show tracebacks")
    return p


def run(args: argparse.Namespace) -> int:
    from ..results.query import query_run, to_csv, to_json

    result = query_run(args.run_dir, args.sql)
    if args.format == "json":
        sys.stdout.write(to_json(result) + "\n")
    elif args.format == "csv":
        sys.stdout.write(to_csv(result))
    else:
        _print_table(result, max(0, args.max_rows))
    return 0


def _print_table(result: object, max_rows: int) -> None:
    from rich.console import Console
    from rich.table import Table

    from ..reports.console import plain
    from ..results.query import cell_text

    console = Console(highlight=False, width=None if sys.stdout.isatty() else 200)
    if not result.columns:
        console.print("ok (the statement returned no rows)")
        return
    t = Table(show_lines=False)
    for name, typ in zip(result.columns, result.types):
        numeric = typ.upper() in _NUMERIC or typ.upper().startswith("DECIMAL")
        t.add_column(plain(name), justify="right" if numeric else "left")
    for row in result.rows[:max_rows]:
        cells = []
        for v in row:
            text = _short(v) if isinstance(v, float) else cell_text(v)
            if v is None:
                text = "NULL"
            if len(text) > _CELL_LIMIT:
                text = text[:_CELL_LIMIT - 1] + "…"
            cells.append(plain(text, style="dim" if v is None else ""))
        t.add_row(*cells)
    console.print(t)
    n = len(result.rows)
    more = f"; showing the first {max_rows} (--max-rows, or --format csv for all)" \
        if n > max_rows else ""
    console.print(f"{n} row{'s' if n != 1 else ''}{more}", style="dim")


def _short(v: float) -> str:
    import math

    if not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return f"{v:.6g}"
