"""gen_qa, one example: sample → (preprocessor) → prompt → (cache) → backend → metrics and
scorers → (postprocessor) → ExampleRecord. ``ctx.task`` is the run's :class:`GenQAState`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ...analysis.confidence import example_confidence
from ...backends.types import Completion, InferenceRequest
from ...data.sample import Sample
from ...prompts.chat import chat_messages, messages_record
from ...results.records import ExampleError, ExampleRecord
from ...runner.context import ExampleContext, infer_request
from .scoring import example_scores

__all__ = ["GenQAState", "run_example"]


@dataclass(frozen=True)
class GenQAState:
    """What every gen_qa example of a run shares."""

    scorer: Any                        # the built-in metrics (metrics.GenQAScorer)
    processor: Any = None              # a loaded BYOM Processor, or None
    scorers: tuple = ()                # LoadedScorer objects (per-example ones act here)
    preprocess: bool = False
    postprocess: bool = False
    label_field: str | None = None     # assay.calibration.label_field (confidence's label)


def _logprobs_dicts(completion: Completion) -> list[dict] | None:
    if completion.logprobs is None:
        return None
    return [t.to_dict() for t in completion.logprobs]


def _confidence(completion: Completion | None, logprobs: list[dict] | None,
                ctx: ExampleContext) -> dict | None:
    if completion is None:
        return None
    return example_confidence(logprobs, completion.text, ctx.settings.response_format,
                              getattr(ctx.task, "label_field", None)).to_dict()


async def _preprocess(sample: Sample, ctx: ExampleContext) -> tuple[Sample, ExampleError | None]:
    """The preprocess response replaces ``system``, ``prompt`` (the query) and ``gold``."""
    from ...processors.errors import ProcessorError

    try:
        body = await ctx.task.processor.preprocess(
            {"system": sample.system, "prompt": sample.query, "gold": sample.gold})
    except ProcessorError as exc:
        return sample, ExampleError("preprocess", "processor", exc.message, exc.raw)
    except Exception as exc:  # a processor bug is data too
        return sample, ExampleError("preprocess", "exception", f"{type(exc).__name__}: {exc}")
    return replace(sample, system=body.get("system"), query=body["prompt"],
                   gold=body["gold"]), None


async def _postprocess(sample: Sample, text: str, ctx: ExampleContext,
                       metrics: dict[str, float]) -> ExampleError | None:
    """Custom metrics join the built-in ones; a name that clashes becomes ``custom:<name>``."""
    from ...processors.errors import ProcessorError

    try:
        results = await ctx.task.processor.postprocess(
            {"prompt": sample.query, "inference_output": text, "gold": sample.gold,
             "id": sample.id, "system": sample.system})   # id, system: RFT rewards only
    except ProcessorError as exc:
        return ExampleError("postprocess", "processor", exc.message, exc.raw)
    except Exception as exc:
        return ExampleError("postprocess", "exception", f"{type(exc).__name__}: {exc}")
    builtin = set(metrics)
    for item in results:
        name = str(item["metric"])
        metrics[f"custom:{name}" if name in builtin else name] = float(item["value"])
    return None


async def run_example(sample: Sample, ctx: ExampleContext) -> ExampleRecord:
    pre_error = None
    if ctx.task.preprocess and ctx.task.processor is not None:
        sample, pre_error = await _preprocess(sample, ctx)
    messages = chat_messages(sample.query, sample.system, sample.images)
    request = InferenceRequest(messages=messages, settings=ctx.settings, example_id=sample.id,
                               precomputed=sample.prediction,
                               extra={"index": sample.index, "gold": sample.gold})
    completion, error, cached, attempts, latency = None, pre_error, False, 0, 0.0
    if pre_error is None:
        completion, error, cached, attempts, latency = await infer_request(sample, request, ctx)
    metrics: dict[str, float] = {}
    state: dict[str, list[float]] = {}
    if completion is not None and completion.text is None:
        error = ExampleError("inference", "empty_response", "the model returned no content")
        completion = None
    if completion is not None:
        # the built-in metrics are assay's own code: an exception there is a bug and aborts
        metrics, state = ctx.task.scorer.score(completion.text, sample.gold)
        if ctx.task.scorers:
            try:   # scorer plugins and presets run on user data: a failure is the example's
                example_scores(ctx.task.scorers, completion.text, sample.gold, sample.metadata,
                               metrics)
            except Exception as exc:
                error = ExampleError("scoring", "scorer", f"{type(exc).__name__}: {exc}",
                                     completion.text)
        if error is None and ctx.task.postprocess and ctx.task.processor is not None:
            error = await _postprocess(sample, completion.text, ctx, metrics)
    logprobs = None if completion is None else _logprobs_dicts(completion)
    return ExampleRecord(
        index=sample.index, id=sample.id, query=sample.query, gold=sample.gold,
        system=sample.system, metadata_raw=sample.metadata_raw, metadata=sample.metadata,
        messages=messages_record(messages),   # image payloads stay out (counted in images)
        prediction=None if completion is None else completion.text,
        logprobs=logprobs, confidence=_confidence(completion, logprobs, ctx),
        metrics=metrics, metric_state=state, error=error, latency_s=round(latency, 6),
        input_tokens=None if completion is None else completion.input_tokens,
        output_tokens=None if completion is None else completion.output_tokens,
        finish_reason=None if completion is None else completion.finish_reason,
        cached=cached, attempts=attempts, images=len(sample.images))
