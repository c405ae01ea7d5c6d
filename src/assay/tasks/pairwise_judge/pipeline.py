"""One llm_judge example: forward pass (A, B), backward pass (B, A), parse, reconcile."""

from __future__ import annotations

from ...backends.types import InferenceRequest
from ...data.llm_judge import JudgeSample
from ...judges.prompts import FOLLOWUP, pairwise_messages
from ...judges.verdicts import map_backward, parse_verdict, reconcile
from .records import JudgeRecord
from ...results.records import ExampleError
from ...runner.context import ExampleContext, infer_request

__all__ = ["run_judge_example"]


async def _judge_pass(sample: JudgeSample, first: str, second: str, ctx: ExampleContext,
                      tag: str, followup: bool):
    """Returns (raw text, outcome in the shown positions, problem, latency, cached, error kind
    of a failed request or None)."""
    messages = pairwise_messages(sample.prompt, first, second)
    request = InferenceRequest(messages=messages, settings=ctx.settings,
                               example_id=f"{sample.id}:{tag}",
                               extra={"index": sample.index, "pass": tag})
    completion, error, cached, _attempts, latency = await infer_request(sample, request, ctx)
    if completion is None:
        return None, "error", f"{error.kind}: {error.message}", latency, False, error.kind
    text = completion.text
    outcome, problem = parse_verdict(text)
    if outcome == "error" and followup:
        from ...backends.types import Message

        follow = InferenceRequest(
            messages=messages + (Message("assistant", text), Message("user", FOLLOWUP)),
            settings=ctx.settings, example_id=f"{sample.id}:{tag}:followup",
            extra={"index": sample.index, "pass": tag + "-followup"})
        more, err2, _c, _a, lat2 = await infer_request(sample, follow, ctx)
        latency += lat2
        if more is None:
            return text, "error", f"follow-up: {err2.kind}: {err2.message}", latency, cached, \
                err2.kind
        text = f"{text}\n\n[follow-up]\n{more.text}"
        outcome, problem = parse_verdict(more.text)
    return text, outcome, problem, latency, cached, None


async def run_judge_example(sample: JudgeSample, ctx: ExampleContext, *,
                            followup: bool = False) -> JudgeRecord:
    fwd_text, fwd, fwd_problem, lat1, c1, k1 = await _judge_pass(
        sample, sample.response_a, sample.response_b, ctx, "forward", followup)
    bwd_text, bwd_shown, bwd_problem, lat2, c2, k2 = await _judge_pass(
        sample, sample.response_b, sample.response_a, ctx, "backward", followup)
    bwd = map_backward(bwd_shown)
    outcome = reconcile(fwd, bwd)
    error = None
    if outcome == "error":
        parts = [f"forward: {fwd_problem}" if fwd == "error" else "",
                 f"backward: {bwd_problem}" if bwd == "error" else ""]
        raw = f"[forward]\n{fwd_text or ''}\n\n[backward]\n{bwd_text or ''}"
        # a failed request keeps its kind (connection, timeout, ...: retried on resume)
        error = ExampleError("judge", k1 or k2 or "unparseable",
                             "; ".join(p for p in parts if p), raw[:8000])
    return JudgeRecord(
        index=sample.index, id=sample.id, prompt=sample.prompt, response_a=sample.response_a,
        response_b=sample.response_b, metadata_raw=sample.metadata_raw, metadata=sample.metadata,
        human_label=sample.human_label, forward_output=fwd_text, backward_output=bwd_text,
        forward_verdict=fwd, backward_verdict=bwd, outcome=outcome,
        consistent=(fwd == bwd and fwd != "error"), error=error,
        latency_s=round(lat1 + lat2, 6), cached=c1 and c2)
