"""The recipe: the Nova evaluation YAML, accepted unchanged, plus assay's own ``assay:`` section.

Every key a user writes is validated by a strict pydantic model (``extra="forbid"``), so an
unknown key is rejected with its name, its line and a did-you-mean. The Nova keys and their
limits follow the Nova documentation (see ``docs/recipe.md``); assay's additions live in one
place, the top-level ``assay:`` section (:class:`AssaySection`).
"""

from __future__ import annotations

import unicodedata
from typing import Any, Literal

from pydantic import (BaseModel, ConfigDict, Field, PositiveInt, field_validator,
                      model_serializer, model_validator)

__all__ = [
    "StrictModel", "RunSection", "EvaluationSection", "InferenceSection", "ProcessorSection",
    "StageToggle", "RlEnvSection", "ScorerEntry", "CalibrationSection", "RagSection",
    "AssaySection",
    "JudgeSection", "Recipe",
    "check_run_name", "MAX_RUN_NAME_BYTES",
]


#: the longest run.name, in UTF-8 bytes (the usual file-name limit)
MAX_RUN_NAME_BYTES = 255


def check_run_name(value: str) -> str:
    """``run.name`` becomes a folder name: non-empty, at most 255 UTF-8 bytes, no path
    separators, not ``.`` or ``..``, no control characters (NUL, newline, ...), no lone
    surrogates. Surrounding spaces are dropped. The error never repeats the value."""
    v = value.strip()
    if not v:
        raise ValueError("run.name must not be empty")
    size = len(v.encode("utf-8", "surrogatepass"))
    if size > MAX_RUN_NAME_BYTES:
        raise ValueError(f"run.name is {size:,} bytes long in UTF-8; the limit is "
                         f"{MAX_RUN_NAME_BYTES}")
    if any("\ud800" <= ch <= "\udfff" for ch in v):
        raise ValueError("run.name must not contain lone UTF-16 surrogates")
    if any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in v):
        raise ValueError("run.name must not contain control characters (NUL, newline, tab, ...)")
    if "/" in v or "\\" in v or v in (".", ".."):
        raise ValueError("run.name must be a folder name: no '/' or '\\', not '.' or '..'")
    return v


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RunSection(StrictModel):
    name: str = "assay-run"
    model_type: str | None = None
    model_name_or_path: str | None = None
    replicas: int = Field(default=1, ge=1, le=1024)
    data_s3_path: str | None = ""
    output_s3_path: str | None = ""
    mlflow_tracking_uri: str | None = ""
    mlflow_experiment_name: str | None = ""
    mlflow_run_name: str | None = ""

    @field_validator("name")
    @classmethod
    def _name_is_a_folder(cls, v: str) -> str:
        return check_run_name(v)


class EvaluationSection(StrictModel):
    task: str
    strategy: str | None = None
    metric: str | None = "all"
    subtask: str | None = None


class InferenceSection(StrictModel):
    max_new_tokens: int = Field(default=2048, ge=1)
    top_k: int = Field(default=-1, ge=-1)
    top_p: float = Field(default=1.0, ge=0.0, le=1.0, allow_inf_nan=False)
    temperature: float = Field(default=0.0, ge=0.0, allow_inf_nan=False)
    top_logprobs: int = Field(default=0, ge=0, le=20)
    reasoning_effort: Literal["low", "medium", "high"] | None = None


class StageToggle(StrictModel):
    enabled: bool = False


class ProcessorSection(StrictModel):
    preset_reward_function: Literal["", "prime_math", "prime_code"] | None = ""
    lambda_arn: str | None = None
    lambda_type: Literal["custom_metrics", "rft"] = "custom_metrics"
    preprocessing: StageToggle = StageToggle()
    postprocessing: StageToggle = StageToggle()
    aggregation: Literal["min", "max", "average", "mean", "sum"] = "average"
    # assay additions: where the processor code lives when it is not a Lambda ARN
    path: str | None = None
    url: str | None = None

    @property
    def location(self) -> str | None:
        for v in (self.path, self.url, self.lambda_arn):
            if v:
                return v
        return None

    @property
    def active(self) -> bool:
        return bool(self.location) and (self.preprocessing.enabled or self.postprocessing.enabled)


class RlEnvSection(StrictModel):
    reward_lambda_arn: str | None = None


class ScorerEntry(StrictModel):
    """One preset or registered scorer: ``{name: f1, params: {average: macro}, label: class_f1}``."""

    name: str
    params: dict[str, Any] = Field(default_factory=dict)
    label: str | None = None

    @property
    def key(self) -> str:
        return self.label or self.name


class BenchmarkSection(StrictModel):
    """How a standard benchmark (task mmlu, bbh, gsm8k, ...) is run. docs/benchmarks.md."""

    method: Literal["auto", "loglikelihood", "generate"] = "auto"
    num_fewshot: int | None = Field(default=None, ge=0, le=64)
    cot: bool | None = None                 # default: the strategy says (zs_cot, fs_cot)
    system_prompt: str | None = None
    evaluate_base_model: bool = False
    base_model: str | None = None
    base_model_args: dict[str, Any] = Field(default_factory=dict)
    base_system_prompt: str | None = None   # default: system_prompt
    bootstrap_resamples: int = Field(default=1000, ge=100, le=100_000)
    download: bool = False                  # allow the datasets library to fetch the data
    revision: str | None = None             # Hugging Face dataset revision when downloading
    #: generations per item (pass@k); n > 1 needs inference.temperature > 0 (seeds seed..seed+n-1)
    samples: int = Field(default=1, ge=1, le=1000)
    pass_k: list[PositiveInt] = Field(default_factory=lambda: [1])   # k of pass@k (k <= samples)


class CalibrationSection(StrictModel):
    """Confidence calibration of a gen_qa run (``assay.calibration``). docs/calibration.md."""

    #: the per-example 0/1 metric that says "correct"; default: the first per-example metric,
    #: in reported order, whose values are all 0 or 1
    metric: str | None = None
    #: auto: the label probability when defined, else the first answer token's probability;
    #: label; first_token; mean_token: exp(mean token logprob)
    confidence: Literal["auto", "label", "first_token", "mean_token"] = "auto"
    n_bins: int = Field(default=10, ge=1, le=1000)
    #: the response_schema property that holds the label (default: the first enum property)
    label_field: str | None = None
    low_confidence_k: int = Field(default=10, ge=0, le=10_000)
    overconfident_threshold: float = Field(default=0.8, ge=0.0, le=1.0, allow_inf_nan=False)


class RagSection(StrictModel):
    """The ``rag_eval`` task's retrieval (docs/rag.md): a local knowledge base (``assay kb
    build``) that retrieves for rows without an output, what the run evaluates, and how
    retrieved passages are matched to reference contexts."""

    #: an ``assay kb build`` folder (relative to the recipe); needed when rows carry no output
    knowledge_base: str | None = None
    retrieval: Literal["hybrid", "dense", "bm25"] = "hybrid"
    top_k: int = Field(default=5, ge=1, le=100)
    #: ``auto``: the data's shape (BYOI outputs), else retrieve_and_generate with a KB
    mode: Literal["auto", "retrieve", "retrieve_and_generate"] = "auto"
    #: the k of recall@k, precision@k, hit_rate@k and ndcg@k
    ks: list[int] = Field(default_factory=lambda: [1, 3, 5, 10])
    #: token overlap at which a passage matches a reference context by text
    match_threshold: float = Field(default=0.8, gt=0.0, le=1.0, allow_inf_nan=False)
    #: Bedrock's ragSourceIdentifier: every BYOI output must carry it as knowledgeBaseIdentifier
    source_identifier: str | None = None
    #: ask the generating model to cite passages as [1], [2] (read back as citations)
    citations: bool = True

    @field_validator("ks")
    @classmethod
    def _check_ks(cls, v: list[int]) -> list[int]:
        if not v or any(k < 1 for k in v):
            raise ValueError("ks must list one or more k >= 1")
        return sorted(set(v))


class AssaySection(StrictModel):
    """assay's additions to the Nova recipe, all optional. Documented in docs/recipe.md."""

    model: str = "local/smollm2"
    model_args: dict[str, Any] = Field(default_factory=dict)
    data: str | None = None
    output_dir: str = "runs"
    seed: int = 0
    concurrency: int | None = Field(default=None, ge=1, le=4096)
    group_by: list[str] = Field(default_factory=list)
    cache: bool | str = True
    metrics: list[str] | None = None
    max_failure_share: float = Field(default=0.05, ge=0.0, le=1.0, allow_inf_nan=False)
    unit_size: int | None = Field(default=None, ge=1, le=100_000)
    ray_address: str | None = None   # join this Ray cluster (ray://host:10001, auto, host:port)
    limit: int | None = Field(default=None, ge=1)
    scorers: list[ScorerEntry] = Field(default_factory=list)
    benchmark: BenchmarkSection = BenchmarkSection()
    #: structured output: a JSON Schema (inline mapping, or a file path relative to the
    #: recipe's folder) or a choice among fixed strings; at most one of the two
    response_schema: dict[str, Any] | str | None = None
    response_choices: list[str] | None = None
    calibration: CalibrationSection = CalibrationSection()
    rag: RagSection = RagSection()

    @field_validator("response_schema", mode="before")
    @classmethod
    def _inline_json_schema(cls, v: Any) -> Any:
        # ``--set 'assay.response_schema={...}'`` arrives as a string: JSON, not a file name
        if isinstance(v, str) and v.lstrip().startswith("{"):
            import json
            try:
                return json.loads(v)
            except ValueError as exc:
                raise ValueError(f"an inline JSON Schema must be JSON: {exc}") from None
        return v

    @field_validator("response_schema")
    @classmethod
    def _check_response_schema(cls, v: Any) -> Any:
        from ..backends.structured import check_schema
        if isinstance(v, str):
            if not v.strip():
                raise ValueError("must be a JSON Schema mapping or a file path, not empty")
            return v   # a file: read and checked when the run starts (its folder is known then)
        if v is not None:
            check_schema(v)
        return v

    @field_validator("response_choices")
    @classmethod
    def _check_response_choices(cls, v: Any) -> Any:
        from ..backends.structured import check_choices
        return None if v is None else check_choices(v)

    @model_validator(mode="after")
    def _one_response_format(self) -> "AssaySection":
        if self.response_schema is not None and self.response_choices is not None:
            raise ValueError("give assay.response_schema or assay.response_choices, not both")
        return self

    @field_validator("group_by", mode="before")
    @classmethod
    def _split_group_by(cls, v: Any) -> Any:
        if isinstance(v, str):
            return [s.strip() for s in v.split(",") if s.strip()]
        return v

    @field_validator("metrics", mode="before")
    @classmethod
    def _split_metrics(cls, v: Any) -> Any:
        if isinstance(v, str):
            return [s.strip() for s in v.split(",") if s.strip()]
        return v


class JudgeSection(StrictModel):
    """The judge model of llm_judge / rubric_llm_judge / llm_judge_pointwise tasks (assay
    addition; Nova's judge is fixed). Generation settings come from the recipe's
    ``inference`` section."""

    model: str = "local/smollm2"
    model_args: dict[str, Any] = Field(default_factory=dict)
    followup: bool = False   # ask once more for the verdict alone when none was parsed
    #: structured (JSON Schema) verdicts: ``auto`` = on for backends that enforce a schema
    #: (local, mock, OpenAI-compatible with dialect llama_cpp; `on` for vLLM), ``off`` = the free-text
    #: ``[[A>B]]`` prompt and parser (docs/judges.md)
    structured: Literal["auto", "on", "off"] = "auto"
    #: top log-probabilities per token for the verdict probabilities; ``None``: 5 for a
    #: structured judge (at least ``inference.top_logprobs``), else ``inference.top_logprobs``
    top_logprobs: int | None = Field(default=None, ge=0, le=20)
    #: llm_judge_pointwise only: the built-in metrics to score (``Builtin.Correctness`` or the
    #: SageMaker SDK's ``correctness``); ``None``: the default set (docs/pointwise_judge.md)
    metrics: list[str] | None = None
    #: llm_judge_pointwise only: ``customMetricDefinition`` JSON files, relative to the recipe
    custom_metrics: list[str] | None = None
    #: llm_judge_pointwise only: judge each example x metric this many times
    #: (``--judge-samples``; above 1 the samples are drawn at a temperature > 0 and their
    #: dispersion reported)
    samples: int = Field(default=1, ge=1, le=50)

    @field_validator("metrics", "custom_metrics", mode="before")
    @classmethod
    def _split_names(cls, v: Any) -> Any:
        # ``--set judge.metrics=Builtin.Correctness,helpfulness``
        if isinstance(v, str):
            return [s.strip() for s in v.split(",") if s.strip()]
        return v

    @model_serializer(mode="wrap")
    def _omit_unset_pointwise(self, handler: Any) -> Any:
        # the pointwise keys are left out while unset, so the dumps (and fingerprints) of
        # pairwise and rubric judge recipes stay what they were before the keys existed
        data = handler(self)
        if isinstance(data, dict):
            for key in ("metrics", "custom_metrics"):
                if data.get(key) is None:
                    data.pop(key, None)
            if data.get("samples") == 1:
                data.pop("samples", None)
        return data

    @field_validator("structured", mode="before")
    @classmethod
    def _yaml_on_off(cls, v: Any) -> Any:
        # YAML reads a bare on/off (and yes/no, true/false) as a boolean
        if isinstance(v, bool):
            return "on" if v else "off"
        return v.strip().lower() if isinstance(v, str) else v


class Recipe(StrictModel):
    """A whole recipe file. Nova metadata keys (display_name, version, instance_types) are kept."""

    display_name: str | None = None
    version: str | None = None
    instance_types: list[str] | None = None
    run: RunSection = RunSection()
    evaluation: EvaluationSection
    inference: InferenceSection = InferenceSection()
    processor: ProcessorSection | None = None
    rl_env: RlEnvSection | None = None
    assay: AssaySection = AssaySection()
    judge: JudgeSection = JudgeSection()
