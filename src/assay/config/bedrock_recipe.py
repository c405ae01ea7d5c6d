"""A Bedrock ``create_evaluation_job`` request used as a recipe: ``assay run job.json``.

:func:`job_recipe` reads the request (:mod:`assay.data.bedrock_job`) and translates it into
an ``llm_judge_pointwise`` recipe, command-line overrides applied last:

==========================================================  ===================================
request                                                     recipe
==========================================================  ===================================
``jobName``                                                 ``run.name`` (``--name``)
``datasetMetricConfigs[0].metricNames`` (``Builtin.*``)     ``judge.metrics``
``customMetricConfig.customMetrics``                        ``judge.custom_metrics``: the job
                                                            file itself (see below)
``inferenceConfig.models[0]``                               ``assay.model`` (``-m``): ``byoi``
                                                            for a precomputed source, else
                                                            the mapped model
``evaluatorModelConfig.bedrockEvaluatorModels[0]``          ``judge.model`` (``--judge``)
``datasetMetricConfigs[0].dataset.datasetLocation.s3Uri``   ``assay.data`` (``--data``; an
                                                            ``s3://`` URI needs it)
``bedrockModel.inferenceParams`` (``maxTokens``,            ``inference.max_new_tokens``,
``temperature``, ``topP``)                                  ``temperature``, ``top_p``
==========================================================  ===================================

The custom metric definitions stay in the job file: ``judge.custom_metrics`` names it, and
:func:`job_custom_metrics` reads a request file's ``customMetricConfig`` wherever a definition
file is expected, so a resumed run (``assay run RUN_DIR --resume``) and the metrics
fingerprint see exactly the definitions the job holds. Every error names the job file and the
JSON path of the bad field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..data.bedrock_job import (BEDROCK_MODEL_MAP, BedrockJob, is_bedrock_job,
                                load_bedrock_job, parse_bedrock_job)
from ..errors import ConfigError
from ..judges.pointwise import JudgeMetric, check_custom_metrics, resolve_builtin
from ..judges.pointwise.custom import parse_custom_metric
from .loader import apply_overrides, recipe_from_dict
from .recipe import Recipe

__all__ = ["JobRecipe", "job_recipe", "is_job_file", "job_custom_metrics", "JOB_TASK"]

#: the assay task a model-evaluation job runs as
JOB_TASK = "llm_judge_pointwise"
_AUTO = "evaluationConfig.automated"
_CUSTOM = f"{_AUTO}.customMetricConfig.customMetrics"
_MAX_PROBE_BYTES = 4 * 1024 * 1024


@dataclass
class JobRecipe:
    """A job translated: the validated ``recipe``, the parsed ``job``, the ``mapping`` used
    (recorded with the run under ``bedrock``) and the ``warnings`` to print once each."""

    job: BedrockJob
    recipe: Recipe
    mapping: dict[str, Any]
    warnings: list[str] = field(default_factory=list)

    def check_data(self) -> None:
        """A BYOI job's rows must carry its ``inferenceSourceIdentifier`` (Bedrock refuses
        the job otherwise): checked before any model call, after the warnings are said; one
        error naming the file, line and field."""
        from ..data.bedrock import BedrockDataset, is_bedrock_file

        source = self.job.models[0]
        if not source.is_byoi or self.recipe.assay.model != "byoi" or not self.recipe.assay.data:
            return
        data = Path(self.recipe.assay.data)
        data = data if data.is_absolute() else Path(self.job.source).parent / data
        if data.is_file() and is_bedrock_file(data):
            BedrockDataset(data, model_identifier=source.identifier).validate()


def _read_doc(path: Path) -> Any:
    """The parsed JSON of ``path``, or ``None`` when it cannot be read as JSON."""
    try:
        if path.stat().st_size > _MAX_PROBE_BYTES:
            return None
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError, RecursionError):
        return None


def is_job_file(path: str | Path) -> bool:
    """Whether ``path`` is a ``.json`` file holding a ``create_evaluation_job`` request. A
    ``.json`` file that is not valid JSON but names ``evaluationConfig`` counts too, so its
    syntax error is reported as a job file's; any other file is a recipe."""
    p = Path(path)
    if p.suffix.lower() != ".json" or not p.is_file():
        return False
    doc = _read_doc(p)
    if doc is not None:
        return is_bedrock_job(doc)
    try:
        head = p.read_bytes()[:_MAX_PROBE_BYTES]
    except OSError:
        return False
    return b'"evaluationConfig"' in head


def _custom_metrics(job: BedrockJob) -> tuple[JudgeMetric, ...]:
    if job.custom_metrics is None:
        return ()
    out = tuple(parse_custom_metric(d, file=job.source, prefix=f"{_CUSTOM}[{i}]."
                                    "customMetricDefinition.")
                for i, d in enumerate(job.custom_metrics.definitions))
    check_custom_metrics(out, file=job.source, field=_CUSTOM)
    return out


def job_custom_metrics(path: str | Path) -> tuple[JudgeMetric, ...] | None:
    """The custom metrics of a request file's ``customMetricConfig`` (``()`` when it has
    none); ``None`` when ``path`` is not a ``create_evaluation_job`` request (a definitions
    file, read as before)."""
    p = Path(path)
    doc = _read_doc(p) if p.suffix.lower() == ".json" and p.is_file() else None
    if not is_bedrock_job(doc):
        return None
    return _custom_metrics(parse_bedrock_job(doc, source=p))


def _builtin_names(job: BedrockJob) -> list[str]:
    """The ``Builtin.*`` names of the first dataset config, each checked (errors name the
    JSON path); custom names are scored through the custom definitions."""
    custom = set(job.custom_metric_names)
    out = []
    for j, name in enumerate(job.datasets[0].metric_names):
        if name in custom:
            continue
        resolve_builtin(name, file=job.source,
                        field=f"{_AUTO}.datasetMetricConfigs[0].metricNames[{j}]")
        out.append(name)
    return out


def _inference(job: BedrockJob) -> dict[str, Any]:
    """Converse-style ``inferenceParams`` of the model under test (``{"inferenceConfig":
    {"maxTokens", "temperature", "topP"}}`` or the same keys at the top)."""
    params = job.models[0].inference_params or {}
    inner = params.get("inferenceConfig")
    params = inner if isinstance(inner, dict) else params
    out: dict[str, Any] = {}
    for src, dst in (("maxTokens", "max_new_tokens"), ("temperature", "temperature"),
                     ("topP", "top_p")):
        if isinstance(params.get(src), (int, float)) and not isinstance(params[src], bool):
            out[dst] = params[src]
    return out


def _evaluators(job: BedrockJob) -> tuple[str, ...]:
    ids = list(job.evaluator_models)
    if job.custom_metrics is not None:
        ids += [m for m in job.custom_metrics.evaluator_models if m not in ids]
    return tuple(ids)


def _judge(job: BedrockJob, override: str | None) -> str:
    if override or job.evaluator_models:
        return job.judge_name(override)
    return job.judge_name(None, custom=True)   # only custom metrics: their evaluator


def _stand_in_warning(job: BedrockJob, model: str, judge: str,
                      overrides: Mapping[str, Any]) -> str | None:
    """One line naming each Bedrock model that runs as the embedded stand-in, and the
    option that replaces it; ``None`` when no stand-in is used."""
    parts, options = [], []
    if "judge.model" not in overrides and judge in BEDROCK_MODEL_MAP.values():
        names = ", ".join(repr(e) for e in _evaluators(job))
        parts.append(f"evaluator model {names} is replaced by {judge}")
        options.append("--judge openai/<model>")
    m = job.models[0]
    if "assay.model" not in overrides and not m.is_byoi and model in BEDROCK_MODEL_MAP.values():
        parts.append(f"model {m.identifier!r} {'by' if parts else 'is replaced by'} {model}")
        options.append("-m <provider/model>")
    if not parts:
        return None
    return (f"{job.source}: Bedrock {' and '.join(parts)}, the local offline stand-in (its "
            f"scores are not the named model's); to use another, pass {' and '.join(options)}")


def job_recipe(path: str | Path, overrides: Mapping[str, Any] | None = None) -> JobRecipe:
    """Read the request at ``path`` and translate it (see the module docstring).

    ``overrides``: the dotted command-line overrides (``assay.data`` from ``--data``,
    ``assay.model`` from ``-m``, ``judge.model`` from ``--judge``, ``--set``, ...)."""
    p = Path(path)
    overrides = dict(overrides or {})
    job = load_bedrock_job(p)
    warnings = list(job.warnings)
    if len(job.datasets) > 1:
        warnings.append(f"{p}: {len(job.datasets)} datasetMetricConfigs; assay runs the first "
                        f"({job.datasets[0].dataset_name!r}) with --data")
    data = job.dataset_path(overrides.get("assay.data"))
    builtins = _builtin_names(job)
    custom = _custom_metrics(job)
    model = job.model_name(overrides.get("assay.model"))
    judge = _judge(job, overrides.get("judge.model"))
    if len(set(_evaluators(job))) > 1 and "judge.model" not in overrides:
        warnings.append(f"{p}: the job names {len(set(_evaluators(job)))} evaluator models; "
                        f"assay judges every metric with one ({judge})")
    stand_in = _stand_in_warning(job, model, judge, overrides)
    if stand_in:
        warnings.append(stand_in)
    judge_doc: dict[str, Any] = {"model": judge, "metrics": builtins}
    if custom:
        judge_doc["custom_metrics"] = [str(p.resolve())]
    doc: dict[str, Any] = {
        "run": {"name": job.job_name},
        "evaluation": {"task": JOB_TASK, "strategy": "judge"},
        "assay": {"model": model, "data": str(data)},
        "judge": judge_doc,
    }
    if not job.models[0].is_byoi:
        doc["inference"] = _inference(job)
    recipe = recipe_from_dict(apply_overrides(doc, overrides), file=p)
    if recipe.evaluation.task != JOB_TASK:
        raise ConfigError(f"a Bedrock job file runs as {JOB_TASK}, not "
                          f"{recipe.evaluation.task}", field="evaluation.task")
    m = job.models[0]
    mapping = {
        "job_name": job.job_name,
        "model": {"bedrock": m.identifier, "kind": m.kind, "assay": recipe.assay.model,
                  "overridden": "assay.model" in overrides},
        "judge": {"bedrock": list(_evaluators(job)), "assay": recipe.judge.model,
                  "overridden": "judge.model" in overrides},
        "dataset": {"name": job.datasets[0].dataset_name, "uri": job.datasets[0].dataset_uri,
                    "local": str(recipe.assay.data)},
        "metrics": list(builtins) + [c.name for c in custom],
    }
    return JobRecipe(job=job, recipe=recipe, mapping=mapping, warnings=warnings)
