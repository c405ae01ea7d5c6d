"""Validating an evaluator's recipes and starting them: the output folder
``<s3_output_path>/<display name>/`` gets one recipe file per model run (``recipe.yaml``,
``recipe-base.yaml``) and the runs themselves; each recipe runs as an assay background job
(:func:`assay.jobs.start`); the execution record goes to the store."""

from __future__ import annotations

import asyncio
import concurrent.futures
import copy
import os
import re
import secrets
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .constants import eval_type_tag, pipeline_name, TAG_EVALUATION
from .store import save_record

__all__ = ["display_name", "validate_plans", "validate_recipe", "launch"]


def display_name(base_eval_name: str | None, model: str) -> str:
    """``{base_eval_name}-{timestamp}``, else ``eval-{model}-{uuid}`` (the SDK's rule), as a
    folder name."""
    if base_eval_name:
        name = f"{base_eval_name}-{int(time.time())}"
    else:
        name = f"eval-{model}-{uuid.uuid4().hex[:8]}"
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "eval"


def _run_sync(make: Callable[[], Any]) -> Any:
    """Run the coroutine ``make()`` returns to completion, also from inside a running event
    loop (a Jupyter notebook): then in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


def validate_recipe(recipe: dict[str, Any]) -> None:
    """Validate one recipe as ``assay run`` does before calling any model: the recipe schema,
    the task's check, and the task's loading step (dataset rows, benchmark files, reward
    function, judge metrics); a ValueError naming the file or field otherwise."""
    from ..config.loader import recipe_from_dict
    from ..errors import AssayError
    from ..runner.run import RunOptions
    from ..tasks.registry import resolve_task

    async def load(task: Any) -> None:
        try:
            await task.open()
        finally:
            await task.aclose()

    try:
        parsed = recipe_from_dict(copy.deepcopy(recipe))
        task_cls = resolve_task(parsed.evaluation.task)
        task = task_cls(parsed, RunOptions(print_summary=False), None)
        task.check()
        _run_sync(lambda: load(task))
    except AssayError as exc:
        raise ValueError(str(exc)) from None


def validate_plans(plans: list[tuple[str, dict[str, Any]]]) -> None:
    for _, recipe in plans:
        validate_recipe(recipe)


def _folder(root: Path, name: str) -> tuple[Path, str]:
    root.mkdir(parents=True, exist_ok=True)
    candidate, final = root / name, name
    while True:
        try:
            candidate.mkdir()
            return candidate, final
        except FileExistsError:
            final = f"{name}-{secrets.token_hex(2)}"
            candidate = root / final


def _share_cores(plans: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    """The jobs of one execution start together. When more than one runs the embedded
    llama.cpp model (``local/``), each would take every core, and llama.cpp's threads spin at
    their barriers when a core is taken: two such jobs on 2 cores ran 10x slower than one
    after the other (the SDK example: 13 s alone, 115 s in CI). So such jobs, when the recipe
    does not set ``n_threads``, get an equal share of the cores: the same for custom and
    base, which keeps their test conditions identical."""
    local = [recipe for _role, recipe in plans
             if str((recipe.get("assay") or {}).get("model") or "").startswith("local/")]
    if len(local) < 2:
        return plans
    share = max(1, len(os.sched_getaffinity(0)) // len(local))
    for recipe in local:
        args = recipe["assay"].setdefault("model_args", {})
        if isinstance(args, dict) and args.get("n_threads") in (None, ""):
            args["n_threads"] = share
    return plans


def launch(evaluator: Any, plans: list[tuple[str, dict[str, Any]]]) -> Any:
    """Write the recipes, start the jobs, save and return the execution."""
    import yaml

    from .. import jobs
    from .execution import EvaluationPipelineExecution

    eval_type = evaluator._eval_type
    root = Path(evaluator.s3_output_path).expanduser().resolve()
    folder, name = _folder(root, evaluator._display_name())
    started: dict[str, str] = {}
    plans = _share_cores([(role, copy.deepcopy(recipe)) for role, recipe in plans])
    for role, recipe in plans:
        recipe.setdefault("assay", {})["output_dir"] = str(folder)
        path = folder / ("recipe.yaml" if role == "custom" else f"recipe-{role}.yaml")
        path.write_text(yaml.safe_dump(recipe, sort_keys=False, allow_unicode=True),
                        encoding="utf-8")
        started[role] = jobs.start(path).id
    pname = pipeline_name(eval_type)
    exec_id = uuid.uuid4().hex[:12]
    steps = evaluator._step_specs(plans)
    for s in steps:
        s["job_id"] = started[s["role"]]
    record = {
        "id": exec_id, "arn": f"arn:assay:local:pipeline/{pname}/execution/{exec_id}",
        "name": name, "display_name": name, "pipeline_name": pname,
        "eval_type": eval_type.value, "s3_output_path": evaluator.s3_output_path,
        "output_dir": str(folder), "created": time.time(), "jobs": started, "steps": steps,
        "models": {"custom": evaluator.model, "base": evaluator.base_model_name},
        "base_in_custom_run": bool(evaluator._base_inside_custom_run()),
        "tags": [TAG_EVALUATION, eval_type_tag(eval_type)],
    }
    save_record(record)
    execution = EvaluationPipelineExecution._from_record(record)
    execution.refresh()
    return execution
