"""``reward_handler``: a per-sample reward function → a Lambda handler of the RFT contract.

``reward_handler(fn)`` returns ``lambda_handler(event, context)`` that reads a request (a
list or ``{"batch": [...]}``), calls ``fn(sample)`` for each :class:`RewardSample` and
answers the bare list of results. ``fn`` returns a :class:`RewardResult`, a dict of that
shape, or a number (the reward, with no further metrics). A user's reward file can export
the handler as ``lambda_handler``, and the same file deploys to AWS Lambda.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .contract import RewardResult, RewardSample, parse_request

__all__ = ["reward_handler", "as_result"]


def as_result(sample: RewardSample, value: Any) -> RewardResult:
    """What a per-sample function returned, as the sample's :class:`RewardResult`."""
    if isinstance(value, RewardResult):
        return value
    if isinstance(value, dict):
        return RewardResult.model_validate({"id": sample.id, **value})
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return RewardResult(id=sample.id, aggregate_reward_score=float(value))
    raise TypeError(f"a reward function returns a RewardResult, a dict or a number, "
                    f"got {type(value).__name__}")


def reward_handler(fn: Callable[[RewardSample], Any]) -> Callable[[Any, Any], list[dict]]:
    """The Lambda handler that scores every sample of a request with ``fn``."""

    def lambda_handler(event: Any, context: Any = None) -> list[dict]:
        samples = parse_request(event)
        return [as_result(s, fn(s)).model_dump(mode="json") for s in samples]

    lambda_handler.__name__ = f"reward_handler({getattr(fn, '__name__', 'fn')})"
    return lambda_handler
