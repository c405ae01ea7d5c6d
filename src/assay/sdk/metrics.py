"""``get_builtin_metrics()``: the CustomScorerEvaluator's built-in reward functions, with the
SageMaker SDK's enum members (formats.md §3). They run as gen_qa with ``processor:
{lambda_type: rft, preset_reward_function: <value>}``.

Not to be confused with :func:`assay.get_builtin_metrics`, the Bedrock judge metrics
(``Builtin.Correctness`` ...), which the LLMAsJudgeEvaluator's ``builtin_metrics`` name."""

from __future__ import annotations

from enum import Enum

__all__ = ["_BuiltInMetric", "get_builtin_metrics"]


class _BuiltInMetric(str, Enum):
    """The built-in reward functions (the SDK's internal ``_BuiltInMetric``)."""

    PRIME_MATH = "prime_math"
    PRIME_CODE = "prime_code"


def get_builtin_metrics() -> type[_BuiltInMetric]:
    """The built-in metric enum: ``Metric = get_builtin_metrics(); Metric.PRIME_MATH``."""
    return _BuiltInMetric
