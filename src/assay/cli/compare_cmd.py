"""``assay compare RUN_A RUN_B``: paired significance of two finished runs of the same task on
the same examples (A the baseline, B the challenger); writes comparison.json, .png and .html
and, with ``--fail-on-regression``, exits 5 when B is significantly worse."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_parser", "run"]

_ALL = "all"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "compare", help="paired significance of two runs (A baseline, B challenger)",
        description="Compare two finished runs of the same task on the same examples: per "
        "metric both values, B − A with a paired bootstrap 95% CI, the paired test (McNemar "
        "exact for 0/1 metrics, paired t and Wilcoxon for continuous ones, a sign test for "
        "judge win rates) and a verdict (p < 0.05 and a CI that excludes 0).")
    p.add_argument("run_a", help="the baseline run directory (A), or Bedrock output files "
                   "(a *_output.jsonl or a folder of them)")
    p.add_argument("run_b", help="the challenger run directory (B), or Bedrock output files")
    p.add_argument("--metric", help="the primary metric (default: the run's first)")
    p.add_argument("--metrics", help="compare only these metrics, comma separated")
    p.add_argument("--common-only", action="store_true",
                   help="compare the examples both runs have, and say how many were left out")
    p.add_argument("--match", choices=["id", "index"], default="id",
                   help="pair examples by id (default) or by position in the dataset")
    p.add_argument("--lower-is-better", action="append", default=[], metavar="METRIC",
                   help="a metric where lower is better (repeatable)")
    p.add_argument("--fail-on-regression", nargs="?", const="", default=None, metavar="METRIC",
                   help="exit 5 when B is significantly worse on METRIC (default: the primary "
                   "metric; 'all': on any metric)")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    p.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples (default 1000)")
    p.add_argument("--out", help="output folder (default: RUN_B/compare-<RUN_A name>; for "
                   "Bedrock outputs the sibling <RUN_B>.assay-compare-<RUN_A name>)")
    p.add_argument("--no-figure", action="store_true", help="skip comparison.png")
    p.add_argument("--quiet", action="store_true", help="print only the output folder")
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                   help="show tracebacks")
    return p


def _fmt(v: Any, signed: bool = False) -> str:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        return "-"
    if abs(v) >= 1000:
        return f"{v:+.4g}" if signed else f"{v:.4g}"
    return f"{v:+.4f}" if signed else f"{v:.4f}"


def _print_table(doc: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    from ..reports.console import plain, safe_markup

    a, b = doc["a"], doc["b"]
    items = doc["items"]
    title = (f"assay compare ({safe_markup(doc['task'])}): B {safe_markup(b['name'])} "
             f"({safe_markup(b['model'])}) vs A {safe_markup(a['name'])} "
             f"({safe_markup(a['model'])}), {items['common']} examples")
    t = Table(title=title, title_justify="left")
    for col in ("metric", "A", "B", "B − A", "95% CI", "test", "p", "other", "pairs", "verdict"):
        t.add_column(col, justify="left" if col in ("metric", "test", "other", "verdict")
                     else "right")
    styles = {"B is better": "green", "B is worse": "red"}
    for name, m in doc["metrics"].items():
        other = "; ".join(f"{k} p={v['p_value']:.3g}" for k, v in m["tests"].items()
                          if k != m["test"] and isinstance(v.get("p_value"), float)
                          and math.isfinite(v["p_value"]))
        p = m["p_value"]
        left_out = m["excluded"]["total"]
        t.add_row(plain(name + (" *" if name == doc["primary_metric"] else "")),
                  _fmt(m["a"]), _fmt(m["b"]), _fmt(m["difference"], True),
                  f"[{_fmt(m['ci_low'], True)}, {_fmt(m['ci_high'], True)}]", m["test"],
                  f"{p:.3g}" if isinstance(p, float) and math.isfinite(p) else "-", other,
                  f"{m['n_pairs']}" + (f" (-{left_out})" if left_out else ""),
                  plain(m["verdict"], styles.get(m["verdict"], "")))
    console = Console(width=None if sys.stdout.isatty() else 200, highlight=False)
    console.print(t)
    console.print(plain(doc["verdict"]["text"], "bold " + styles.get(doc["verdict"]["verdict"],
                                                                        "")))
    if items["common_only"] and items["dropped"]:
        console.print(plain(f"note: {items['dropped']} examples not in both runs were left out "
                            f"({items['only_a']} only in A, {items['only_b']} only in B)"))
    for name, m in doc["metrics"].items():
        x = m["excluded"]
        if x["total"]:
            console.print(plain(f"note: {name}: {x['total']} pairs left out (failed in A "
                                f"{x['failed_a']}, in B {x['failed_b']}, no value "
                                f"{x['no_value']})"))


def run(args: argparse.Namespace) -> int:
    from ..compare import (CompareOptions, compare_runs, default_out_dir, prepare_out_dir,
                           regressions, write_comparison_json)
    from ..errors import ConfigError
    from .exit_codes import GATE_FAILED, OK

    if args.resamples < 1:
        raise ConfigError("must be at least 1", field="--resamples")
    metrics = tuple(m.strip() for m in (args.metrics or "").split(",") if m.strip())
    from ..compare.bedrock_run import bedrock_out_dir, load_compared

    a = load_compared(args.run_a, match=args.match)
    b = load_compared(args.run_b, match=args.match)
    opts = CompareOptions(metric=args.metric, common_only=args.common_only, seed=args.seed,
                          n_resamples=args.resamples, lower_is_better=tuple(args.lower_is_better),
                          metrics=metrics)
    doc = compare_runs(a, b, opts)
    gate = args.fail_on_regression
    failures = regressions(doc, gate or None) if gate is not None else []
    if args.out:
        out_dir = Path(args.out)
    elif b.source != "run":   # never inside a downloaded Bedrock folder unless asked
        out_dir = bedrock_out_dir(a, b)
    else:
        out_dir = default_out_dir(a.path, b.path)
    out = prepare_out_dir(out_dir)
    write_comparison_json(doc, out)
    png = None
    if not args.no_figure:
        from ..reports.compare_figure import write_compare_figure

        png = write_compare_figure(doc, out / "comparison.png")
    from ..reports.compare_html import write_compare_html

    write_compare_html(doc, out / "comparison.html", png)
    if not args.quiet:
        _print_table(doc)
    print(out)
    if failures:
        from ..reports.console import clean_text

        for line in failures:
            print(f"regression: {clean_text(line)}", file=sys.stderr)
        return GATE_FAILED
    return OK
