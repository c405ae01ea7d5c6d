"""One rubric_llm_judge example: criteria, per-criterion scores and a label, in both orders.

The preference label drives wins, ties and the win rate exactly as in the pairwise judge (same
reconciliation). ``A=B (bothbad)`` is a tie, and is also counted as ``bothbad`` when both passes
say so. Weighted scores are the mean over the passes that parsed (each mapped to the original
positions); the breakdown is the forward pass's (the backward one's when the forward failed).
A structured judge (``judge.structured``) asks for the JSON rubric and reads the label's
verdict probabilities as the pairwise judge does (``bothbad`` counting as a tie).
"""

from __future__ import annotations

from ...backends.types import InferenceRequest
from ...data.llm_judge import JudgeSample
from ...judges.probabilities import map_probs_backward, mean_probs, rounded, verdict_probabilities
from ...judges.rubric import parse_rubric, rubric_messages, swap_positions
from ...judges.rubric_schema import (RUBRIC_LABEL_OUTCOMES, RUBRIC_MIN_NEW_TOKENS, RUBRIC_SCHEMA,
                                     rubric_json_messages)
from ...judges.rubric_scores import breakdown, weighted_scores
from ...judges.verdicts import reconcile
from ..pairwise_judge.mode import JudgeMode
from ..pairwise_judge.pipeline import FREE_TEXT
from ..pairwise_judge.records import RubricRecord
from ...results.records import ExampleError
from ...runner.context import ExampleContext, infer_request

__all__ = ["run_rubric_example"]

_OUTCOME = {"A>B": "A", "B>A": "B", "A=B": "tie", "A=B (bothbad)": "tie"}


async def _pass(sample: JudgeSample, first: str, second: str, ctx: ExampleContext, tag: str,
                mode: JudgeMode):
    if mode.structured:
        messages = rubric_json_messages(sample.prompt, first, second)
        settings = mode.settings(ctx.settings, RUBRIC_SCHEMA, RUBRIC_MIN_NEW_TOKENS)
    else:
        messages = rubric_messages(sample.prompt, first, second)
        settings = mode.settings(ctx.settings, None, 0)
    request = InferenceRequest(messages=messages, settings=settings,
                               example_id=f"{sample.id}:{tag}",
                               extra={"index": sample.index, "pass": tag})
    completion, error, cached, _a, latency = await infer_request(sample, request, ctx)
    probs = None
    if completion is None:
        if not (mode.structured and error.kind == "schema" and error.raw is not None):
            return None, None, f"{error.kind}: {error.message}", latency, False, error.kind, None
        text = error.raw   # off the schema: the parser still reads it (raw text kept)
    else:
        text = completion.text
        if mode.structured:
            probs = verdict_probabilities(text, completion.logprobs, RUBRIC_LABEL_OUTCOMES,
                                          key="label")
    judgment, problem = parse_rubric(text)
    return text, judgment, problem, latency, cached, None, probs if judgment else None


async def run_rubric_example(sample: JudgeSample, ctx: ExampleContext, *,
                             mode: JudgeMode = FREE_TEXT) -> RubricRecord:
    f_text, f_j, f_problem, lat1, c1, k1, p_f = await _pass(
        sample, sample.response_a, sample.response_b, ctx, "forward", mode)
    b_text, b_shown, b_problem, lat2, c2, k2, p_b = await _pass(
        sample, sample.response_b, sample.response_a, ctx, "backward", mode)
    p_b = map_probs_backward(p_b)
    b_j = swap_positions(b_shown) if b_shown is not None else None
    fwd = _OUTCOME[f_j.label] if f_j else "error"
    bwd = _OUTCOME[b_j.label] if b_j else "error"
    outcome = reconcile(fwd, bwd)
    parsed = [j for j in (f_j, b_j) if j is not None]
    wa = wb = margin = None
    if parsed:
        pairs = [weighted_scores(j.criteria) for j in parsed]
        wa = sum(p[0] for p in pairs) / len(pairs)
        wb = sum(p[1] for p in pairs) / len(pairs)
        margin = wa - wb
    main = f_j or b_j
    error = None
    if outcome == "error":
        problems = [f"forward: {f_problem}" if f_j is None else "",
                    f"backward: {b_problem}" if b_j is None else ""]
        kind = k1 or k2 or "unparseable"   # a failed request keeps its kind (retried on resume)
        error = ExampleError("judge", kind, "; ".join(p for p in problems if p),
                             f"[forward]\n{f_text or ''}\n\n[backward]\n{b_text or ''}"[:8000])
    notes = tuple(n for j in parsed for n in j.notes)
    return RubricRecord(
        index=sample.index, id=sample.id, prompt=sample.prompt, response_a=sample.response_a,
        response_b=sample.response_b, metadata_raw=sample.metadata_raw, metadata=sample.metadata,
        human_label=sample.human_label, forward_output=f_text, backward_output=b_text,
        forward_verdict=fwd, backward_verdict=bwd, outcome=outcome,
        consistent=(fwd == bwd and fwd != "error"), error=error, latency_s=round(lat1 + lat2, 6),
        cached=c1 and c2, weighted_score_a=wa, weighted_score_b=wb, score_margin=margin,
        criteria_breakdown=breakdown(main) if main else None,
        overall_justification=main.overall_justification if main else None,
        label=main.label if main else None,
        bothbad=bool(f_j and b_j and f_j.label == b_j.label == "A=B (bothbad)"), notes=notes,
        forward_probs=rounded(p_f), backward_probs=rounded(p_b),
        verdict_probs=None if outcome == "error" else rounded(mean_probs(p_f, p_b)))
