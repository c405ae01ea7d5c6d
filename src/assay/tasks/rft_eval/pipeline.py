"""rft_eval, one example: RFT row → the conversation → backend → the answer as the last
assistant turn → reward function → ExampleRecord (gen_qa's record, so gen_qa's aggregation,
writers and report apply). ``ctx.task`` is the run's :class:`RftState`.

The reward's ``aggregate_reward_score`` and each ``metrics_list`` entry become the example's
metrics. A reward call that fails (an exception in the function, a malformed answer, no
result for the id) is the example's error (stage ``postprocess``, kind ``processor``, raw
text kept); the run goes on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ...backends.types import InferenceRequest, Message
from ...processors.errors import ProcessorError
from ...results.records import ExampleError, ExampleRecord
from ...rewards.contract import RewardSample
from ...runner.context import ExampleContext, infer_request
from .data import RftItem

__all__ = ["RftState", "run_rft_example"]


@dataclass(frozen=True)
class RftState:
    """What every example of a run shares: the reward function."""

    reward: Any   # a rewards.RewardFunction


def _backend_role(role: str) -> str:
    return "assistant" if role == "nova_assistant" else role


async def _reward(item: RftItem, text: str, ctx: ExampleContext
                  ) -> tuple[dict[str, float], ExampleError | None]:
    try:
        sample = RewardSample.model_validate({
            **item.extra, "id": item.id,
            "messages": [{"role": r, "content": c} for r, c in item.messages]
            + [{"role": "assistant", "content": text}],
            "reference_answer": item.reference_answer})
        result = await ctx.task.reward.score_one(sample)
    except ProcessorError as exc:
        return {}, ExampleError("postprocess", "processor", exc.message, exc.raw)
    except Exception as exc:  # a reward client bug is data too  # noqa: BLE001
        return {}, ExampleError("postprocess", "exception", f"{type(exc).__name__}: {exc}")
    return result.metrics(), None


async def run_rft_example(item: RftItem, ctx: ExampleContext) -> ExampleRecord:
    messages = tuple(Message(_backend_role(r), c) for r, c in item.messages)
    request = InferenceRequest(messages=messages, settings=ctx.settings, example_id=item.id,
                               extra={"index": item.index, "gold": item.gold})
    completion, error, cached, attempts, latency = await infer_request(item, request, ctx)
    if completion is not None and completion.text is None:
        error = ExampleError("inference", "empty_response", "the model returned no content")
        completion = None
    metrics: dict[str, float] = {}
    if completion is not None:
        metrics, error = await _reward(item, completion.text, ctx)
    users = [c for r, c in item.messages if r == "user"]
    systems = [c for r, c in item.messages if r == "system"]
    return ExampleRecord(
        index=item.index, id=item.id, query=users[-1], gold=item.gold,
        system=systems[0] if systems else None,
        metadata_raw=json.dumps(item.extra, ensure_ascii=False) if item.extra else None,
        metadata=dict(item.extra) or None,
        messages=[m.to_dict() for m in messages],
        prediction=None if completion is None else completion.text,
        logprobs=None if completion is None or completion.logprobs is None
        else [t.to_dict() for t in completion.logprobs],
        metrics=metrics, error=error, latency_s=round(latency, 6),
        input_tokens=None if completion is None else completion.input_tokens,
        output_tokens=None if completion is None else completion.output_tokens,
        finish_reason=None if completion is None else completion.finish_reason,
        cached=cached, attempts=attempts)
