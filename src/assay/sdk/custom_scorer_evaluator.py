"""``CustomScorerEvaluator``: the model answers a gen_qa dataset and a reward function scores
each answer, as the SageMaker SDK's custom scorer does (gen_qa with ``processor.lambda_type:
rft``). The built-in metrics are ``processor.preset_reward_function: prime_math|prime_code``;
a local reward file (``evaluator="reward.py"``) or an HTTP endpoint stands in for an Evaluator
ARN (:mod:`assay.rewards`). With ``evaluate_base_model=True`` the base model runs the same
dataset as a second job, and ``show_results()`` compares the two runs item by item."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Any, ClassVar

from pydantic import field_validator

from .base import BaseEvaluator
from .constants import EvalType
from .metrics import _BuiltInMetric

__all__ = ["CustomScorerEvaluator", "check_dataset", "invalid_evaluator"]


def invalid_evaluator(value: Any) -> ValueError:
    return ValueError(f"Invalid evaluator: '{value}'. Must be a built-in metric enum value, "
                      "Evaluator object, or valid Evaluator ARN. Available built-in metrics: "
                      f"{', '.join(m.value for m in _BuiltInMetric)}")


def check_dataset(value: Any) -> str:
    """A local JSONL file (an S3 URI or an ARN cannot be read offline)."""
    if isinstance(value, Path):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise ValueError("dataset must be the path of a local JSONL file (assay does not read "
                         f"AI Registry DataSet objects), not {type(value).__name__}")
    v = value.strip()
    if v.startswith(("s3://", "arn:")):
        raise ValueError(f"dataset '{v}' is an AWS resource, which assay cannot read: "
                         "download it and pass the local JSONL path")
    if not Path(v).expanduser().is_file():
        raise ValueError(f"dataset file '{v}' does not exist")
    return str(Path(v).expanduser().resolve())


class CustomScorerEvaluator(BaseEvaluator):
    """A reward function of :func:`~assay.sdk.get_builtin_metrics`, a reward file or an HTTP
    reward endpoint, over a gen_qa ``dataset``."""

    _eval_type: ClassVar[EvalType] = EvalType.CUSTOM_SCORER

    evaluator: Any
    dataset: Any
    evaluate_base_model: bool = False

    @field_validator("evaluator", mode="before")
    @classmethod
    def _check_evaluator(cls, v: Any) -> Any:
        if isinstance(v, Enum):
            v = v.value
        if isinstance(v, Path):
            v = str(v)
        if not isinstance(v, str):
            raise invalid_evaluator(v)
        s = v.strip()
        if s in {m.value for m in _BuiltInMetric}:
            return _BuiltInMetric(s)
        if s.startswith("arn:"):
            raise ValueError(f"evaluator '{s}' is an AWS ARN (an AI Registry Evaluator or a "
                             "Lambda function), which assay cannot reach offline: pass the "
                             "reward function's Python file (evaluator='reward.py'), an HTTP "
                             "endpoint URL, or a built-in metric (prime_math, prime_code)")
        if s.startswith(("http://", "https://")):
            return s
        if Path(s).expanduser().is_file():
            return str(Path(s).expanduser().resolve())
        raise invalid_evaluator(s)

    @field_validator("dataset", mode="before")
    @classmethod
    def _check_dataset(cls, v: Any) -> str:
        return check_dataset(v)

    def _processor(self) -> dict[str, Any]:
        if isinstance(self.evaluator, _BuiltInMetric):
            return {"lambda_type": "rft", "preset_reward_function": self.evaluator.value}
        where = "url" if self.evaluator.startswith(("http://", "https://")) else "path"
        # the SDK's template values for an evaluator ARN: postprocessing on, aggregation mean
        return {"lambda_type": "rft", where: self.evaluator,
                "postprocessing": {"enabled": True}, "aggregation": "mean"}

    def _defaults(self) -> dict[str, Any]:
        assay = self._assay_section()
        assay["data"] = self.dataset
        return {"run": self._run_section(),
                "evaluation": self._evaluation("gen_qa", "gen_qa", "all"),
                "inference": self._inference(), "processor": self._processor(),
                "assay": assay}
