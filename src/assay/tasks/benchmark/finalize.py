"""A benchmark run's outputs: Nova results per subtask and overall, lighteval details per
subtask, native records and metrics.json (with the choice-probability ``calibration`` block of
:mod:`assay.tasks.benchmark.calibration`)."""

from __future__ import annotations

import time
from typing import Any

from ...config.recipe import Recipe
from ...results.native import write_json
from ...results.nova import write_results_json
from ...results.run_result import RunResult
from ..base import Executed
from .calibration import CalibrationCollector
from .plan import BenchPlan
from .summary import BenchSummary, flat_metrics
from .writers import BenchWriter

__all__ = ["finalize_benchmark"]


def finalize_benchmark(recipe: Recipe, plan: BenchPlan, executed: Executed,
                       system: str | None) -> RunResult:
    """Aggregate one model's records of a benchmark run and write its outputs."""
    store, manifest, model_name = executed.store, executed.manifest, executed.model
    bs = recipe.assay.benchmark
    task = recipe.evaluation.task
    date_id = manifest["date_id"]
    writer = BenchWriter(store.dir, model=model_name, date_id=date_id,
                         key_of=lambda sub: plan.key(task, sub))
    collector = BenchSummary(plan.benchmark.metrics,
                             weights=getattr(plan.benchmark, "metric_weights", None))
    calibration = CalibrationCollector()
    try:
        for rec, line in store.iter_unit_records(executed.unit_ids):
            collector.add(rec)
            calibration.add(rec)
            writer.add(rec, line)
    finally:
        writer.close()
    body = collector.finish()
    key = plan.key(task)
    per_sub = {plan.key(task, s): flat_metrics(v["metrics"])
               for s, v in body["subtasks"].items() if s}
    end = time.time()
    results_path = write_results_json(writer.eval_dir, date_id, key, flat_metrics(body["overall"]),
                                      model_name=model_name, start_time=executed.start,
                                      end_time=end, subtasks=per_sub)
    summary: dict[str, Any] = {
        "task": task, "task_key": key, "model": model_name, "benchmark": plan.benchmark.name,
        "strategy": plan.strategy, "num_fewshot": plan.shots, "cot": plan.cot,
        "method_requested": bs.method, "system_prompt": system, "data": str(plan.root),
        "seed": recipe.assay.seed, "n_examples": body["n_items"],
        "flat": flat_metrics(body["overall"]), **body,
        "calibration": calibration.finish(seed=recipe.assay.seed,
                                          n_boot=bs.bootstrap_resamples)}
    write_json(store.dir / "metrics.json", summary)
    paths = {"results": str(results_path), "details": [str(p) for p in writer.details_paths],
             "examples_jsonl": str(writer.jsonl_path),
             "examples_parquet": str(writer.parquet_path),
             "metrics": str(store.dir / "metrics.json")}
    store.write_manifest(dict(manifest, status="succeeded", finished=end, paths=paths))
    return RunResult(run_dir=store.dir, task=task, model=model_name, summary=summary,
                     paths=paths)
