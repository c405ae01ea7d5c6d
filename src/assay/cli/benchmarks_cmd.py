"""``assay benchmarks list|show NAME``: the registry, as a table or JSON.

Registry strings (names, descriptions, dataset info) may come from user files, so they are
printed as plain text without control characters (:mod:`assay.reports.console`), never as
Rich markup."""

from __future__ import annotations

import json
import sys

__all__ = ["benchmarks_command"]


def benchmarks_command(action: str, name: str | None, *, as_json: bool = False) -> int:
    from rich.console import Console
    from rich.table import Table

    from ..benchmarks import benchmark_names, get_benchmark_properties
    from ..errors import ConfigError
    from ..reports.console import plain, safe_markup

    console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
    if action == "list":
        props = [get_benchmark_properties(n) for n in benchmark_names()]
        if as_json:
            print(json.dumps(props, indent=2))
            return 0
        t = Table(title=f"{len(props)} benchmarks (assay benchmarks show NAME)",
                  title_justify="left")
        for col in ("name", "type", "subtasks", "items", "metrics", "strategy", "scoring"):
            t.add_column(col, justify="right" if col in ("subtasks", "items") else "left")
        for p in props:
            t.add_row(plain(p["name"]), plain(p["task_type"]), str(len(p["subtasks"] or [])),
                      str(sum(p["num_samples"].values())), plain(", ".join(p["metrics"])),
                      plain(p["strategy"]), plain(", ".join(p["methods"])))
        console.print(t)
        return 0
    if not name:
        raise ConfigError("usage: assay benchmarks show NAME (see assay benchmarks list)")
    p = get_benchmark_properties(name)
    if as_json:
        print(json.dumps(p, indent=2))
        return 0
    console.print(f"[bold]{safe_markup(p['name'])}[/bold]: {safe_markup(p['description'])}")
    for key in ("task_type", "metrics", "strategy", "methods", "default_fewshot", "citation"):
        value = p[key]
        console.print(plain(f"  {key}: {', '.join(value) if isinstance(value, list) else value}"))
    info = p["dataset_info"]
    for k, v in info.items():
        if isinstance(v, dict):
            v = ", ".join(f"{a}={b}" for a, b in v.items())
        elif isinstance(v, list):
            v = "; ".join(map(str, v))
        console.print(plain(f"  dataset {k}: "
                            f"{'none (pass a revision to download)' if v is None else v}"))
    if p["subtasks"]:
        console.print(f"  {len(p['subtasks'])} subtasks (items in the evaluation split):")
        console.print(plain("    " + ", ".join(f"{s} ({p['num_samples'].get(s, '?')})"
                                                for s in p["subtasks"])))
    else:
        console.print(f"  items: {sum(p['num_samples'].values())}")
    return 0
