"""One llm_judge example: forward pass (A, B), backward pass (B, A), parse, reconcile.

A structured judge (:mod:`.mode`) asks for the JSON verdict (``PAIRWISE_SCHEMA``) and reads
each pass's verdict probabilities from the token log-probabilities
(:mod:`assay.judges.probabilities`). A reply that misses the schema but still holds a verdict
(a scripted or unenforcing backend writing ``[[A>B]]``) is parsed as before: the judge's own
parser decides, the raw text is kept either way.

In an ``mm_llm_judge`` run (``images=True``) every pass shows the judge the row's images on its
user turn, after the text (as Nova's multimodal judge does).
"""

from __future__ import annotations

from dataclasses import replace

from ...backends.types import InferenceRequest, Message
from ...data.llm_judge import JudgeSample
from ...judges.probabilities import map_probs_backward, mean_probs, rounded, verdict_probabilities
from ...judges.prompts import (FOLLOWUP, PAIRWISE_MIN_NEW_TOKENS, PAIRWISE_SCHEMA,
                               VERDICT_CHOICES, pairwise_messages)
from ...judges.verdicts import map_backward, parse_verdict, reconcile
from .mode import JudgeMode
from .records import JudgeRecord
from ...results.records import ExampleError
from ...runner.context import ExampleContext, infer_request

__all__ = ["run_judge_example", "with_images", "FREE_TEXT"]

#: the mode of a judge run without a recipe (``judge.structured: off``, no log-probabilities)
FREE_TEXT = JudgeMode(structured=False, top_logprobs=0)


def with_images(messages: tuple[Message, ...], images: tuple[str, ...]) -> tuple[Message, ...]:
    """The messages with ``images`` on the last user turn (unchanged when there are none)."""
    if not images:
        return messages
    last = max(i for i, m in enumerate(messages) if m.role == "user")
    return messages[:last] + (replace(messages[last], images=tuple(images)),) + \
        messages[last + 1:]


async def _judge_pass(sample: JudgeSample, first: str, second: str, ctx: ExampleContext,
                      tag: str, followup: bool, mode: JudgeMode, images: bool = False):
    """Returns (raw text, outcome in the shown positions, problem, latency, cached, error kind
    of a failed request or None, verdict probabilities in the shown positions or None)."""
    messages = pairwise_messages(sample.prompt, first, second, structured=mode.structured)
    if images:
        messages = with_images(messages, sample.images)
    settings = mode.settings(ctx.settings, PAIRWISE_SCHEMA, PAIRWISE_MIN_NEW_TOKENS)
    request = InferenceRequest(messages=messages, settings=settings,
                               example_id=f"{sample.id}:{tag}",
                               extra={"index": sample.index, "pass": tag})
    completion, error, cached, _attempts, latency = await infer_request(sample, request, ctx)
    probs = None
    if completion is None:
        if not (mode.structured and error.kind == "schema" and error.raw is not None):
            return None, "error", f"{error.kind}: {error.message}", latency, False, error.kind, None
        text = error.raw   # off the schema: the parser still reads it (raw text kept)
    else:
        text = completion.text
        if mode.structured:
            probs = verdict_probabilities(text, completion.logprobs, VERDICT_CHOICES)
    outcome, problem = parse_verdict(text, structured=mode.structured)
    if outcome == "error" and followup:
        follow = InferenceRequest(
            messages=messages + (Message("assistant", text), Message("user", FOLLOWUP)),
            settings=ctx.settings, example_id=f"{sample.id}:{tag}:followup",
            extra={"index": sample.index, "pass": tag + "-followup"})
        more, err2, _c, _a, lat2 = await infer_request(sample, follow, ctx)
        latency += lat2
        if more is None:
            return text, "error", f"follow-up: {err2.kind}: {err2.message}", latency, cached, \
                err2.kind, None
        text = f"{text}\n\n[follow-up]\n{more.text}"
        outcome, problem = parse_verdict(more.text, structured=mode.structured)
    if outcome == "error":
        probs = None
    return text, outcome, problem, latency, cached, None, probs


async def run_judge_example(sample: JudgeSample, ctx: ExampleContext, *,
                            followup: bool = False, mode: JudgeMode = FREE_TEXT,
                            images: bool = False) -> JudgeRecord:
    fwd_text, fwd, fwd_problem, lat1, c1, k1, p_fwd = await _judge_pass(
        sample, sample.response_a, sample.response_b, ctx, "forward", followup, mode, images)
    bwd_text, bwd_shown, bwd_problem, lat2, c2, k2, p_bwd_shown = await _judge_pass(
        sample, sample.response_b, sample.response_a, ctx, "backward", followup, mode, images)
    bwd = map_backward(bwd_shown)
    p_bwd = map_probs_backward(p_bwd_shown)
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
        latency_s=round(lat1 + lat2, 6), cached=c1 and c2,
        forward_probs=rounded(p_fwd), backward_probs=rounded(p_bwd),
        verdict_probs=None if outcome == "error" else rounded(mean_probs(p_fwd, p_bwd)),
        images=len(sample.images) if images else 0)
