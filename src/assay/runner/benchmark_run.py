"""Standard benchmarks (task mmlu, bbh, gsm8k, math, arc, ...): the items, one run per model
on identical items, Nova results per subtask and overall, and the base-vs-challenger
comparison when ``evaluate_base_model`` is on."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..backends.base import ModelSpec
from ..benchmarks.base import Benchmark
from ..benchmarks.item import BenchItem
from ..benchmarks.registry import resolve_benchmark
from ..config.recipe import Recipe
from ..errors import BenchmarkDataMissing, ConfigError
from ..results.bench_writers import BenchWriter
from ..results.native import write_json
from ..results.nova import task_key, write_results_json
from ..results.run_result import RunResult
from .bench_compare import compare_records
from .bench_pipeline import run_bench_item
from .bench_summary import BenchSummary, flat_metrics

__all__ = ["BenchPlan", "plan_benchmark", "run_benchmark", "STRATEGIES"]

STRATEGIES = ("zs", "zs_cot", "fs", "fs_cot")


@dataclass(frozen=True)
class BenchInfo:
    """What execute_units needs to know of the data: where, how many, and its digest."""

    path: str
    rows: int
    fingerprint: str


@dataclass(frozen=True)
class BenchPlan:
    benchmark: Benchmark
    subtasks: list[str]
    strategy: str
    shots: int
    cot: bool
    root: Path
    items: list[BenchItem]
    info: BenchInfo

    def key(self, task: str, subtask: str = "") -> str:
        """``custom|<task>_<strategy>|<shots>`` overall (the recipe's task name), and
        ``custom|<benchmark>:<subtask>_<strategy>|<shots>`` per subtask."""
        name = f"{self.benchmark.name}:{subtask}" if subtask else task
        return task_key(name, self.strategy, self.shots)


def _data_root(recipe: Recipe, bench: Benchmark, base: Path | None, subtasks: list[str],
               shots: int) -> Path:
    """The benchmark's data folder; with ``download`` on, the data is fetched there when it
    does not load (only the subtasks and few-shot split the run needs)."""
    from .run import _resolve_path

    download = recipe.assay.benchmark.download
    fetch = ("" if download else " (or set assay.benchmark.download=true with a pinned revision "
             "to fetch it with the datasets library)")
    data = recipe.assay.data or os.environ.get("ASSAY_BENCHDATA")
    if not data and download:
        from ..benchmarks.hub import DEFAULT_DEST
        data = DEFAULT_DEST
    if not data:
        raise BenchmarkDataMissing(
            f"benchmark {bench.name}: no data folder; pass --data DIR (the benchmark's folder, or "
            "a folder holding it) or set ASSAY_BENCHDATA (see docs/benchmarks.md)" + fetch,
            field="assay.data")
    root = _resolve_path(data, base if recipe.assay.data else None)   # env: the caller's
    if download:      # the data where it loads, else fetched into root/<benchmark>
        from ..benchmarks.hub import ensure_benchmark_data
        return ensure_benchmark_data(bench, subtasks, root, shots=shots,
                                     revision=recipe.assay.benchmark.revision)
    if not root.is_dir():
        raise BenchmarkDataMissing(f"benchmark {bench.name}: data folder {root} does not exist; "
                                   "put the benchmark's files there (see docs/benchmarks.md)"
                                   + fetch, field="assay.data")
    for name in (bench.name, bench.dataset_info.get("folder")):
        if name and (root / name).is_dir():
            return root / name
    return root


def plan_benchmark(recipe: Recipe, base: Path | None = None) -> BenchPlan:
    """Resolve the benchmark, subtasks, strategy and few-shot count, and build the items."""
    ev, bs = recipe.evaluation, recipe.assay.benchmark
    bench, alias_sub = resolve_benchmark(ev.task)
    strategy = ev.strategy or bench.strategy
    if strategy not in STRATEGIES:
        raise ConfigError(f"strategy '{strategy}' is not valid for benchmark {bench.name} "
                          f"(expected {', '.join(STRATEGIES)})", field="evaluation.strategy")
    if ev.metric not in (None, "all", "accuracy", "exact_match", *bench.metrics):
        raise ConfigError(f"metric '{ev.metric}' is not reported by {bench.name} (it reports "
                          f"{', '.join(bench.metrics)}; 'all' for every one)",
                          field="evaluation.metric")
    requested = [s.strip() for s in (ev.subtask or "").split(",") if s.strip()]
    if alias_sub and not requested:
        requested = [alias_sub]
    subtasks = bench.resolve_subtasks(requested or None)
    shots = bs.num_fewshot if bs.num_fewshot is not None else \
        (bench.default_fewshot if strategy.startswith("fs") else 0)
    cot = bs.cot if bs.cot is not None else strategy.endswith("_cot")
    root = _data_root(recipe, bench, base, subtasks, shots)
    items = bench.items(root, subtasks, num_fewshot=shots, method=bs.method, cot=cot,
                        limit=recipe.assay.limit)
    if not items:
        raise BenchmarkDataMissing(f"benchmark {bench.name}: no items under {root}",
                                   field="assay.data")
    digest = hashlib.sha256()
    for it in items:
        digest.update(json.dumps(it.to_dict(), sort_keys=True, default=str).encode())
    info = BenchInfo(path=str(root), rows=len(items), fingerprint=digest.hexdigest())
    return BenchPlan(bench, subtasks, strategy, shots, cot, root, items, info)


async def _run_model(recipe: Recipe, options: Any, base: Path | None, plan: BenchPlan, *,
                     model: str, model_args: dict, system: str | None, name: str
                     ) -> RunResult:
    from .run import execute_units

    bs = recipe.assay.benchmark
    sub_recipe = recipe.model_copy(update={"run": recipe.run.model_copy(update={"name": name})})
    run_one = functools.partial(run_bench_item, benchmark=plan.benchmark, method=bs.method,
                                system=system)
    store, manifest, unit_ids, start, model_name = await execute_units(
        sub_recipe, options, info=plan.info, samples=iter(plan.items),
        spec=ModelSpec.parse(model, model_args), run_one=run_one, ctx_kwargs={},
        fingerprint_extra={"benchmark": plan.benchmark.name, "subtasks": plan.subtasks,
                           "strategy": plan.strategy, "shots": plan.shots, "cot": plan.cot,
                           "method": bs.method, "system": system, "version": 1},
        base=base, label=name, stop=tuple(getattr(plan.benchmark, "stop", ())))
    task = recipe.evaluation.task
    date_id = manifest["date_id"]
    writer = BenchWriter(store.dir, model=model_name, date_id=date_id,
                         key_of=lambda sub: plan.key(task, sub))
    collector = BenchSummary(plan.benchmark.metrics)
    try:
        for rec, line in store.iter_unit_records(unit_ids):
            collector.add(rec)
            writer.add(rec, line)
    finally:
        writer.close()
    body = collector.finish()
    key = plan.key(task)
    per_sub = {plan.key(task, s): flat_metrics(v["metrics"])
               for s, v in body["subtasks"].items() if s}
    end = time.time()
    results_path = write_results_json(writer.eval_dir, date_id, key, flat_metrics(body["overall"]),
                                      model_name=model_name, start_time=start, end_time=end,
                                      subtasks=per_sub)
    summary = {"task": task, "task_key": key, "model": model_name,
               "benchmark": plan.benchmark.name, "strategy": plan.strategy,
               "num_fewshot": plan.shots, "cot": plan.cot, "method_requested": bs.method,
               "system_prompt": system, "data": str(plan.root), "seed": recipe.assay.seed,
               "n_examples": body["n_items"], "flat": flat_metrics(body["overall"]), **body}
    write_json(store.dir / "metrics.json", summary)
    paths = {"results": str(results_path), "details": [str(p) for p in writer.details_paths],
             "examples_jsonl": str(writer.jsonl_path),
             "examples_parquet": str(writer.parquet_path),
             "metrics": str(store.dir / "metrics.json")}
    store.write_manifest(dict(manifest, status="succeeded", finished=end, paths=paths))
    return RunResult(run_dir=store.dir, task=task, model=model_name, summary=summary,
                     paths=paths)


def _report(result: RunResult) -> None:
    """The self-contained HTML report; a failure to draw it never fails the run."""
    from ..reports.bench_html import write_benchmark_report
    try:
        path = write_benchmark_report(result.run_dir)
        result.paths["report"] = str(path)
    except (OSError, ValueError, ImportError) as exc:
        print(f"note: no HTML report ({exc})", file=sys.stderr)


async def run_benchmark(recipe: Recipe, options: Any, base: Path | None) -> RunResult:
    """Run the recipe's benchmark on ``assay.model`` and, with ``evaluate_base_model``, on
    ``assay.benchmark.base_model`` too (same items, same settings) and compare the two."""
    from ..reports.bench_console import print_benchmark, print_comparison

    a, bs = recipe.assay, recipe.assay.benchmark
    if bs.evaluate_base_model and not bs.base_model:
        raise ConfigError("evaluate_base_model is on but no base model is named; set "
                          "assay.benchmark.base_model or pass --base-model",
                          field="assay.benchmark.base_model")
    plan = plan_benchmark(recipe, base)
    result = await _run_model(recipe, options, base, plan, model=a.model,
                              model_args=a.model_args, system=bs.system_prompt,
                              name=recipe.run.name)
    if options.print_summary:
        print_benchmark(result.summary, title=f"{recipe.run.name} · {result.model}")
    if not bs.base_model:
        _report(result)
        if options.print_summary:
            print(f"outputs: {result.run_dir}")
        return result
    base_system = bs.base_system_prompt if bs.base_system_prompt is not None else bs.system_prompt
    base_result = await _run_model(recipe, options, base, plan, model=bs.base_model,
                                   model_args=bs.base_model_args, system=base_system,
                                   name=f"{recipe.run.name}/base")
    comparison = compare_records(
        base_result, result, metrics=result.summary["metric_names"], seed=a.seed,
        n_resamples=bs.bootstrap_resamples, keys={s: plan.key(recipe.evaluation.task, s)
                                                  for s in plan.subtasks})
    write_json(result.run_dir / "comparison.json", comparison)
    paths = dict(result.paths, comparison=str(result.run_dir / "comparison.json"),
                 base_run=str(base_result.run_dir))
    try:
        from ..reports.bench_figure import write_comparison_figure
        fig = write_comparison_figure(comparison, result.run_dir / "comparison.png")
        paths["comparison_figure"] = str(fig)
    except ImportError as exc:  # matplotlib missing: the numbers are still written
        print(f"note: no comparison figure ({exc})", file=sys.stderr)
    summary = dict(result.summary, comparison=comparison,
                   base_n_errors=base_result.summary["n_errors"])
    write_json(result.run_dir / "metrics.json", summary)
    _report(result)
    paths["report"] = str(result.run_dir / "report.html")
    if options.print_summary:
        print_benchmark(base_result.summary, title=f"base · {base_result.model}")
        print_comparison(comparison)
        print(f"outputs: {result.run_dir}")
    return RunResult(run_dir=result.run_dir, task=result.task, model=result.model,
                     summary=summary, paths=paths)
