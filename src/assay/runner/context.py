"""What every task's per-example coroutine gets: the backend, the generation settings, the
concurrency bound, the retry policy and the response cache, plus the task's own per-run
state (``ctx.task``); and the one way to ask the model (:func:`infer_request`).

Every *expected* failure is recorded on the example (stage, kind, message, raw text): a
model or server error (:class:`GenerationError`), a user processor or scorer that raises, an
unparseable judge output. Anything else is a bug and aborts the run.
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
from ..backends.structured import reply_problem
from ..backends.types import Completion, GenerationSettings, InferenceRequest
from ..errors import GenerationError
from ..results.records import ExampleError

__all__ = ["ExampleContext", "infer_request", "call_with_retry"]


@dataclass
class ExampleContext:
    backend: Backend
    settings: GenerationSettings
    semaphore: asyncio.Semaphore
    retry: RetryPolicy
    cache: ResponseCache | None = None
    identity: dict | None = None
    rng: random.Random | None = None   # backoff jitter, shared by the run (seeded)
    task: Any = None                   # the task's per-run state (RunSpec.state)


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
            return _conforming(hit, request, True, 0, 0.0)
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
    # let the request waiting for the freed slot go out before this example is scored and
    # written (at low concurrency that work would otherwise delay every request; PERF-2).
    # Not for a model computing on this machine's cores (local llama.cpp, hf): its next
    # generation would overlap the scoring here, and llama.cpp's spinning threads stall
    # when a core is taken (two local jobs of the SDK example went from 11 s to 110 s).
    # Nor for an instant one (mock, byoi): no request of it is ever waiting on the network
    backend = ctx.backend
    if not (getattr(backend, "compute_bound", False) or getattr(backend, "instant", False)):
        await asyncio.sleep(0)
    if key is not None:
        ctx.cache.put(key, completion)
    return _conforming(completion, request, False, attempts, latency)


def _conforming(completion: Completion, request: InferenceRequest, cached: bool, attempts: int,
                latency: float):
    """The completion, or a ``schema`` error (raw text kept) when the request asked for
    structured output (``settings.response_format``) and the reply does not conform. Checked
    here, once for every backend, whether or not the backend enforced it."""
    fmt = request.settings.response_format
    if fmt is not None:
        problem = reply_problem(completion.text, fmt)
        if problem is not None:
            return None, ExampleError("inference", "schema", problem, completion.text), cached, \
                attempts, latency
    return completion, None, cached, attempts, latency


