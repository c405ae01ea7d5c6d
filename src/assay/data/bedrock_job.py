"""A Bedrock ``create_evaluation_job`` request (formats.md §2.1), read as a local run's recipe.

:func:`load_bedrock_job` parses the request JSON into a frozen :class:`BedrockJob`; every
mistake is one :class:`~assay.errors.ConfigError` line naming the file and the JSON path
(``evaluationConfig.automated.datasetMetricConfigs[0].metricNames``). Automated jobs are
read: model evaluation (``applicationType`` ``ModelEvaluation``, ``inferenceConfig.models``)
and RAG evaluation (``RagEvaluation``, ``inferenceConfig.ragConfigs``, parsed by
:mod:`.bedrock_job_rag` into :attr:`BedrockJob.rag`); ``roleArn``, ``outputDataConfig`` and
the job tags are kept and ignored.

Running locally needs three substitutions, each a function here:

* :func:`map_bedrock_model` turns a Bedrock model identifier into an assay model name through
  :data:`BEDROCK_MODEL_MAP` (a precomputed inference source is ``byoi``); an unknown identifier
  is an error that says to pass ``-m/--model`` or ``--judge``;
* :func:`resolve_dataset_path`: an ``s3://`` dataset URI must be replaced by ``--data <path>``;
* :func:`bedrock_job_status`: assay's run status in Bedrock's words (:data:`JOB_STATUSES`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .bedrock_job_rag import RagSource, parse_rag_configs
from .textcheck import find_bad_value, join_path, preview

__all__ = [
    "BedrockJob", "DatasetMetricConfig", "CustomMetricConfig", "InferenceModel",
    "load_bedrock_job", "parse_bedrock_job", "is_bedrock_job",
    "BEDROCK_MODEL_MAP", "BYOI_MODEL", "map_bedrock_model", "resolve_dataset_path",
    "JOB_IN_PROGRESS", "JOB_COMPLETED", "JOB_FAILED", "JOB_STOPPED", "JOB_STATUSES",
    "RUN_STATUS_TO_JOB_STATUS", "bedrock_job_status", "MAX_CUSTOM_METRICS",
    "MODEL_EVALUATION", "RAG_EVALUATION", "RagSource",
]

MODEL_EVALUATION = "ModelEvaluation"
RAG_EVALUATION = "RagEvaluation"

JOB_IN_PROGRESS = "InProgress"
JOB_COMPLETED = "Completed"
JOB_FAILED = "Failed"
JOB_STOPPED = "Stopped"
JOB_STATUSES = (JOB_IN_PROGRESS, JOB_COMPLETED, JOB_FAILED, JOB_STOPPED)
#: run.json ``status`` (and the ``finished`` that ``assay runs`` shows) -> Bedrock's word
RUN_STATUS_TO_JOB_STATUS: Mapping[str, str] = {
    "running": JOB_IN_PROGRESS, "succeeded": JOB_COMPLETED, "finished": JOB_COMPLETED,
    "failed": JOB_FAILED, "aborted": JOB_FAILED, "stopped": JOB_STOPPED,
}

#: a precomputed inference source (bring your own inference) runs on this assay model
BYOI_MODEL = "byoi"
_STAND_IN = "local/smollm2"
#: Bedrock model identifier (without region prefix or ARN) -> assay model name. Bedrock's own
#: models cannot run offline, so the common evaluator and inference models map to the embedded
#: model as a stand-in that keeps a job file runnable; pass ``--judge`` / ``-m`` for a real one.
BEDROCK_MODEL_MAP: Mapping[str, str] = {ident: _STAND_IN for ident in (
    "amazon.nova-micro-v1:0", "amazon.nova-lite-v1:0", "amazon.nova-pro-v1:0",
    "amazon.nova-premier-v1:0", "anthropic.claude-3-haiku-20240307-v1:0",
    "anthropic.claude-3-5-haiku-20241022-v1:0", "anthropic.claude-3-5-sonnet-20240620-v1:0",
    "anthropic.claude-3-5-sonnet-20241022-v2:0", "anthropic.claude-3-7-sonnet-20250219-v1:0",
    "meta.llama3-1-8b-instruct-v1:0", "meta.llama3-1-70b-instruct-v1:0",
    "mistral.mistral-large-2402-v1:0")}
#: at most this many custom metrics per job (Bedrock's limit, enforced)
MAX_CUSTOM_METRICS = 10
_MAX_METRIC_NAMES = 25
_JOB_NAME = re.compile(r"[a-z0-9](-*[a-z0-9]){0,62}")
_REGION_PREFIX = re.compile(r"^(us|eu|apac|us-gov|jp|au|ca|global)\.")
_TOP_KEYS = frozenset({"jobName", "jobDescription", "roleArn", "applicationType",
                       "evaluationConfig", "inferenceConfig", "outputDataConfig",
                       "clientRequestToken", "customerEncryptionKeyId", "jobTags"})


@dataclass(frozen=True)
class DatasetMetricConfig:
    task_type: str
    dataset_name: str
    dataset_uri: str | None
    metric_names: tuple[str, ...]


@dataclass(frozen=True)
class CustomMetricConfig:
    """``definitions``: each ``customMetricDefinition`` object as written (validated by the
    judge layer); ``names`` their ``name`` (API form) or ``metricName`` (console form)."""

    definitions: tuple[dict[str, Any], ...]
    names: tuple[str, ...]
    evaluator_models: tuple[str, ...]


@dataclass(frozen=True)
class InferenceModel:
    """``kind``: ``bedrock`` (``bedrockModel``) or ``precomputed``
    (``precomputedInferenceSource``, BYOI). ``inference_params``: the parsed
    ``inferenceParams`` (Bedrock sends a JSON string; an object is accepted too)."""

    kind: str
    identifier: str
    inference_params: dict[str, Any] | None = None

    @property
    def is_byoi(self) -> bool:
        return self.kind == "precomputed"


@dataclass(frozen=True)
class BedrockJob:
    source: str
    job_name: str
    role_arn: str | None
    application_type: str
    datasets: tuple[DatasetMetricConfig, ...]
    evaluator_models: tuple[str, ...]
    custom_metrics: CustomMetricConfig | None
    models: tuple[InferenceModel, ...]
    output_uri: str | None
    description: str | None = None
    warnings: tuple[str, ...] = ()
    #: a RAG evaluation job's ``ragConfigs[0]`` (``models`` is then empty)
    rag: RagSource | None = None

    @property
    def is_rag(self) -> bool:
        return self.rag is not None

    @property
    def is_byoi(self) -> bool:
        if self.rag is not None:
            return self.rag.is_byoi
        return any(m.is_byoi for m in self.models)

    @property
    def metric_names(self) -> tuple[str, ...]:
        """Every metric name of every dataset config, first-seen order, no repeats."""
        return tuple(dict.fromkeys(n for d in self.datasets for n in d.metric_names))

    @property
    def custom_metric_names(self) -> tuple[str, ...]:
        return () if self.custom_metrics is None else self.custom_metrics.names

    def model_name(self, override: str | None = None) -> str:
        """The assay model under test: ``override`` (``-m``), else the first model mapped."""
        return override or map_bedrock_model(self.models[0], role="model")

    def dataset_path(self, override: str | Path | None = None, index: int = 0) -> Path:
        """The local file of dataset config ``index``: ``override`` (``--data``), else its URI
        when local; an ``s3://`` URI is an error asking for ``--data <local path>``."""
        return resolve_dataset_path(
            self.datasets[index].dataset_uri, override, source=self.source,
            field=f"evaluationConfig.automated.datasetMetricConfigs[{index}].dataset"
                  ".datasetLocation.s3Uri")

    def judge_name(self, override: str | None = None, *, custom: bool = False) -> str:
        """The assay judge: ``override`` (``--judge``), else the evaluator model (of the custom
        metrics with ``custom``) mapped; no evaluator model is an error asking for --judge."""
        if override:
            return override
        models = self.evaluator_models
        if custom and self.custom_metrics is not None and self.custom_metrics.evaluator_models:
            models = self.custom_metrics.evaluator_models
        if not models:
            raise ConfigError("the job names no evaluator model: pass --judge <model>",
                              file=self.source, field="evaluationConfig.automated."
                              "evaluatorModelConfig.bedrockEvaluatorModels")
        return map_bedrock_model(models[0], role="judge")


# -- mapping ---------------------------------------------------------------------------------
def _base_id(identifier: str) -> str:
    """``arn:aws:bedrock:...:foundation-model/amazon.nova-lite-v1:0`` or
    ``us.amazon.nova-lite-v1:0`` -> ``amazon.nova-lite-v1:0``."""
    ident = identifier.strip()
    if ident.startswith("arn:") and "/" in ident:
        ident = ident.rsplit("/", 1)[1]
    return _REGION_PREFIX.sub("", ident)


def map_bedrock_model(model: str | InferenceModel, *, role: str = "model",
                      override: str | None = None) -> str:
    """The assay model name for a Bedrock model: ``override`` when given; ``byoi`` for a
    precomputed inference source; else :data:`BEDROCK_MODEL_MAP` of the identifier (ARNs and
    cross-region prefixes such as ``us.`` are stripped). ``role``: ``model`` or ``judge``,
    naming the option to pass in the error for an identifier not in the table."""
    if override:
        return override
    if isinstance(model, InferenceModel):
        if model.is_byoi:
            return BYOI_MODEL
        model = model.identifier
    found = BEDROCK_MODEL_MAP.get(_base_id(model))
    if found is None:
        option = "--judge <model>" if role == "judge" else "-m/--model <model>"
        raise ConfigError(f"Bedrock model {preview(model)} has no local equivalent in assay: "
                          f"pass {option} (for example local/smollm2 or openai/<name>)")
    return found


def resolve_dataset_path(uri: str | None, override: str | Path | None = None, *,
                         source: object = None, field: str = "dataset") -> Path:
    """The local dataset file for a job's ``datasetLocation.s3Uri``: ``override`` (``--data``)
    when given; a local path or ``file://`` URI as it is; an ``s3://`` URI (or none) is an
    error telling the user to pass ``--data <local path>``."""
    if override is not None and str(override) != "":
        return Path(override)
    if uri is None:
        raise ConfigError("the job gives no dataset location: pass --data <local path>",
                          file=source, field=field)
    if uri.startswith("s3://"):
        raise ConfigError(f"dataset {preview(uri, 120)} is on S3 and assay runs locally: "
                          "download it and pass --data <local path>", file=source, field=field)
    if re.match(r"^[a-z][a-z0-9+.-]*://", uri) and not uri.startswith("file://"):
        raise ConfigError(f"unsupported dataset URI {preview(uri, 120)}: pass --data "
                          "<local path>", file=source, field=field)
    return Path(uri[len("file://"):] if uri.startswith("file://") else uri)


def bedrock_job_status(run_status: str) -> str:
    """assay's run status (``running``, ``succeeded``, ``failed``, ``aborted``, ``stopped``)
    as a Bedrock job status; an unknown one is ``Failed``."""
    return RUN_STATUS_TO_JOB_STATUS.get(run_status, JOB_FAILED)


# -- parsing ---------------------------------------------------------------------------------
_KIND = {dict: "an object", list: "a list", str: "a string"}


class _Reader:
    """Typed access to the request document; every error names the source and JSON path."""

    def __init__(self, source: object) -> None:
        self.source = source

    def fail(self, where: str, message: str) -> ConfigError:
        return ConfigError(message, file=self.source, field=where or None)

    def _get(self, parent: Mapping, key: str, where: str, kind: type, required: bool) -> Any:
        path = join_path(where, key)
        value = parent.get(key)
        if value is None:
            if required:
                raise self.fail(path, "missing required field")
            return None
        if not isinstance(value, kind):
            raise self.fail(path, f"expected {_KIND[kind]}, got {type(value).__name__}")
        return value

    def get_obj(self, parent: Mapping, key: str, where: str, *,
                required: bool = True) -> dict | None:
        return self._get(parent, key, where, dict, required)

    def get_list(self, parent: Mapping, key: str, where: str, lo: int, hi: int | None = None,
                 *, required: bool = True) -> list | None:
        value = self._get(parent, key, where, list, required)
        if value is not None and (len(value) < lo or (hi is not None and len(value) > hi)):
            span = f"{lo} to {hi}" if hi is not None else f"at least {lo}"
            raise self.fail(join_path(where, key), f"expected {span} items, got {len(value)}")
        return value

    def get_str(self, parent: Mapping, key: str, where: str, *, required: bool = True,
                max_len: int | None = None) -> str | None:
        value = self._get(parent, key, where, str, required)
        if required and not value.strip():
            raise self.fail(join_path(where, key), "must not be empty")
        if value is not None and max_len is not None and len(value) > max_len:
            raise self.fail(join_path(where, key), f"at most {max_len} characters, got "
                            f"{len(value)}")
        return value

    def item(self, items: list, i: int, where: str) -> dict:
        if not isinstance(items[i], dict):
            raise self.fail(f"{where}[{i}]", f"expected an object, got {type(items[i]).__name__}")
        return items[i]


def _evaluator_models(r: _Reader, parent: Mapping, where: str, *,
                      required: bool) -> tuple[str, ...]:
    cfg = r.get_obj(parent, "evaluatorModelConfig", where, required=required)
    if cfg is None:
        return ()
    where = join_path(where, "evaluatorModelConfig")
    models = r.get_list(cfg, "bedrockEvaluatorModels", where, 1)
    where = join_path(where, "bedrockEvaluatorModels")
    return tuple(r.get_str(r.item(models, i, where), "modelIdentifier", f"{where}[{i}]")
                 for i in range(len(models)))


def _datasets(r: _Reader, auto: Mapping, where: str) -> tuple[DatasetMetricConfig, ...]:
    items = r.get_list(auto, "datasetMetricConfigs", where, 1)
    where = join_path(where, "datasetMetricConfigs")
    out = []
    for i in range(len(items)):
        at = f"{where}[{i}]"
        cfg = r.item(items, i, where)
        task_type = r.get_str(cfg, "taskType", at, max_len=63)
        ds = r.get_obj(cfg, "dataset", at)
        name = r.get_str(ds, "name", f"{at}.dataset")
        loc = r.get_obj(ds, "datasetLocation", f"{at}.dataset", required=False)
        uri = None if loc is None else r.get_str(loc, "s3Uri", f"{at}.dataset.datasetLocation")
        names = r.get_list(cfg, "metricNames", at, 1, _MAX_METRIC_NAMES)
        for j in range(len(names)):
            if not isinstance(names[j], str) or not names[j].strip():
                raise r.fail(f"{at}.metricNames[{j}]", "expected a metric name (a string)")
        out.append(DatasetMetricConfig(task_type, name, uri, tuple(names)))
    return tuple(out)


def _custom(r: _Reader, auto: Mapping, where: str) -> CustomMetricConfig | None:
    cfg = r.get_obj(auto, "customMetricConfig", where, required=False)
    if cfg is None:
        return None
    where = join_path(where, "customMetricConfig")
    items = r.get_list(cfg, "customMetrics", where, 1)
    if len(items) > MAX_CUSTOM_METRICS:
        raise r.fail(f"{where}.customMetrics", f"at most {MAX_CUSTOM_METRICS} custom metrics "
                     f"per job, got {len(items)}")
    defs, names = [], []
    for i in range(len(items)):
        at = f"{where}.customMetrics[{i}]"
        d = r.get_obj(r.item(items, i, f"{where}.customMetrics"), "customMetricDefinition", at)
        key = "name" if "name" in d else "metricName"
        name = r.get_str(d, key, f"{at}.customMetricDefinition")
        if name in names:
            raise r.fail(f"{at}.customMetricDefinition.{key}", f"duplicate custom metric "
                         f"{preview(name)}")
        defs.append(d)
        names.append(name)
    models = _evaluator_models(r, cfg, where, required=True)
    return CustomMetricConfig(tuple(defs), tuple(names), models)


def _inference_config(r: _Reader, doc: Mapping, app: str | None,
                      warnings: list[str]) -> tuple[str, tuple[InferenceModel, ...],
                                                    RagSource | None]:
    """The application type (inferred from the inference config when not given), the
    models of a model-evaluation job and the RAG source of a RAG evaluation job."""
    inf = r.get_obj(doc, "inferenceConfig", "")
    if app is None:
        app = RAG_EVALUATION if "ragConfigs" in inf and "models" not in inf \
            else MODEL_EVALUATION
    if app not in (MODEL_EVALUATION, RAG_EVALUATION):
        raise r.fail("applicationType", f"{preview(app)}: expected {MODEL_EVALUATION} or "
                     f"{RAG_EVALUATION}")
    mine, other, kind, other_app = (
        ("ragConfigs", "models", "model evaluation", MODEL_EVALUATION) if app == RAG_EVALUATION
        else ("models", "ragConfigs", "RAG evaluation", RAG_EVALUATION))
    if other in inf:
        raise r.fail(f"inferenceConfig.{other}", f"inferenceConfig.{other} is for {kind} jobs "
                     f"(applicationType {other_app}); this {app} job gives "
                     f"inferenceConfig.{mine}")
    if app == RAG_EVALUATION:
        return app, (), parse_rag_configs(r, inf)
    return app, _models(r, inf, warnings), None


def _models(r: _Reader, inf: Mapping, warnings: list[str]) -> tuple[InferenceModel, ...]:
    items = r.get_list(inf, "models", "inferenceConfig", 1)
    out = []
    for i in range(len(items)):
        at = f"inferenceConfig.models[{i}]"
        m = r.item(items, i, "inferenceConfig.models")
        kinds = [k for k in ("bedrockModel", "precomputedInferenceSource") if k in m]
        if len(kinds) != 1:
            raise r.fail(at, "expected exactly one of bedrockModel, precomputedInferenceSource")
        body = r.get_obj(m, kinds[0], at)
        if kinds[0] == "precomputedInferenceSource":
            out.append(InferenceModel("precomputed", r.get_str(
                body, "inferenceSourceIdentifier", f"{at}.precomputedInferenceSource")))
            continue
        at = f"{at}.bedrockModel"
        ident = r.get_str(body, "modelIdentifier", at)
        out.append(InferenceModel("bedrock", ident, _params(r, body.get("inferenceParams"),
                                                            f"{at}.inferenceParams")))
    if len(out) > 1:
        warnings.append(f"{r.source}: {len(out)} models in inferenceConfig.models; Bedrock "
                        "evaluates one model per automated job (assay runs the first unless "
                        "-m is given)")
    return tuple(out)


def _params(r: _Reader, value: Any, where: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            raise r.fail(where, "expected a JSON object (as a string or an object)") from None
    if not isinstance(value, dict):
        raise r.fail(where, f"expected a JSON object, got {type(value).__name__}")
    return value


def parse_bedrock_job(doc: Any, *, source: object = "<job>") -> BedrockJob:
    """Validate a parsed request document (see the module docstring)."""
    r = _Reader(source)
    if not isinstance(doc, dict):
        raise r.fail("", f"expected a JSON object (a create_evaluation_job request), got "
                     f"{type(doc).__name__}")
    bad = find_bad_value(doc)
    if bad is not None:
        raise r.fail(bad[0], bad[1])
    warnings = [f"{source}: unknown field {preview(k)} ignored" for k in doc
                if k not in _TOP_KEYS]
    name = r.get_str(doc, "jobName", "")
    if not _JOB_NAME.fullmatch(name):
        raise r.fail("jobName", f"{preview(name)} is not a Bedrock job name (1-63 lowercase "
                     "letters, digits and inner hyphens)")
    app = r.get_str(doc, "applicationType", "", required=False) or None
    ev = r.get_obj(doc, "evaluationConfig", "")
    if "human" in ev:
        raise r.fail("evaluationConfig.human", "human evaluation jobs are not run by assay "
                     "(use evaluationConfig.automated)")
    where = "evaluationConfig.automated"
    auto = r.get_obj(ev, "automated", "evaluationConfig")
    datasets = _datasets(r, auto, where)
    evaluators = _evaluator_models(r, auto, where, required=False)
    custom = _custom(r, auto, where)
    _check_metric_names(r, datasets, custom, where)
    app, models, rag = _inference_config(r, doc, app, warnings)
    out = r.get_obj(doc, "outputDataConfig", "", required=False)
    output_uri = None if out is None else r.get_str(out, "s3Uri", "outputDataConfig")
    return BedrockJob(source=str(source), job_name=name, application_type=app,
                      role_arn=r.get_str(doc, "roleArn", "", required=False),
                      datasets=datasets, evaluator_models=evaluators, custom_metrics=custom,
                      models=models, output_uri=output_uri,
                      description=r.get_str(doc, "jobDescription", "", required=False),
                      warnings=tuple(warnings), rag=rag)


def _check_metric_names(r: _Reader, datasets: tuple[DatasetMetricConfig, ...],
                        custom: CustomMetricConfig | None, where: str) -> None:
    """Custom metric names must appear both in ``metricNames`` and in ``customMetrics``; any
    other name must be a ``Builtin.`` one."""
    defined = set() if custom is None else set(custom.names)
    used = set()
    for i, d in enumerate(datasets):
        for j, n in enumerate(d.metric_names):
            used.add(n)
            if not n.startswith("Builtin.") and n not in defined:
                raise r.fail(f"{where}.datasetMetricConfigs[{i}].metricNames[{j}]",
                             f"{preview(n)} is neither a Builtin.* metric nor defined in "
                             "customMetricConfig.customMetrics")
    for k, n in enumerate(() if custom is None else custom.names):
        if n not in used:
            raise r.fail(f"{where}.customMetricConfig.customMetrics[{k}]",
                         f"custom metric {preview(n)} is not listed in any metricNames")


def is_bedrock_job(doc: Any) -> bool:
    """True when a parsed JSON document looks like a ``create_evaluation_job`` request."""
    return isinstance(doc, dict) and "evaluationConfig" in doc and (
        "inferenceConfig" in doc or "jobName" in doc)


def load_bedrock_job(path: str | Path) -> BedrockJob:
    """Read and validate a request JSON file (errors name the file, line or JSON path)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("job file not found", file=path) from None
    except (OSError, ValueError) as exc:     # UnicodeDecodeError is a ValueError
        reason = getattr(exc, "strerror", None) or "not UTF-8 text"
        raise ConfigError(f"cannot read the job file ({reason})", file=path) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"malformed JSON ({exc.msg} at column {exc.colno})", file=path,
                          line=exc.lineno) from None
    except (ValueError, RecursionError):
        raise ConfigError("malformed JSON (nested too deeply or a number out of range)",
                          file=path) from None
    return parse_bedrock_job(doc, source=path)
