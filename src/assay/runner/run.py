"""Evaluate a recipe end to end, whatever its task: resolve the task through the registry,
execute each run it asks for (backend, cache, run store, work units, executor, progress),
and finalise through the task's own hooks. This module names no task."""

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

from ..backends.base import create_backend
from ..backends.cache import ResponseCache
from ..backends.images import require_image_support
from ..backends.redact import redact_config
from ..backends.retry import RetryPolicy
from ..backends.types import GenerationSettings
from ..config.loader import load_recipe, recipe_from_dict
from ..config.paths import resolve_path
from ..config.recipe import Recipe
from ..results.nova import make_date_id
from ..results.run_result import RunResult
from ..results.store import RunStore
from ..tasks.base import Executed, RunSpec, Task
from ..tasks.registry import resolve_task
from .context import ExampleContext
from .events import events_of, step
from .executor import ExecutionJob, Executor
from .local_executor import LocalExecutor
from .plan import default_unit_size, plan_units
from .progress import Progress

__all__ = ["RunOptions", "evaluate", "evaluate_async", "execute", "output_root"]


@dataclass(frozen=True)
class RunOptions:
    """How to run, as opposed to what to evaluate (which is the recipe)."""

    resume: bool = False
    overwrite: bool = False
    progress: str = "auto"          # auto | plain | none
    print_summary: bool = True
    recipe_dir: Path | None = None  # relative paths in the recipe resolve against it
    retry_errors: str = "transient"  # on --resume: transient | all | none
    events: Any = None              # a runner.events.RunEvents observer (None: no-op)


#: The run stores a call of :func:`evaluate_async` opened: their locks are released (and an
#: unfinished run marked aborted) when it returns or raises.
_OPEN_STORES: contextvars.ContextVar[list[RunStore] | None] = contextvars.ContextVar(
    "assay_open_stores", default=None)


#: Path keys given as keyword overrides to :func:`evaluate` resolve against the working
#: directory (as the command line's --data and --output-dir do), not the recipe's folder.
_CALLER_PATHS = ("assay.data", "assay.output_dir")


def output_root(recipe: Recipe, base: Path | None) -> Path:
    """The folder that holds run directories: ``assay.output_dir`` by the one path rule (the
    default ``runs`` is under the working directory)."""
    if "output_dir" not in recipe.assay.model_fields_set:
        return Path(recipe.assay.output_dir)
    return resolve_path(recipe.assay.output_dir, base)


def _cache(recipe: Recipe, base: Path | None) -> ResponseCache | None:
    setting = recipe.assay.cache
    if setting is False:
        return None
    if setting is True:
        root = Path(os.environ.get("ASSAY_CACHE_DIR") or Path.home() / ".cache" / "assay")
        return ResponseCache(root / "responses.sqlite")
    return ResponseCache(resolve_path(str(setting), base))


def _settings(recipe: Recipe, base: Path | None = None) -> GenerationSettings:
    inf = recipe.inference
    return GenerationSettings(max_new_tokens=inf.max_new_tokens, temperature=inf.temperature,
                              top_p=inf.top_p, top_k=inf.top_k, top_logprobs=inf.top_logprobs,
                              seed=recipe.assay.seed,
                              response_format=_response_format(recipe, base))


def _response_format(recipe: Recipe, base: Path | None) -> dict | None:
    """``assay.response_schema`` (inline, or a JSON file by the one path rule) or
    ``assay.response_choices`` as a ``GenerationSettings.response_format``."""
    from ..backends.structured import check_schema, choice_format, json_schema_format
    from ..errors import ConfigError

    a = recipe.assay
    if a.response_choices is not None:
        return choice_format(a.response_choices)
    schema = a.response_schema
    if schema is None:
        return None
    if isinstance(schema, str):
        path = resolve_path(schema, base)
        try:
            schema = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read the response schema {path}: "
                              f"{exc.strerror or exc}", field="assay.response_schema") from None
        except ValueError as exc:
            raise ConfigError(f"the response schema {path} is not JSON: {exc}",
                              field="assay.response_schema") from None
        try:
            check_schema(schema)
        except ValueError as exc:
            raise ConfigError(f"{path}: {exc}", field="assay.response_schema") from None
    return json_schema_format(schema)


def _fingerprint(recipe: Recipe, identity: dict, dataset_fp: str, metrics: Any,
                 response_format: dict | None = None) -> tuple[str, dict]:
    """``(digest, document)``: what makes two runs the same run. The document is kept in the
    manifest so a refused resume can name the key that differs."""
    doc = {
        "evaluation": recipe.evaluation.model_dump(), "inference": recipe.inference.model_dump(),
        "model": identity, "dataset": dataset_fp, "metrics": metrics,
        "seed": recipe.assay.seed, "limit": recipe.assay.limit,
        "processor": None if recipe.processor is None else recipe.processor.model_dump(),
        "scorers": [e.model_dump() for e in recipe.assay.scorers],
    }
    if response_format is not None:   # only when set: runs without one keep their fingerprint
        doc["response_format"] = response_format
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
    tracked: list[tuple[Recipe, Any]] = []   # (recipe, MLflow target) when one is set
    try:
        result = await _evaluate(recipe, options, overrides, tracked)
        n = int(result.summary.get("n_examples") or 0)
        if n and int(result.summary.get("n_errors") or 0) >= n:
            # every output is written, but nothing was scored: not a success
            manifest = RunStore(result.run_dir).read_manifest()
            manifest.update(status="failed", error=f"no example was scored (all {n} failed)")
            RunStore(result.run_dir).write_manifest(manifest)
    except BaseException as exc:
        from ..errors import RunStopped
        for store in stores:
            store.close(error=f"{type(exc).__name__}: {exc}",
                        status="stopped" if isinstance(exc, RunStopped) else "aborted")
        if tracked and isinstance(exc, Exception):   # not on Ctrl-C
            from ..tracking import log_unfinished
            log_unfinished([s.dir for s in stores], tracked[0][0], tracked[0][1], exc)
        raise
    finally:
        _OPEN_STORES.reset(token)
        for store in stores:
            store.close()
    if tracked:   # after the run is closed: a tracking failure never costs the run
        from ..tracking import log_run
        log_run(result, tracked[0][0], tracked[0][1], announce=options.print_summary)
    return result


async def _evaluate(recipe: Recipe | str | Path | dict, options: RunOptions,
                    overrides: dict[str, Any], tracked: list) -> RunResult:
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
    task_cls = resolve_task(recipe.evaluation.task)
    from ..tracking.target import tracking_target   # MLflow itself only when a URI is set
    target = tracking_target(recipe)   # a missing MLflow install fails here, before any work
    if target is not None:
        tracked.append((recipe, target))
    events = events_of(options)
    # the model step is "judging" when the model the task calls is a judge
    model_step = "inference" if task_cls.model_key == "assay.model" else "judging"
    task = task_cls(recipe, options, base)
    with step(events, "loading"):
        task.check()
        await task.open()
    try:
        results = []
        for i, spec in enumerate(task.runs()):
            suffix = "" if i == 0 else f" ({spec.label})"
            with step(events, model_step + suffix):
                executed = await execute(recipe, options, spec, base)
            with step(events, "writing" + suffix):
                results.append(task.finalize(executed))
        if len(results) > 1:
            with step(events, "combining"):
                result = task.combine(results)
        else:
            result = task.combine(results)
    finally:
        await task.aclose()
    with step(events, "report"):
        _write_report(task_cls, result)
    if options.print_summary:
        task.print_summary(result)
        print(f"outputs: {result.run_dir}")
    return result


def _write_report(task_cls: type[Task], result: RunResult) -> None:
    """The run's HTML report, at the end of every run; a failure to draw it never fails the
    run (the numbers are written already)."""
    try:
        paths = task_cls.write_report(result.run_dir)
    except (OSError, ValueError, ImportError) as exc:
        print(f"note: no HTML report ({type(exc).__name__}: {exc})", file=sys.stderr)
        return
    if paths:
        result.paths["report"] = str(paths[0])


async def execute(recipe: Recipe, options: RunOptions, spec: RunSpec, base: Path | None,
                  executor: Executor | None = None) -> Executed:
    """Execute one run of a task: backend, cache, run store, units, concurrency, progress."""
    a = recipe.assay
    settings = _settings(recipe, base)   # before the model loads: a bad schema file fails fast
    if spec.stop:
        settings = replace(settings, stop=tuple(spec.stop))
    backend = create_backend(spec.model)
    preflight = getattr(backend, "preflight", None)
    cache = None
    try:
        require_image_support(backend, spec.info.path, spec.image_rows)   # before any call
        if preflight is not None:
            await preflight()
        identity = backend.identity()
        cache = _cache(recipe, base)
        fingerprint, fp_doc = _fingerprint(recipe, identity, spec.info.fingerprint,
                                           spec.fingerprint, settings.response_format)
        store = RunStore(output_root(recipe, base) / spec.name)
        opened = _OPEN_STORES.get()
        manifest = store.prepare(redact_config({   # no credential reaches run.json
            "fingerprint": fingerprint, "fingerprint_doc": fp_doc,
            "task": recipe.evaluation.task, "model": backend.name,
            "dataset": spec.info.path, "rows": spec.info.rows, "date_id": make_date_id(),
            "created": time.time(), "status": "running",
            "recipe": recipe.model_dump(mode="json"),
            "recipe_dir": None if base is None else str(Path(base).resolve()),
            "cwd": os.getcwd(),
        }), resume=options.resume, overwrite=options.overwrite)
        if opened is not None:
            opened.append(store)
        events_of(options).run_dir(store.dir)
        rows = spec.info.rows
        concurrency = a.concurrency or backend.max_concurrency
        unit_size = a.unit_size or default_unit_size(rows, backend.cacheable)
        units = plan_units(rows, unit_size, fingerprint)
        finished, redo = store.scan_units(units, options.retry_errors)
        store.keep_in_memory(rows)
        retried = sum(store.should_retry(r, options.retry_errors)
                      for records in redo.values() for r in records)
        if retried:
            print(f"resume: asking {retried} failed example(s) again "
                  f"(--retry-errors {options.retry_errors})", file=sys.stderr)
        already = sum(u.size for u in units if u.id in finished) - retried
        start = time.time()
        ctx = ExampleContext(backend=backend, settings=settings,
                             semaphore=asyncio.Semaphore(concurrency),
                             retry=RetryPolicy(seed=a.seed), cache=cache, identity=identity,
                             rng=random.Random(a.seed), task=spec.state)
        with Progress(rows, description=f"{spec.label} [{backend.name}]",
                      mode=options.progress, initial=already,
                      events=events_of(options)) as progress:
            job = ExecutionJob(recipe=recipe, spec=spec, base=base, store=store, ctx=ctx,
                               progress=progress, samples=spec.samples, units=units,
                               finished=finished, redo=redo, concurrency=concurrency,
                               max_failure_share=a.max_failure_share,
                               retry=options.retry_errors)
            await (executor or _default_executor(recipe)).run(job)
    finally:
        await backend.aclose()
        if cache is not None:
            cache.close()
    return Executed(spec=spec, store=store, manifest=manifest, unit_ids=[u.id for u in units],
                    start=start, model=backend.name)


def _default_executor(recipe: Recipe) -> Executor:
    """Ray replicas when ``run.replicas`` > 1 or a Ray address is given (``assay.ray_address``
    or RAY_ADDRESS), else this process. Ray is imported only then."""
    address = recipe.assay.ray_address or os.environ.get("RAY_ADDRESS") or None
    if recipe.run.replicas > 1 or address:
        from .ray_executor import RayExecutor

        return RayExecutor(recipe.run.replicas, address)
    return LocalExecutor()


def evaluate(recipe: Recipe | str | Path | dict, options: RunOptions | None = None,
             **overrides: Any) -> RunResult:
    """Synchronous wrapper of :func:`evaluate_async`."""
    return asyncio.run(evaluate_async(recipe, options, **overrides))
