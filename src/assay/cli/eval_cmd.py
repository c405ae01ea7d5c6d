"""``assay eval TASK[,TASK...] -m MODEL``: standard benchmarks without a recipe, as
``lm_eval --tasks`` (docs/benchmarks.md, "Running benchmarks without a recipe").

Each task becomes a :class:`~assay.config.recipe.Recipe` built here and goes through the same
runner as ``assay run`` (:func:`assay.runner.run.evaluate`); the tasks run one after another,
each in its own run directory ``OUTPUT_DIR/<task>``, then one table sums them up. Benchmark,
model and metric names reach the terminal only as plain text, never as Rich markup."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["add_parser", "run", "eval_recipe", "print_eval_table"]


def add_parser(subparsers: argparse._SubParsersAction, *,
               overrides: Callable[[argparse.Namespace], dict[str, Any]],
               outcome: Callable[..., int]) -> argparse.ArgumentParser:
    """``overrides`` turns the options into recipe overrides and ``outcome`` a finished run
    into its exit code, both as for ``assay run`` (the CLI passes its own)."""
    p = subparsers.add_parser(
        "eval", help="run standard benchmarks without a recipe (as lm_eval --tasks)",
        description="Run standard benchmarks (assay benchmarks list; aliases such as arc_easy, "
        "arc_challenge, truthfulqa_mc1) without a recipe, one run directory per task.")
    p.add_argument("tasks", nargs="+", metavar="TASK[,TASK...]",
                   help="benchmark names or aliases, comma or space separated")
    p.add_argument("-m", "--model", help="provider/model (default local/smollm2, the embedded "
                   "model)")
    p.add_argument("-M", dest="model_args", action="append", default=[], metavar="KEY=VALUE",
                   help="model argument, repeatable (base_url=..., loglikelihood=true, ...)")
    p.add_argument("--data", help="benchmark data: a folder holding <benchmark>/ folders, or "
                   "one benchmark's folder (default: $ASSAY_BENCHDATA)")
    p.add_argument("--limit", type=int, help="only the first N items of each subtask")
    p.add_argument("--num-fewshot", type=int, metavar="K", help="few-shot examples (records "
                   "the strategy as fs when K > 0)")
    p.add_argument("--method", choices=["auto", "loglikelihood", "generate"],
                   help="scoring method (default auto: see docs/benchmarks.md)")
    p.add_argument("--strategy", choices=["zs", "zs_cot", "fs", "fs_cot"],
                   help="Nova strategy (default: none, log-likelihood as lm-eval)")
    p.add_argument("--subtask", help="subtask(s), comma separated (every task)")
    p.add_argument("--system-prompt", help="system prompt of the model under test")
    p.add_argument("-o", "--output-dir", default="runs",
                   help="folder for the run directories, one per task (default: runs)")
    p.add_argument("--max-new-tokens", type=int, help="generation budget (default 2048)")
    p.add_argument("--seed", type=int)
    p.add_argument("--concurrency", type=int)
    p.add_argument("--no-cache", action="store_true", help="do not read or write the response "
                   "cache")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY.PATH=VALUE",
                   help="any recipe key, e.g. --set assay.benchmark.download=true")
    p.add_argument("--overwrite", action="store_true", help="replace existing runs of the "
                   "same tasks in the output folder")
    p.add_argument("--resume", action="store_true", help="continue interrupted runs")
    p.add_argument("--allow-failures", action="store_true",
                   help="exit 0 even when some items failed (they are still recorded)")
    p.add_argument("--progress", choices=["auto", "plain", "none"], default="auto")
    p.add_argument("--quiet", action="store_true", help="no progress and no per-task tables")
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                   help="show tracebacks")
    p.set_defaults(eval_overrides=overrides, eval_outcome=outcome)
    return p


def _tasks(values: list[str]) -> list[str]:
    """Task names in order, commas split, duplicates dropped; each one a benchmark."""
    from ..benchmarks.registry import resolve_benchmark
    from ..errors import ConfigError
    from ..tasks.benchmark.task import BenchmarkTask

    out: list[str] = []
    for value in values:
        for name in (t.strip() for t in value.split(",")):
            if name and name not in out:
                out.append(name)
    if not out:
        raise ConfigError("name one or more benchmarks (assay benchmarks list)", field="TASK")
    for name in out:
        if not BenchmarkTask.handles(name):
            from ..tasks.registry import task_names
            if name in task_names():
                raise ConfigError(f"assay eval runs standard benchmarks; task {name} needs a "
                                  "recipe: assay run RECIPE", field="TASK")
            resolve_benchmark(name)   # the registry's one line, with "did you mean"
    return out


def eval_recipe(task: str, overrides: dict[str, Any]) -> Any:
    """The recipe ``assay eval`` runs for ``task``: a run named after the task, every metric,
    greedy decoding, and the command line's overrides."""
    from ..config.loader import apply_overrides, recipe_from_dict

    doc = {"run": {"name": task}, "evaluation": {"task": task, "metric": "all"},
           "inference": {"temperature": 0}}
    return recipe_from_dict(apply_overrides(doc, overrides))


def run(args: argparse.Namespace) -> int:
    from ..errors import AssayError, BenchmarkDataMissing
    from ..runner.run import RunOptions, evaluate
    from .exit_codes import OK
    from .gc_tuning import tune_gc

    tune_gc(args)
    tasks = _tasks(args.tasks)
    if args.subtask and len(tasks) > 1:
        from ..errors import ConfigError
        raise ConfigError("--subtask applies to one task; run the tasks apart, or name "
                          "aliases such as arc_easy", field="--subtask")
    overrides = args.eval_overrides(args)
    recipes = [eval_recipe(t, overrides) for t in tasks]   # bad options: exit 2, nothing run
    a = recipes[0].assay
    if not a.data and not os.environ.get("ASSAY_BENCHDATA") and not a.benchmark.download:
        raise BenchmarkDataMissing(
            "no benchmark data folder: pass --data DIR (a folder holding the benchmarks' "
            "folders, e.g. DIR/arc, DIR/mmlu) or set ASSAY_BENCHDATA=DIR (see "
            "docs/benchmarks.md)", field="--data")
    options = RunOptions(resume=args.resume, overwrite=args.overwrite,
                         progress="none" if args.quiet else args.progress,
                         print_summary=not args.quiet)
    rows: list[dict[str, Any]] = []
    codes: list[int] = []
    for task, recipe in zip(tasks, recipes):
        try:
            result = evaluate(recipe, options)
        except AssayError as exc:
            if getattr(args, "debug", False) or os.environ.get("ASSAY_DEBUG") == "1":
                raise
            print(f"error: {task}: {exc}", file=sys.stderr)
            codes.append(exc.exit_code)
            rows.append({"task": task, "error": str(exc)})
            continue
        codes.append(args.eval_outcome(result, allow_failures=args.allow_failures))
        rows.append({"task": task, "summary": result.summary, "run_dir": str(result.run_dir)})
    print_eval_table(rows)
    return next((c for c in codes if c != OK), OK)


def _row_cells(row: dict[str, Any]) -> list[str]:
    from ..stats.intervals import finite_or_none

    s = row.get("summary")
    if s is None:
        return [row["task"], "-", "failed", "-", "-", "-", "-", "-", row["error"]]
    metric = s["metric_names"][0]
    st = s["overall"][metric]
    value, lo, hi = (finite_or_none(st.get(k)) for k in ("value", "ci_low", "ci_high"))
    methods = ", ".join(f"{k} {v}" if len(s["methods"]) > 1 else k
                        for k, v in s["methods"].items()) or "-"
    return [row["task"], f"{s['strategy']}|{s['num_fewshot']}", methods, str(s["n_items"]),
            str(s["n_errors"]), metric, "-" if value is None else f"{value:.4f}",
            "-" if lo is None or hi is None else f"[{lo:.3f}, {hi:.3f}]", row["run_dir"]]


def print_eval_table(rows: list[dict[str, Any]]) -> None:
    """One row per task: strategy and shots, the method that ran, items, errors, the primary
    metric with its 95% interval, and the run directory (or the error)."""
    from rich.console import Console
    from rich.table import Table

    from ..reports.console import plain

    t = Table(title=f"assay eval: {len(rows)} task{'s' if len(rows) != 1 else ''}",
              title_justify="left")
    for col in ("task", "strategy|shots", "method", "n", "errors", "metric", "value", "95% CI",
                "run"):
        t.add_column(col, justify="right" if col in ("n", "errors", "value") else "left")
    for row in rows:
        t.add_row(*(plain(c) for c in _row_cells(row)))
    Console(highlight=False, width=None if sys.stdout.isatty() else 200).print(t)
