"""``assay runs [OUTPUT_DIR]``: the runs found under an output folder, as a table or JSON.

The scanning lives in :mod:`assay.results.run_index`; this module parses the options and
prints. Run, model, task and metric names come from files on disk, so they reach the
terminal only as plain text (:func:`assay.reports.console.plain`), never as Rich markup.
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["add_parser", "run"]

# the keys of assay.results.run_index.sort_runs (not imported here: building the parser of
# every command must stay cheap)
_SORT_KEYS = ("date", "name", "task", "status", "metric")


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser("runs", help="list the runs under an output folder")
    p.add_argument("output_dir", nargs="?", default="runs",
                   help="folder holding run directories (default: runs)")
    p.add_argument("--sort", choices=_SORT_KEYS, default="date",
                   help="date (newest first, default), name, task, status or metric "
                   "(highest first)")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                   help="show tracebacks")
    return p


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..errors import ConfigError, location
    from ..results.run_index import list_runs, sort_runs

    root = Path(args.output_dir)
    if not root.is_dir():
        what = "is not a folder" if root.exists() else "no such folder"
        raise ConfigError(f"{what}: pass the folder that holds run directories "
                          "(--output-dir of assay run)", file=root)

    def skipped(path: Path, reason: str) -> None:
        print(f"note: skipped {location(path)}: {reason}", file=sys.stderr)

    runs = sort_runs(list_runs(root, on_skip=skipped), args.sort)
    if args.json:
        from ..results.json_io import dumps_strict

        print(dumps_strict([r.to_dict() for r in runs], indent=2, ensure_ascii=False))
        return 0
    _print_table(runs, root)
    return 0


_STYLE = {"running": "cyan", "finished": "green", "failed": "red", "aborted": "yellow"}


def _print_table(runs: list, root: object) -> None:
    from rich.console import Console
    from rich.table import Table

    from ..reports.console import plain, safe_markup

    console = Console(highlight=False, width=None if sys.stdout.isatty() else 200)
    if not runs:
        console.print(f"no runs in {safe_markup(root)}")
        return
    t = Table(title=f"{len(runs)} run{'s' if len(runs) != 1 else ''} in {safe_markup(root)}",
              title_justify="left")
    for col in ("name", "task", "model", "status", "examples", "metric", "date"):
        t.add_column(col, justify="right" if col == "examples" else "left")
    for r in runs:
        style = "red" if r.killed else _STYLE.get(r.status, "")
        t.add_row(plain(r.name), plain(r.task or "-"), plain(r.models_text),
                  plain(r.status_text, style=style), plain(r.examples_text),
                  plain(r.metric_text), plain(r.date_text))
    console.print(t)
