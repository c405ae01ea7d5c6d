"""gen_qa finalisation: aggregates with intervals per metric and segment, corpus-level scorer
values, and the outputs in the Nova layout (results, details, inference output) and the
native one (examples.jsonl/parquet, metrics.json)."""

from __future__ import annotations

import time
from typing import Any

from ...analysis.calibration import CalibrationCollector
from ...analysis.stratify import group_value
from ...config.recipe import Recipe
from ...results.native import NativeWriter, write_json
from ...results.nova import NovaWriter, task_key, write_results_json
from ...results.run_result import RunResult
from ...results.store import RunStore
from ...results.summary import SummaryCollector
from .scoring import LoadedScorer, corpus_scores, scorer_metric

__all__ = ["finalize_gen_qa"]


def finalize_gen_qa(recipe: Recipe, store: RunStore, manifest: dict, unit_ids: list[str],
                    scorer: Any, metric_names: tuple, model: str, start: float,
                    scorers: list[LoadedScorer] | None = None) -> RunResult:
    """Aggregate the records of a gen_qa run and write every output (Nova and native)."""
    key = task_key(recipe.evaluation.task, recipe.evaluation.strategy)
    date_id = manifest["date_id"]
    proc = recipe.processor
    active = proc is not None and (proc.active or proc.lambda_type == "rft"
                                   or bool(proc.preset_reward_function))
    scorers = scorers or []
    collector = SummaryCollector(scorer, metric_names, recipe.assay.group_by, seed=recipe.assay.seed,
                                 custom_aggregation=proc.aggregation if active else "average",
                                 averaged_prefixes=[s.label for s in scorers])
    calibration = CalibrationCollector(recipe.assay.calibration, recipe.assay.group_by,
                                       seed=recipe.assay.seed)
    corpus = any(s.corpus_level for s in scorers)
    preds: list[str] = []
    golds: list[str] = []
    metas: list = []
    seg_keys: dict[str, list[str]] = {f: [] for f in recipe.assay.group_by}
    native = NativeWriter(store.dir)
    nova = NovaWriter(store.dir, model=model, date_id=date_id, key=key)
    try:
        for rec, line in store.iter_unit_records(unit_ids):
            collector.add(rec)
            calibration.add(rec)
            if corpus and rec["prediction"] is not None:
                preds.append(rec["prediction"])
                golds.append(rec["gold"])
                metas.append(rec["metadata"])
                for f in seg_keys:
                    seg_keys[f].append(group_value(rec["metadata"], f))
            native.add(rec, line)
            nova.add(rec)
    finally:
        native.close()
        nova.close()
    summary = collector.finish()
    run_stats = summary.pop("run_stats")
    if scorers:
        _add_scorer_results(summary, scorers, preds, golds, metas, seg_keys)
    summary["calibration"] = calibration.finish(list(summary["metrics"]))
    end = time.time()
    flat = dict(summary["flat"])
    if active:
        flat["processor_errors"] = summary["processor_errors"]
    results_path = write_results_json(nova.eval_dir, date_id, key, flat,
                                      model_name=model, start_time=start, end_time=end)
    paths = {
        "results": str(results_path), "details": str(nova.details_path),
        "inference_output": str(nova.inference_path), "examples_parquet": str(native.parquet_path),
        "examples_jsonl": str(native.jsonl_path), "metrics": str(store.dir / "metrics.json"),
    }
    summary = {"task": recipe.evaluation.task, "task_key": key, "model": model,
               "group_by": list(recipe.assay.group_by), "seed": recipe.assay.seed, **summary}
    write_json(store.dir / "metrics.json", summary)
    manifest = dict(manifest, status="succeeded", finished=end, paths=paths, stats=run_stats)
    store.write_manifest(manifest)
    return RunResult(run_dir=store.dir, task=recipe.evaluation.task, model=model,
                     summary=summary, paths=paths)


def _add_scorer_results(summary: dict, scorers: list[LoadedScorer], preds: list[str],
                        golds: list[str], metas: list, seg_keys: dict[str, list[str]]) -> None:
    """Corpus-level scorer values join the flat aggregates, the metric table and segments."""
    import numpy as np

    flat, by_group = corpus_scores(scorers, preds, golds, metas,
                                   {f: np.asarray(v, dtype=object) for f, v in seg_keys.items()})
    summary["flat"] = dict(sorted({**summary["flat"], **flat}.items()))
    for s in scorers:
        if s.corpus_level:
            summary["metrics"][s.label] = scorer_metric(s, flat, len(preds))
    for field, segs in by_group.items():
        for seg, extra in segs.items():
            summary["groups"][field][seg]["metrics"].update(extra)
    summary["scorers"] = {s.label: {"spec": s.spec(), "corpus_level": s.corpus_level}
                          for s in scorers}


