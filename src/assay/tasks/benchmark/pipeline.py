"""The per-item flow of a benchmark: log-likelihood of every choice, or generation and
answer extraction; failures are recorded on the item, never raised."""

from __future__ import annotations

import asyncio
import functools
import time
from dataclasses import replace
from typing import Any

from ...backends.base import can_score_loglikelihood
from ...backends.types import InferenceRequest, LoglikelihoodRequest
from ...benchmarks.base import Benchmark
from ...benchmarks.item import BenchItem
from ...errors import ConfigError, GenerationError
from ...prompts.chat import chat_messages
from .calibration import item_calibration
from .records import BenchRecord
from ...results.records import ExampleError
from ...runner.context import ExampleContext, call_with_retry, infer_request

__all__ = ["choose_method", "run_bench_item"]


def choose_method(benchmark: Benchmark, item: BenchItem, requested: str, backend: Any) -> str:
    """The scoring path for ``item``. ``requested`` is the plan's method, already resolved from
    the recipe's strategy (:mod:`assay.tasks.benchmark.strategy`: a ``*_cot`` strategy asks
    for ``generate``); ``auto`` takes log-likelihood when the benchmark is multiple choice and
    the backend can score continuations, else generation."""
    allowed = getattr(benchmark, "subtask_methods", {}).get(item.subtask, benchmark.methods)
    can_ll = can_score_loglikelihood(backend) and bool(item.choices)
    if requested == "auto":
        if "loglikelihood" in allowed and can_ll:
            return "loglikelihood"
        if "generate" in allowed:
            return "generate"
        raise ConfigError(f"{item.benchmark}{':' + item.subtask if item.subtask else ''} is "
                          f"scored by log-likelihood only, and {backend.name} cannot score "
                          "continuations (use a local model or an OpenAI-compatible completions "
                          "endpoint with -M loglikelihood=true)", field="assay.benchmark.method")
    if requested not in allowed:
        raise ConfigError(f"{item.benchmark}{':' + item.subtask if item.subtask else ''} cannot be "
                          f"scored by {requested} (it supports: {', '.join(allowed)})",
                          field="assay.benchmark.method")
    if requested == "loglikelihood" and not can_ll:
        raise ConfigError(f"{backend.name} cannot score continuations by log-likelihood; use "
                          "method generate or auto", field="assay.benchmark.method")
    return requested


def _base_record(item: BenchItem, method: str, system: str | None, prompt: str) -> BenchRecord:
    gold = item.answer
    if (method == "loglikelihood" or not gold) and 0 <= item.gold_index < len(item.choices):
        gold = item.choices[item.gold_index]
    return BenchRecord(index=item.index, id=item.id, benchmark=item.benchmark,
                       subtask=item.subtask, question=item.question, method=method,
                       system=system, prompt=prompt, choices=list(item.choices),
                       gold_index=item.gold_index, gold_indices=list(item.golds), gold=gold,
                       fewshot=item.fewshot)


async def _loglikelihood(item: BenchItem, ctx: ExampleContext, benchmark: Benchmark,
                         system: str | None) -> BenchRecord:
    prefix = (system.rstrip() + "\n\n") if system else ""
    pairs = [(prefix + c, x) for c, x in item.ll_pairs()]
    rec = _base_record(item, "loglikelihood", system, pairs[0][0] if pairs else "")
    requests = [LoglikelihoodRequest(c, x) for c, x in pairs]
    t0 = time.perf_counter()
    try:
        async with ctx.semaphore:
            t0 = time.perf_counter()
            results, attempts = await call_with_retry(
                ctx, lambda: ctx.backend.loglikelihood(requests))
    except GenerationError as exc:
        return replace(rec, error=ExampleError("inference", exc.kind, exc.message, exc.raw),
                       latency_s=round(time.perf_counter() - t0, 6),
                       attempts=getattr(exc, "attempts", 1))
    latency = round(time.perf_counter() - t0, 6)
    lls = [r.logprob for r in results]
    greedy = [r.greedy for r in results]
    rec = replace(rec, loglikelihoods=lls, greedy=greedy, n_tokens=[r.n_tokens for r in results],
                  latency_s=latency, attempts=attempts)
    scored = benchmark.score_loglikelihood(item, lls, greedy)   # assay's code: a bug aborts
    pred = scored.get("pred_index")
    metrics = {k: float(v) for k, v in scored["metrics"].items()}
    primary = metrics.get(benchmark.metrics[0]) if benchmark.metrics[0] in metrics else \
        next(iter(metrics.values()), None)
    correct = None if primary is None or primary not in (0.0, 1.0) else bool(primary)
    extracted = item.choices[pred] if pred is not None and 0 <= pred < len(item.choices) else None
    probs, confidence = item_calibration(lls, pred)   # softmax over the raw-sum lls (acc's)
    return replace(rec, pred_index=pred, pred_index_norm=scored.get("pred_index_norm"),
                   extracted=extracted, correct=correct, metrics=metrics,
                   choice_probs=probs, confidence=confidence)


async def _generate(item: BenchItem, ctx: ExampleContext, benchmark: Benchmark,
                    system: str | None, samples: int = 1,
                    pass_k: tuple[int, ...] = (1,)) -> BenchRecord:
    """Generation: ``samples`` completions (pass@k, ``assay.benchmark.samples``), scored by
    the benchmark's ``score_generations``; any failed sample fails the item."""
    messages = chat_messages(item.prompt, system)
    if item.images:   # multimodal items (MMMU): the images go with the user message
        if not getattr(ctx.backend, "supports_images", False):
            raise ConfigError(f"{item.benchmark} items carry images and backend "
                              f"{ctx.backend.name} cannot take images; use a multimodal "
                              "backend", field="assay.model")
        messages = (*messages[:-1], replace(messages[-1], images=tuple(item.images)))
    rec = _base_record(item, "generate", system, item.prompt)
    if samples > 1 and ctx.settings.temperature <= 0:
        raise ConfigError(f"assay.benchmark.samples={samples} needs sampling: set "
                          "inference.temperature > 0 (Chen et al. used 0.2 for pass@1, 0.8 "
                          "for pass@100)", field="inference.temperature")
    # sample j is seeded seed + j (sample 0 is the single-sample request, cache key included)
    requests = [InferenceRequest(messages=messages, example_id=item.id,
                                 settings=replace(ctx.settings, seed=ctx.settings.seed + j),
                                 extra={"index": item.index, "gold": item.answer,
                                        **({"sample": j} if samples > 1 else {})})
                for j in range(samples)]
    outs = await asyncio.gather(*(infer_request(item, r, ctx) for r in requests))
    error = next((o[1] for o in outs if o[1] is not None), None)
    rec = replace(rec, error=error, cached=all(o[2] for o in outs),
                  attempts=sum(o[3] for o in outs), latency_s=round(sum(o[4] for o in outs), 6))
    completions = [o[0] for o in outs]
    if error is not None or any(c is None for c in completions):
        return rec
    first = completions[0]
    out_tokens = [c.output_tokens for c in completions]
    rec = replace(rec, prediction=first.text, input_tokens=first.input_tokens,
                  output_tokens=None if None in out_tokens else sum(out_tokens),
                  finish_reason=first.finish_reason)
    texts = [c.text for c in completions]
    score = functools.partial(benchmark.score_generations, item, texts, pass_k)
    # assay's code: a bug aborts
    scored = await asyncio.to_thread(score) if benchmark.score_in_thread else score()
    judge = getattr(ctx.task, "judge_generation", None)   # a judged benchmark: judging.py
    if judge is not None and getattr(benchmark, "judged", False):
        judged, judge_error = await judge(benchmark, item, texts[0], ctx)
        if judge_error is not None:
            return replace(rec, error=judge_error)
        scored = judged
    metrics = {k: float(v) for k, v in scored["metrics"].items()}
    primary = next(iter(metrics.values()), None)
    per_sample = None if samples == 1 else \
        [dict(s, text=t) for s, t in zip(scored.get("samples") or [{}] * samples, texts)]
    return replace(rec, extracted=scored.get("extracted"), metrics=metrics,
                   correct=None if primary is None or primary not in (0.0, 1.0)
                   else bool(primary), samples=per_sample)


async def run_bench_item(item: BenchItem, ctx: ExampleContext, *, benchmark: Benchmark,
                         method: str, system: str | None, samples: int = 1,
                         pass_k: tuple[int, ...] = (1,)) -> BenchRecord:
    """One benchmark item through the chosen scoring path (``samples`` generations)."""
    chosen = choose_method(benchmark, item, method, ctx.backend)
    if chosen == "loglikelihood":
        return await _loglikelihood(item, ctx, benchmark, system)
    return await _generate(item, ctx, benchmark, system, samples, pass_k)
