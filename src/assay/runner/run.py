"""Evaluate a recipe end to end: the only module that imports every stage."""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import json
import os
import random
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..backends.base import ModelSpec, create_backend
from ..backends.cache import ResponseCache
from ..backends.redact import redact_config
from ..backends.retry import RetryPolicy
from ..backends.types import GenerationSettings
from ..config.loader import load_recipe, recipe_from_dict
from ..config.recipe import Recipe
from ..analysis.stratify import group_value
from ..data.gen_qa import GenQADataset
from ..errors import ConfigError, TaskNotAvailable
from ..metrics import GenQAScorer, resolve_metrics
from ..reports.console import print_summary
from ..results.native import NativeWriter, write_json
from ..results.nova import NovaWriter, make_date_id, task_key, write_results_json
from ..results.run_result import RunResult
from ..results.store import RunStore
from ..results.summary import SummaryCollector
from .local_executor import LocalExecutor
from .pipeline import ExampleContext
from .plan import default_unit_size, plan_units
from .progress import Progress
from .scoring import LoadedScorer, corpus_scores, load_scorers, scorer_metric

__all__ = ["RunOptions", "evaluate", "evaluate_async", "AVAILABLE_TASKS", "output_root"]

AVAILABLE_TASKS = {"gen_qa": ("gen_qa",), "llm_judge": ("judge",),
                   "rubric_llm_judge": ("judge",)}


@dataclass(frozen=True)
class RunOptions:
    """How to run, as opposed to what to evaluate (which is the recipe)."""

    resume: bool = False
    overwrite: bool = False
    progress: str = "auto"          # auto | plain | none
    print_summary: bool = True
    recipe_dir: Path | None = None  # relative paths in the recipe resolve against it
    retry_errors: str = "transient"  # on --resume: transient | all | none


#: The run stores a call of :func:`evaluate_async` opened: their locks are released (and an
#: unfinished run marked aborted) when it returns or raises.
_OPEN_STORES: contextvars.ContextVar[list[RunStore] | None] = contextvars.ContextVar(
    "assay_open_stores", default=None)


def _is_benchmark(task: str) -> bool:
    from ..benchmarks.registry import ALIASES, benchmark_names
    return task.lower() in benchmark_names() or task.lower() in ALIASES


def _check_task(recipe: Recipe) -> None:
    task, strategy = recipe.evaluation.task, recipe.evaluation.strategy
    if task not in AVAILABLE_TASKS:
        if _is_benchmark(task):
            if recipe.processor is not None and recipe.processor.active:
                raise ConfigError("processors apply to gen_qa only (as in Nova)",
                                  field="processor")
            return
        import difflib

        from ..benchmarks.registry import benchmark_names
        close = difflib.get_close_matches(task, [*AVAILABLE_TASKS, *benchmark_names()], n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise TaskNotAvailable(f"task {task} is not available yet{hint} (available: "
                               f"{', '.join(sorted(AVAILABLE_TASKS))}, and the benchmarks "
                               f"{', '.join(benchmark_names())})", field="evaluation.task")
    if strategy is not None and strategy not in AVAILABLE_TASKS[task]:
        raise ConfigError(f"strategy '{strategy}' is not valid for task {task} (expected "
                          f"{', '.join(AVAILABLE_TASKS[task])})", field="evaluation.strategy")
    proc = recipe.processor
    if proc is not None and task != "gen_qa" and proc.active:
        raise ConfigError("processors apply to gen_qa only (as in Nova)", field="processor")
    if proc is not None and proc.preset_reward_function:
        raise TaskNotAvailable(f"processor.preset_reward_function {proc.preset_reward_function} "
                               "is not available yet", field="processor.preset_reward_function")


#: Path keys given as keyword overrides to :func:`evaluate` resolve against the working
#: directory (as the command line's --data and --output-dir do), not the recipe's folder.
_CALLER_PATHS = ("assay.data", "assay.output_dir")


def _resolve_path(value: str, base: Path | None) -> Path:
    """One rule for every path in a recipe: a relative path resolves against the recipe's
    folder (``base``); with no recipe file (a dict, or the command line, which passes
    absolute paths) against the working directory."""
    p = Path(os.path.expanduser(value))
    if not p.is_absolute() and base is not None:
        return base / p
    return p


def output_root(recipe: Recipe, base: Path | None) -> Path:
    """The folder that holds run directories: ``assay.output_dir`` by the one path rule (the
    default ``runs`` is under the working directory)."""
    if "output_dir" not in recipe.assay.model_fields_set:
        return Path(recipe.assay.output_dir)
    return _resolve_path(recipe.assay.output_dir, base)


def _cache(recipe: Recipe, base: Path | None) -> ResponseCache | None:
    setting = recipe.assay.cache
    if setting is False:
        return None
    if setting is True:
        root = Path(os.environ.get("ASSAY_CACHE_DIR") or Path.home() / ".cache" / "assay")
        return ResponseCache(root / "responses.sqlite")
    return ResponseCache(_resolve_path(str(setting), base))


def _settings(recipe: Recipe) -> GenerationSettings:
    inf = recipe.inference
    return GenerationSettings(max_new_tokens=inf.max_new_tokens, temperature=inf.temperature,
                              top_p=inf.top_p, top_k=inf.top_k, top_logprobs=inf.top_logprobs,
                              seed=recipe.assay.seed)


def _fingerprint(recipe: Recipe, identity: dict, dataset_fp: str, metrics: Any
                 ) -> tuple[str, dict]:
    """``(digest, document)``: what makes two runs the same run. The document is kept in the
    manifest so a refused resume can name the key that differs."""
    doc = {
        "evaluation": recipe.evaluation.model_dump(), "inference": recipe.inference.model_dump(),
        "model": identity, "dataset": dataset_fp, "metrics": metrics,
        "seed": recipe.assay.seed, "limit": recipe.assay.limit,
        "processor": None if recipe.processor is None else recipe.processor.model_dump(),
        "scorers": [e.model_dump() for e in recipe.assay.scorers],
    }
    if isinstance(metrics, tuple):
        doc["metrics"] = list(metrics)
    blob = json.dumps(doc, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest(), json.loads(json.dumps(doc, default=str))


async def evaluate_async(recipe: Recipe | str | Path | dict, options: RunOptions | None = None,
                         **overrides: Any) -> RunResult:
    """Run a recipe (object, file path or dict) and return its :class:`RunResult`.

    ``overrides`` are dotted recipe keys with ``__`` for dots, e.g.
    ``assay__model="mock/oracle"``, ``inference__top_logprobs=5``.
    """
    options = options or RunOptions()
    stores: list[RunStore] = []
    token = _OPEN_STORES.set(stores)
    try:
        result = await _evaluate(recipe, options, overrides)
        n = int(result.summary.get("n_examples") or 0)
        if n and int(result.summary.get("n_errors") or 0) >= n:
            # every output is written, but nothing was scored: not a success
            manifest = RunStore(result.run_dir).read_manifest()
            manifest.update(status="failed", error=f"no example was scored (all {n} failed)")
            RunStore(result.run_dir).write_manifest(manifest)
    except BaseException as exc:
        for store in stores:
            store.close(error=f"{type(exc).__name__}: {exc}")
        raise
    finally:
        _OPEN_STORES.reset(token)
        for store in stores:
            store.close()
    return result


async def _evaluate(recipe: Recipe | str | Path | dict, options: RunOptions,
                    overrides: dict[str, Any]) -> RunResult:
    dotted = {k.replace("__", "."): v for k, v in overrides.items()}
    for key in _CALLER_PATHS:   # keyword paths are the caller's, like command-line paths
        if isinstance(dotted.get(key), (str, Path)):
            dotted[key] = str(Path(os.path.expanduser(str(dotted[key]))).resolve())
    base = options.recipe_dir
    if isinstance(recipe, (str, Path)):
        base = base or Path(recipe).parent
        recipe = load_recipe(recipe, dotted)
    elif isinstance(recipe, dict):
        from ..config.loader import apply_overrides
        recipe = recipe_from_dict(apply_overrides(recipe, dotted))
    elif dotted:
        from ..config.loader import apply_overrides
        recipe = recipe_from_dict(apply_overrides(recipe.model_dump(exclude_none=True), dotted))
    _check_task(recipe)
    if recipe.evaluation.task not in AVAILABLE_TASKS:
        from .benchmark_run import run_benchmark
        return await run_benchmark(recipe, options, base)
    if not recipe.assay.data:
        raise ConfigError("no dataset: pass --data FILE or set assay.data in the recipe",
                          field="assay.data")
    if recipe.evaluation.task in ("llm_judge", "rubric_llm_judge"):
        from .judge_run import run_llm_judge
        return await run_llm_judge(recipe, options, base)
    return await _run_gen_qa(recipe, options, base)


async def execute_units(recipe: Recipe, options: RunOptions, *, info: Any, samples: Any,
                        spec: ModelSpec, run_one: Any, ctx_kwargs: dict,
                        fingerprint_extra: Any, base: Path | None,
                        label: str, stop: tuple[str, ...] = ()
                        ) -> tuple[RunStore, dict, list[str], float, str]:
    """Shared by every task: backend, cache, run store, units, concurrency, progress.

    Returns ``(store, manifest, unit ids in dataset order, start time, backend name)``."""
    a = recipe.assay
    backend = create_backend(spec)
    preflight = getattr(backend, "preflight", None)
    cache = None
    try:
        if preflight is not None:
            await preflight()
        identity = backend.identity()
        cache = _cache(recipe, base)
        fingerprint, fp_doc = _fingerprint(recipe, identity, info.fingerprint,
                                           fingerprint_extra)
        store = RunStore(output_root(recipe, base) / recipe.run.name)
        opened = _OPEN_STORES.get()
        manifest = store.prepare(redact_config({   # no credential reaches run.json
            "fingerprint": fingerprint, "fingerprint_doc": fp_doc,
            "task": recipe.evaluation.task, "model": backend.name,
            "dataset": info.path, "rows": info.rows, "date_id": make_date_id(),
            "created": time.time(), "status": "running",
            "recipe": recipe.model_dump(mode="json"),
            "recipe_dir": None if base is None else str(Path(base).resolve()),
            "cwd": os.getcwd(),
        }), resume=options.resume, overwrite=options.overwrite)
        if opened is not None:
            opened.append(store)
        concurrency = a.concurrency or backend.max_concurrency
        unit_size = a.unit_size or default_unit_size(info.rows, backend.cacheable)
        units = plan_units(info.rows, unit_size, fingerprint)
        finished, redo = store.scan_units(units, options.retry_errors)
        store.keep_in_memory(info.rows)
        retried = sum(store.should_retry(r, options.retry_errors)
                      for records in redo.values() for r in records)
        if retried:
            print(f"resume: asking {retried} failed example(s) again "
                  f"(--retry-errors {options.retry_errors})", file=sys.stderr)
        already = sum(u.size for u in units if u.id in finished) - retried
        start = time.time()
        settings = _settings(recipe)
        if stop:
            settings = replace(settings, stop=tuple(stop))
        ctx = ExampleContext(backend=backend, settings=settings,
                             semaphore=asyncio.Semaphore(concurrency),
                             retry=RetryPolicy(seed=a.seed), cache=cache, identity=identity,
                             rng=random.Random(a.seed), **ctx_kwargs)
        with Progress(info.rows, description=f"{label} [{backend.name}]",
                      mode=options.progress, initial=already) as progress:
            executor = LocalExecutor(store, ctx, progress, concurrency=concurrency,
                                     max_failure_share=a.max_failure_share, run_one=run_one,
                                     retry=options.retry_errors)
            await executor.run(samples, units, finished, redo)
    finally:
        await backend.aclose()
        if cache is not None:
            cache.close()
    return store, manifest, [u.id for u in units], start, backend.name


async def _run_gen_qa(recipe: Recipe, options: RunOptions, base: Path | None) -> RunResult:
    a = recipe.assay
    if recipe.inference.reasoning_effort is not None:
        print(f"warning: inference.reasoning_effort={recipe.inference.reasoning_effort} is a Nova "
              f"2 Lite setting; {a.model} ignores it", file=sys.stderr)
    metric_names = resolve_metrics(a.metrics)
    scorer = GenQAScorer(metric_names)
    scorers = load_scorers(a.scorers, metric_names) if a.scorers else []
    dataset = GenQADataset(_resolve_path(a.data, base), limit=a.limit)
    info = dataset.validate()
    processor = None
    proc = recipe.processor
    if proc is not None and proc.active:
        from ..processors.loader import load_processor
        processor = load_processor(proc, base_dir=base, retry=RetryPolicy(seed=a.seed))
    elif proc is not None and (proc.preprocessing.enabled or proc.postprocessing.enabled):
        print("note: the recipe's processor block names no lambda_arn, path or url; "
              "it is inactive", file=sys.stderr)
    try:
        store, manifest, unit_ids, start, model = await execute_units(
            recipe, options, info=info, samples=dataset.iter_samples(),
            spec=ModelSpec.parse(a.model, a.model_args), run_one=None,
            ctx_kwargs=dict(scorer=scorer, processor=processor,
                            preprocess=bool(processor and proc.preprocessing.enabled),
                            postprocess=bool(processor and proc.postprocessing.enabled),
                            scorers=tuple(scorers)),
            fingerprint_extra=metric_names, base=base, label=recipe.run.name)
    finally:
        if processor is not None:
            await processor.aclose()
    result = _finalize(recipe, store, manifest, unit_ids, scorer, metric_names, model, start,
                       scorers)
    if options.print_summary:
        print_summary(result.summary, title=f"{recipe.run.name} · {model}")
        print(f"outputs: {result.run_dir}", file=sys.stdout)
    return result


def _finalize(recipe: Recipe, store: RunStore, manifest: dict, unit_ids: list[str], scorer: Any,
              metric_names: tuple, model: str, start: float,
              scorers: list[LoadedScorer] | None = None) -> RunResult:
    key = task_key(recipe.evaluation.task, recipe.evaluation.strategy)
    date_id = manifest["date_id"]
    proc = recipe.processor
    active = proc is not None and proc.active
    scorers = scorers or []
    collector = SummaryCollector(scorer, metric_names, recipe.assay.group_by, seed=recipe.assay.seed,
                                 custom_aggregation=proc.aggregation if active else "average",
                                 averaged_prefixes=[s.label for s in scorers])
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


def evaluate(recipe: Recipe | str | Path | dict, options: RunOptions | None = None,
             **overrides: Any) -> RunResult:
    """Synchronous wrapper of :func:`evaluate_async`."""
    return asyncio.run(evaluate_async(recipe, options, **overrides))
