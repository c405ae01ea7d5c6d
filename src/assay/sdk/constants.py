"""The SageMaker evaluation SDK's names and constants, as ``sagemaker.train.evaluate`` spells
them (formats.md §3): the evaluation types, pipeline names, step names, the Bedrock judge
models the SDK allows, and the evaluator fields that only mean something on AWS."""

from __future__ import annotations

import uuid
from enum import Enum

__all__ = [
    "EvalType", "pipeline_name", "pipeline_name_prefix", "eval_type_from_name",
    "ALLOWED_EVALUATOR_MODELS", "AWS_ONLY_FIELDS", "TAG_EVALUATION", "eval_type_tag",
    "STEP_CUSTOM", "STEP_BASE", "STEP_CUSTOM_INFERENCE", "STEP_BASE_INFERENCE",
    "STEP_CUSTOM_METRICS", "STEP_BASE_METRICS",
]


class EvalType(str, Enum):
    """The kind of an evaluation pipeline (the SDK's ``EvalType``)."""

    BENCHMARK = "benchmark"
    CUSTOM_SCORER = "customscorer"
    LLM_AS_JUDGE = "llmasjudge"
    MTRL = "mtrl"
    INSPECT_AI = "inspectai"


_PIPELINE_KIND = {
    EvalType.BENCHMARK: "BenchmarkEvaluation",
    EvalType.CUSTOM_SCORER: "CustomScorerEvaluation",
    EvalType.LLM_AS_JUDGE: "LLMAJEvaluation",
    EvalType.MTRL: "MTRLEvaluation",
    EvalType.INSPECT_AI: "InspectAIEvaluation",
}

#: the tags the SDK puts on its pipelines (kept on assay's executions for the same queries)
TAG_EVALUATION = "sagemaker-pysdk-evaluation"


def eval_type_tag(eval_type: EvalType) -> str:
    """``sagemaker-pysdk-<evaltype>``."""
    return f"sagemaker-pysdk-{EvalType(eval_type).value}"


def pipeline_name_prefix(eval_type: EvalType) -> str:
    """``SagemakerEvaluation-<Kind>``, e.g. ``SagemakerEvaluation-BenchmarkEvaluation``."""
    return f"SagemakerEvaluation-{_PIPELINE_KIND[EvalType(eval_type)]}"


def pipeline_name(eval_type: EvalType) -> str:
    """``SagemakerEvaluation-<Kind>-<uuid>``: a new pipeline name."""
    return f"{pipeline_name_prefix(eval_type)}-{uuid.uuid4()}"


def eval_type_from_name(name: str) -> EvalType | None:
    """The evaluation type a pipeline name (or an ARN holding one) starts with."""
    for part in str(name).split("/"):
        for et in EvalType:
            if part.startswith(pipeline_name_prefix(et) + "-"):
                return et
    return None


#: the SDK's ``_ALLOWED_EVALUATOR_MODELS``: Bedrock judge model id -> regions
ALLOWED_EVALUATOR_MODELS: dict[str, tuple[str, ...]] = {
    "mistral.mistral-large-2402-v1:0": ("us-west-2", "us-east-1", "eu-west-1"),
    "meta.llama3-1-70b-instruct-v1:0": ("us-west-2", "us-east-1"),
    **{m: ("us-west-2", "us-east-1", "ap-northeast-1", "eu-west-1") for m in (
        "anthropic.claude-3-haiku-20240307-v1:0",
        "anthropic.claude-haiku-4-5-20251001-v1:0",
        "anthropic.claude-sonnet-4-5-20250929-v1:0",
        "anthropic.claude-opus-4-5-20251101-v1:0",
        "amazon.nova-pro-v1:0",
        "amazon.nova-2-lite-v1:0",
        "amazon.nova-micro-v1:0",
    )},
    "amazon.nova-premier-v1:0": ("us-west-2", "us-east-1"),
    "anthropic.claude-3-5-sonnet-20240620-v1:0": ("ap-northeast-1",),
    "anthropic.claude-3-5-sonnet-20241022-v2:0": ("ap-northeast-1",),
}

#: evaluator fields that configure AWS resources: accepted, ignored (one warning)
AWS_ONLY_FIELDS = ("region", "role", "sagemaker_session", "networking", "kms_key_id",
                   "compute", "model_package_group", "training_image", "tags")

#: pipeline step names (the SDK's templates)
STEP_CUSTOM = "EvaluateCustomModel"
STEP_BASE = "EvaluateBaseModel"
STEP_CUSTOM_INFERENCE = "EvaluateCustomInferenceModel"
STEP_BASE_INFERENCE = "EvaluateBaseInferenceModel"
STEP_CUSTOM_METRICS = "EvaluateCustomModelMetrics"
STEP_BASE_METRICS = "EvaluateBaseModelMetrics"
