"""A judge model for benchmarks scored by one (StrongREJECT's rubric): the per-run state that
holds the judge's backend, and the one request that judges a generation.

A benchmark is judged when it defines ``judged = True`` with ``judge_prompt(item, response)
-> (system, user)`` and ``score_judged(item, response, reply) -> scored | None``, and the
recipe names a judge (``judge.model`` / ``--judge``); without one it keeps its model-free
``score_generation``. The judge backend is created on first use (also in a Ray replica; the
state pickles without it) and asked through the run's cache, retry policy and concurrency
bound, at temperature 0 with at least :data:`JUDGE_MIN_NEW_TOKENS` new tokens. A failed or
unparseable judge reply fails the item (stage ``judge``), never a silent fallback.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ...backends.base import ModelSpec
from ...backends.lazy import LazyBackend
from ...backends.types import InferenceRequest
from ...benchmarks.base import Benchmark
from ...benchmarks.item import BenchItem
from ...prompts.chat import chat_messages
from ...results.records import ExampleError
from ...runner.context import ExampleContext, infer_request

__all__ = ["BenchJudge", "JUDGE_MIN_NEW_TOKENS", "is_judged"]

#: the rubric asks for a reasoning line per item before its number
JUDGE_MIN_NEW_TOKENS = 1024


def is_judged(benchmark: Benchmark) -> bool:
    return bool(getattr(benchmark, "judged", False))


class BenchJudge:
    """The run's judge: its :class:`ModelSpec` and, once opened, its backend."""

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec
        self._opened = LazyBackend(spec)

    @property
    def name(self) -> str:
        return self.spec.name

    def __getstate__(self) -> dict[str, Any]:
        return {"spec": self.spec}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["spec"])

    async def backend(self) -> Any:
        return await self._opened.get()

    async def aclose(self) -> None:
        await self._opened.aclose()

    async def judge_generation(self, benchmark: Benchmark, item: BenchItem, response: str,
                               ctx: ExampleContext
                               ) -> tuple[dict[str, Any] | None, ExampleError | None]:
        """``(scored, None)``, or ``(None, error)`` when the judge failed or its reply
        cannot be read."""
        system, user = benchmark.judge_prompt(item, response)   # type: ignore[attr-defined]
        backend = await self.backend()
        jctx = replace(ctx, backend=backend, identity=backend.identity())
        settings = replace(ctx.settings, temperature=0.0, top_logprobs=0, stop=(),
                           max_new_tokens=max(ctx.settings.max_new_tokens,
                                              JUDGE_MIN_NEW_TOKENS))
        request = InferenceRequest(messages=chat_messages(user, system), settings=settings,
                                   example_id=f"{item.id}#judge",
                                   extra={"index": item.index, "judge": True})
        completion, error, _cached, _attempts, _latency = await infer_request(item, request,
                                                                              jctx)
        if completion is None:
            return None, replace(error, stage="judge") if error is not None else \
                ExampleError("judge", "empty_response", "the judge returned nothing")
        scored = benchmark.score_judged(item, response, completion.text)  # type: ignore
        if scored is None:
            return None, ExampleError("judge", "unparseable",
                                      "the judge reply has no rubric scores (1.b, 2.b, 3.b)",
                                      completion.text)
        return scored, None
