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

A RAG evaluation job (``applicationType`` ``RagEvaluation``) runs as ``rag_eval``
(:data:`RAG_JOB_TASK`); ``datasetMetricConfigs``, ``evaluatorModelConfig`` and the custom
metrics translate as above (metric names checked against the job's mode, custom metrics with
the RAG template variables, ``taskType`` ignored), and ``inferenceConfig.ragConfigs[0]`` as:

===============================================================  ==============================
request (under ``inferenceConfig.ragConfigs[0]``)                recipe
===============================================================  ==============================
``precomputedRagSourceConfig.retrieveSourceConfig``              ``assay.model: byoi``,
``.ragSourceIdentifier``                                         ``assay.rag.mode: retrieve``,
                                                                 ``assay.rag.source_identifier``
``precomputedRagSourceConfig.retrieveAndGenerateSourceConfig``   the same, ``mode:
``.ragSourceIdentifier``                                         retrieve_and_generate``
``knowledgeBaseConfig.retrieveConfig.knowledgeBaseId``           ``assay.rag.knowledge_base``
                                                                 (``--set``, else the folder
                                                                 it names), ``mode: retrieve``
``...retrieveAndGenerateConfig.knowledgeBaseConfiguration``      the same, ``mode:
``.knowledgeBaseId`` / ``.modelArn``                             retrieve_and_generate``;
                                                                 ``assay.model`` (mapped)
``...vectorSearchConfiguration.numberOfResults``                 ``assay.rag.top_k``
``...vectorSearchConfiguration.overrideSearchType``              ``assay.rag.retrieval``
(``HYBRID`` / ``SEMANTIC``)                                      (``hybrid`` / ``dense``)
``...generationConfiguration.inferenceConfig``                   ``inference.max_new_tokens``,
``.textInferenceConfig``                                         ``temperature``, ``top_p``
===============================================================  ==============================

The custom metric definitions stay in the job file: ``judge.custom_metrics`` names it, and
:func:`job_custom_metrics` reads a request file's ``customMetricConfig`` wherever a definition
file is expected, so a resumed run (``assay run RUN_DIR --resume``) and the metrics
fingerprint see exactly the definitions the job holds. Every error names the job file and the
JSON path of the bad field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..data.bedrock_job import (BEDROCK_MODEL_MAP, BedrockJob, is_bedrock_job,
                                load_bedrock_job, map_bedrock_model, parse_bedrock_job)
from ..data.bedrock_job_rag import SEARCH_TYPE_TO_RETRIEVAL
from ..errors import ConfigError, DataError
from ..judges.pointwise import (RAG_VARIABLES, JudgeMetric, check_custom_metrics,
                                resolve_builtin)
from ..judges.pointwise.custom import parse_custom_metric
from ..judges.pointwise.rag import custom_rag_metric, resolve_rag_metric
from .loader import apply_overrides, recipe_from_dict
from .recipe import Recipe

__all__ = ["JobRecipe", "job_recipe", "is_job_file", "job_custom_metrics", "JOB_TASK",
           "RAG_JOB_TASK"]

#: the assay task a model-evaluation job runs as
JOB_TASK = "llm_judge_pointwise"
#: the assay task a RAG evaluation job runs as
RAG_JOB_TASK = "rag_eval"
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

    def _data(self) -> Path | None:
        if not self.recipe.assay.data:
            return None
        data = Path(self.recipe.assay.data)
        return data if data.is_absolute() else Path(self.job.source).parent / data

    def check_data(self) -> None:
        """A BYOI job's rows must carry its ``inferenceSourceIdentifier`` (a RAG job's:
        ``ragSourceIdentifier`` as ``knowledgeBaseIdentifier``; Bedrock refuses the job
        otherwise): checked before any model call, after the warnings are said; one error
        naming the file, line and field. A RAG job's rows must also have its mode's shape."""
        from ..data.bedrock import BedrockDataset, is_bedrock_file

        if self.job.rag is not None:
            self._check_rag_data()
            return
        source = self.job.models[0]
        if not source.is_byoi or self.recipe.assay.model != "byoi" or not self.recipe.assay.data:
            return
        data = self._data()
        if data is not None and data.is_file() and is_bedrock_file(data):
            BedrockDataset(data, model_identifier=source.identifier).validate()

    def _check_rag_data(self) -> None:
        from ..data.bedrock_rag import KIND_NAMES, RagDataset

        rag, data = self.recipe.assay.rag, self._data()
        if data is None or not data.is_file():
            return                       # the run reports a missing file
        info = RagDataset(data, knowledge_base_identifier=rag.source_identifier).validate()
        if rag.mode == "auto":
            return
        where = "conversationTurns[0].output"
        if self.job.is_byoi and info.kind != rag.mode:
            raise DataError(f"the rows are {KIND_NAMES[info.kind]}, but the job's "
                            f"{self.job.rag.field.rsplit('.', 2)[-2]} is "
                            f"{KIND_NAMES[rag.mode]}: every row needs an output of that shape",
                            file=data, field=where)
        if not self.job.is_byoi and info.kind is not None:
            raise DataError(f"the rows carry outputs ({KIND_NAMES[info.kind]}), but the job "
                            "retrieves from a knowledge base (knowledgeBaseConfig): drop the "
                            "outputs, or use precomputedRagSourceConfig", file=data,
                            field=where)


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


def _custom_metrics(job: BedrockJob, variables: Sequence[str] | None = None
                    ) -> tuple[JudgeMetric, ...]:
    if job.custom_metrics is None:
        return ()
    if variables is None and job.is_rag:
        variables = RAG_VARIABLES
    kw = {} if variables is None else {"variables": variables}
    out = tuple(parse_custom_metric(d, file=job.source, prefix=f"{_CUSTOM}[{i}]."
                                    "customMetricDefinition.", **kw)
                for i, d in enumerate(job.custom_metrics.definitions))
    check_custom_metrics(out, file=job.source, field=_CUSTOM)
    if job.rag is not None:          # each must show what its mode's metrics must show
        for i, m in enumerate(out):
            _with_file(job, custom_rag_metric, m, job.rag.mode,
                       field=f"{_CUSTOM}[{i}].customMetricDefinition.instructions")
    return out


def job_custom_metrics(path: str | Path, *, variables: Sequence[str] | None = None
                       ) -> tuple[JudgeMetric, ...] | None:
    """The custom metrics of a request file's ``customMetricConfig`` (``()`` when it has
    none); ``None`` when ``path`` is not a ``create_evaluation_job`` request (a definitions
    file, read as before). ``variables``: the template variables allowed (the job's kind
    decides when not given: :data:`RAG_VARIABLES` for a RAG job)."""
    p = Path(path)
    doc = _read_doc(p) if p.suffix.lower() == ".json" and p.is_file() else None
    if not is_bedrock_job(doc):
        return None
    return _custom_metrics(parse_bedrock_job(doc, source=p), variables)


def _with_file(job: BedrockJob, fn: Any, *args: Any, field: str) -> Any:
    """``fn(*args, field=field)`` with its one-line ConfigError naming the job file."""
    try:
        return fn(*args, field=field)
    except ConfigError as exc:
        if exc.file is not None:
            raise
        raise ConfigError(exc.reason, file=job.source, field=exc.field or field) from None


def _builtin_names(job: BedrockJob) -> list[str]:
    """The ``Builtin.*`` names of the first dataset config, each checked (errors name the
    JSON path; a RAG job's against its mode, as Bedrock does); custom names are scored
    through the custom definitions."""
    custom = set(job.custom_metric_names)
    out = []
    for j, name in enumerate(job.datasets[0].metric_names):
        if name in custom:
            continue
        at = f"{_AUTO}.datasetMetricConfigs[0].metricNames[{j}]"
        if job.rag is not None:
            _with_file(job, resolve_rag_metric, name, job.rag.mode, field=at)
        else:
            resolve_builtin(name, file=job.source, field=at)
        out.append(name)
    return out


def _inference(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Converse-style inference parameters of the model under test (``{"inferenceConfig":
    {"maxTokens", "temperature", "topP"}}`` or the same keys at the top)."""
    params = params or {}
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


def _tested_model(job: BedrockJob) -> str | None:
    """The Bedrock identifier of the model under test that assay maps to a local one
    (``None``: BYOI, or a retrieve-only knowledge-base job, generates nothing)."""
    if job.rag is not None:
        return job.rag.model_arn
    return None if job.models[0].is_byoi else job.models[0].identifier


def _stand_in_warning(job: BedrockJob, model: str | None, judge: str,
                      overrides: Mapping[str, Any]) -> str | None:
    """One line naming each Bedrock model that runs as the embedded stand-in, and the
    option that replaces it; ``None`` when no stand-in is used."""
    parts, options = [], []
    if "judge.model" not in overrides and judge in BEDROCK_MODEL_MAP.values():
        names = ", ".join(repr(e) for e in _evaluators(job))
        parts.append(f"evaluator model {names} is replaced by {judge}")
        options.append("--judge openai/<model>")
    tested = _tested_model(job)
    if "assay.model" not in overrides and tested and model in BEDROCK_MODEL_MAP.values():
        parts.append(f"model {tested!r} {'by' if parts else 'is replaced by'} {model}")
        options.append("-m <provider/model>")
    if not parts:
        return None
    return (f"{job.source}: Bedrock {' and '.join(parts)}, the local offline stand-in (its "
            f"scores are not the named model's); to use another, pass {' and '.join(options)}")


def _knowledge_base(job: BedrockJob, overrides: Mapping[str, Any]) -> str | None:
    """The local knowledge-base folder of a ``knowledgeBaseConfig`` job: ``None`` when
    ``--set assay.rag.knowledge_base`` gives it, else the folder ``knowledgeBaseId`` names
    (relative to the job file); else an error saying how to build one."""
    assert job.rag is not None
    if overrides.get("assay.rag.knowledge_base"):
        return None
    ident = job.rag.identifier
    folder = Path(ident)
    folder = folder if folder.is_absolute() else Path(job.source).parent / folder
    if folder.is_dir():
        return str(folder.resolve())
    raise ConfigError(f"knowledge base {ident!r} is a Bedrock knowledge base and assay runs "
                      "locally: build one with `assay kb build DOCS_DIR` and pass --set "
                      "assay.rag.knowledge_base=DIR", file=job.source, field=job.rag.field)


def _rag_section(job: BedrockJob, overrides: Mapping[str, Any]) -> dict[str, Any]:
    assert job.rag is not None
    rag = job.rag
    out: dict[str, Any] = {"mode": rag.mode}
    if rag.is_byoi:
        out["source_identifier"] = rag.identifier
        return out
    kb = _knowledge_base(job, overrides)
    if kb is not None:
        out["knowledge_base"] = kb
    if rag.number_of_results is not None:
        out["top_k"] = rag.number_of_results
    if rag.search_type is not None:
        out["retrieval"] = SEARCH_TYPE_TO_RETRIEVAL[rag.search_type]
    return out


def _model(job: BedrockJob, override: str | None) -> str | None:
    """The assay model under test (``None``: the recipe's default; a retrieve-only
    knowledge-base job generates nothing)."""
    if job.rag is None:
        return job.model_name(override)
    if override or job.rag.is_byoi:
        return override or "byoi"
    return None if job.rag.model_arn is None else map_bedrock_model(job.rag.model_arn)


def _mapping(job: BedrockJob, recipe: Recipe, overrides: Mapping[str, Any],
             metrics: list[str]) -> dict[str, Any]:
    """What the run records under ``bedrock`` in its ``run.json``."""
    ds = job.datasets[0]
    out: dict[str, Any] = {"job_name": job.job_name}
    if job.rag is not None:
        out["application_type"] = job.application_type
        rag, local = job.rag, recipe.assay.rag
        out["rag"] = {"kind": rag.kind, "mode": local.mode, "bedrock": rag.identifier,
                      "source_identifier": local.source_identifier,
                      "knowledge_base": local.knowledge_base,
                      "top_k": None if rag.is_byoi else local.top_k}
        if rag.model_arn is not None or "assay.model" in overrides:
            out["model"] = {"bedrock": rag.model_arn, "kind": "bedrock",
                            "assay": recipe.assay.model,
                            "overridden": "assay.model" in overrides}
    else:
        m = job.models[0]
        out["model"] = {"bedrock": m.identifier, "kind": m.kind, "assay": recipe.assay.model,
                        "overridden": "assay.model" in overrides}
    out["judge"] = {"bedrock": list(_evaluators(job)), "assay": recipe.judge.model,
                    "overridden": "judge.model" in overrides}
    out["dataset"] = {"name": ds.dataset_name, "uri": ds.dataset_uri,
                      "local": str(recipe.assay.data)}
    out["metrics"] = metrics
    return out


def job_recipe(path: str | Path, overrides: Mapping[str, Any] | None = None) -> JobRecipe:
    """Read the request at ``path`` and translate it (see the module docstring).

    ``overrides``: the dotted command-line overrides (``assay.data`` from ``--data``,
    ``assay.model`` from ``-m``, ``judge.model`` from ``--judge``, ``--set``, ...)."""
    p = Path(path)
    overrides = dict(overrides or {})
    job = load_bedrock_job(p)
    task = RAG_JOB_TASK if job.is_rag else JOB_TASK
    warnings = list(job.warnings)
    if len(job.datasets) > 1:
        warnings.append(f"{p}: {len(job.datasets)} datasetMetricConfigs; assay runs the first "
                        f"({job.datasets[0].dataset_name!r}) with --data")
    data = job.dataset_path(overrides.get("assay.data"))
    builtins = _builtin_names(job)
    custom = _custom_metrics(job)
    rag = _rag_section(job, overrides) if job.is_rag else None
    model = _model(job, overrides.get("assay.model"))
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
    assay: dict[str, Any] = {"data": str(data)}
    if model is not None:
        assay["model"] = model
    if rag is not None:
        assay["rag"] = rag
    doc: dict[str, Any] = {
        "run": {"name": job.job_name},
        "evaluation": {"task": task, "strategy": "judge"},
        "assay": assay,
        "judge": judge_doc,
    }
    if _tested_model(job) is not None:
        doc["inference"] = _inference(job.rag.inference_params if job.rag is not None
                                      else job.models[0].inference_params)
    recipe = recipe_from_dict(apply_overrides(doc, overrides), file=p)
    if recipe.evaluation.task != task:
        raise ConfigError(f"a Bedrock {'RAG evaluation ' if job.is_rag else ''}job file runs as {task}, not "
                          f"{recipe.evaluation.task}", field="evaluation.task")
    mapping = _mapping(job, recipe, overrides, list(builtins) + [c.name for c in custom])
    return JobRecipe(job=job, recipe=recipe, mapping=mapping, warnings=warnings)
