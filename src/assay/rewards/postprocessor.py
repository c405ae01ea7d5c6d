"""``RewardPostprocessor``: an RFT reward function in gen_qa's postprocess slot.

gen_qa hands each answered example to ``postprocess({"id", "system", "prompt",
"inference_output", "gold"})``. This sends it to the reward function as one RFT sample
(``messages`` = system?, user prompt, assistant answer; ``reference_answer`` = the row's
``response``) and returns ``aggregate_reward_score`` and every metric as
``[{"metric", "value"}]``, so the values become the example's processor metrics and are
aggregated (``processor.aggregation``) and written like BYOM metrics.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..processors.errors import ProcessorError
from .client import RewardFunction
from .contract import RewardMessage, RewardSample

__all__ = ["RewardPostprocessor", "gen_qa_sample"]


def gen_qa_sample(data: Mapping[str, Any]) -> RewardSample:
    """The RFT sample of one gen_qa example."""
    messages = []
    if data.get("system"):
        messages.append(RewardMessage(role="system", content=str(data["system"])))
    messages.append(RewardMessage(role="user", content=str(data.get("prompt") or "")))
    messages.append(RewardMessage(role="assistant",
                                  content=str(data.get("inference_output") or "")))
    return RewardSample(id=str(data.get("id") or "0"), messages=messages,
                        reference_answer=data.get("gold"))


class RewardPostprocessor:
    """A :class:`~assay.processors.Processor` whose postprocess calls a reward function."""

    def __init__(self, reward: RewardFunction) -> None:
        self.reward = reward
        self.name = f"rft:{reward.name}"

    def __repr__(self) -> str:
        return f"RewardPostprocessor({self.reward.name!r})"

    async def preprocess(self, data: dict) -> dict:
        raise ProcessorError("preprocess", "an RFT reward function has no preprocess stage")

    async def postprocess(self, data: dict) -> list[dict]:
        result = await self.reward.score_one(gen_qa_sample(data))
        return [{"metric": k, "value": v} for k, v in result.metrics().items()]

    async def aclose(self) -> None:
        await self.reward.aclose()
