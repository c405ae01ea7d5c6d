"""The per-example flow: sample → (preprocessor) → prompt → (cache) → backend → scorer →
(postprocessor) → ExampleRecord.

Every *expected* failure on the way is recorded on the example (stage, kind, message, raw
text): a model or server error (:class:`GenerationError`), a user processor or scorer that
raises, an unparseable judge output. Anything else is a bug and aborts the run.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, replace
from typing import Any

from ..backends.base import Backend
from ..backends.cache import ResponseCache, cache_key
from ..backends.retry import RetryPolicy, retry_async
from ..backends.types import Completion, GenerationSettings, InferenceRequest
from ..data.sample import Sample
from ..errors import GenerationError
from ..prompts.chat import chat_messages
from ..results.records import ExampleError, ExampleRecord
from .scoring import example_scores

__all__ = ["ExampleContext", "run_example", "infer_request", "call_with_retry"]


@dataclass
class ExampleContext:
    backend: Backend
    settings: GenerationSettings
    semaphore: asyncio.Semaphore
    retry: RetryPolicy
    scorer: Any = None
    cache: ResponseCache | None = None
    identity: dict | None = None
    rng: random.Random | None = None   # backoff jitter, shared by the run (seeded)
    processor: Any = None              # a loaded BYOM Processor, or None
    scorers: tuple = ()                # LoadedScorer objects (per-example ones act here)
    preprocess: bool = False
    postprocess: bool = False


def _logprobs_dicts(completion: Completion) -> list[dict] | None:
    if completion.logprobs is None:
        return None
    return [t.to_dict() for t in completion.logprobs]


async def call_with_retry(ctx: ExampleContext, call: Any) -> tuple[Any, int]:
    """``(await call(), attempts)``: the first attempt directly (the retry machinery is only
    paid for on failure), then the run's retry policy on a retryable GenerationError."""
    try:
        return await call(), 1
    except GenerationError as first:
        if not first.retryable or ctx.retry.max_attempts <= 1:
            raise
        await asyncio.sleep(0)
        result, more = await retry_async(
            call, replace(ctx.retry, max_attempts=ctx.retry.max_attempts - 1), rng=ctx.rng)
        return result, 1 + more


async def infer_request(sample: object, request: InferenceRequest,
                 ctx: ExampleContext) -> tuple[Completion | None, ExampleError | None, bool, int,
                                               float]:
    """Returns (completion, error, cached, attempts, latency); latency counts only the time
    the request held a concurrency slot, not the time it queued for one."""
    key = None
    if ctx.cache is not None and ctx.backend.cacheable:
        key = cache_key(ctx.identity or ctx.backend.identity(), request)
        hit = ctx.cache.get(key)
        if hit is not None:
            return hit, None, True, 0, 0.0
    try:
        async with ctx.semaphore:
            t0 = time.perf_counter()
            completion, attempts = await call_with_retry(
                ctx, lambda: ctx.backend.generate(request))
    except GenerationError as exc:   # an expected model failure: data on the example
        return None, ExampleError("inference", exc.kind, exc.message, exc.raw), False, \
            getattr(exc, "attempts", 1), time.perf_counter() - t0
    # anything else is a bug (in assay or a backend) and aborts the run
    latency = time.perf_counter() - t0
    if key is not None:
        ctx.cache.put(key, completion)
    return completion, None, False, attempts, latency


async def _preprocess(sample: Sample, ctx: ExampleContext) -> tuple[Sample, ExampleError | None]:
    """The preprocess response replaces ``system``, ``prompt`` (the query) and ``gold``."""
    from ..processors.errors import ProcessorError

    try:
        body = await ctx.processor.preprocess(
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
    from ..processors.errors import ProcessorError

    try:
        results = await ctx.processor.postprocess(
            {"prompt": sample.query, "inference_output": text, "gold": sample.gold})
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
    if ctx.preprocess and ctx.processor is not None:
        sample, pre_error = await _preprocess(sample, ctx)
    messages = chat_messages(sample.query, sample.system)
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
        metrics, state = ctx.scorer.score(completion.text, sample.gold)
        if ctx.scorers:
            try:   # scorer plugins and presets run on user data: a failure is the example's
                example_scores(ctx.scorers, completion.text, sample.gold, sample.metadata,
                               metrics)
            except Exception as exc:
                error = ExampleError("scoring", "scorer", f"{type(exc).__name__}: {exc}",
                                     completion.text)
        if error is None and ctx.postprocess and ctx.processor is not None:
            error = await _postprocess(sample, completion.text, ctx, metrics)
    return ExampleRecord(
        index=sample.index, id=sample.id, query=sample.query, gold=sample.gold,
        system=sample.system, metadata_raw=sample.metadata_raw, metadata=sample.metadata,
        messages=[m.to_dict() for m in messages],
        prediction=None if completion is None else completion.text,
        logprobs=None if completion is None else _logprobs_dicts(completion),
        metrics=metrics, metric_state=state, error=error, latency_s=round(latency, 6),
        input_tokens=None if completion is None else completion.input_tokens,
        output_tokens=None if completion is None else completion.output_tokens,
        finish_reason=None if completion is None else completion.finish_reason,
        cached=cached, attempts=attempts, images=len(sample.images))
