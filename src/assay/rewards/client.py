"""``RewardFunction``: calls a reward function through a processor location.

The location is any object with ``invoke(stage, event) -> (payload, text)`` and
``aclose()``: a local file or module (:class:`assay.processors.LocalProcessor`), an HTTP
endpoint (:class:`~assay.processors.HttpProcessor`) or an AWS Lambda function
(:class:`~assay.processors.LambdaProcessor`), exactly as BYOM processors are called. The
presets ``prime_math`` / ``prime_code`` are local handlers (:mod:`.presets`).

A batch is sent in one call. Each sample's outcome is its :class:`RewardResult`, or a
:class:`~assay.processors.ProcessorError` (stage ``reward``, raw answer kept) when the call
failed, the answer broke the contract, or it has no result for the sample's id: one
example's failure, never the run's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..processors.errors import ProcessorError
from .contract import (REWARD, RewardResult, RewardSample, parse_reward_response,
                       request_event)

__all__ = ["RewardFunction"]


class RewardFunction:
    """A reward function at ``location``; ``envelope`` is how a request is sent (``"list"``,
    the bare list Nova's RFT Lambdas read, or ``"batch"``)."""

    def __init__(self, location: Any, *, name: str | None = None,
                 envelope: str = "list") -> None:
        if envelope not in ("list", "batch"):
            raise ValueError("envelope is 'list' or 'batch'")
        self.location = location
        self.name = name or getattr(location, "name", repr(location))
        self.envelope = envelope

    def __repr__(self) -> str:
        return f"RewardFunction({self.name!r})"

    async def score(self, samples: Sequence[RewardSample]
                    ) -> list[RewardResult | ProcessorError]:
        """One outcome per sample, in order (see the module docstring)."""
        ids = [s.id for s in samples]
        if len(set(ids)) != len(ids):
            raise ValueError("sample ids in one reward batch must be unique")
        try:
            payload, text = await self.location.invoke(
                REWARD, request_event(samples, envelope=self.envelope))
            results = parse_reward_response(payload, raw=text)
        except ProcessorError as err:
            failed = err if err.stage == REWARD else ProcessorError(REWARD, err.message,
                                                                    err.raw)
            return [failed for _ in samples]
        by_id: dict[str, RewardResult] = {}
        dupes: set[str] = set()
        for r in results:
            if r.id in by_id:
                dupes.add(r.id)
            by_id[r.id] = r
        out: list[RewardResult | ProcessorError] = []
        for s in samples:
            if s.id in dupes:
                out.append(ProcessorError(REWARD, f"response has several results for id "
                                          f"{s.id!r}", raw=text))
            elif s.id not in by_id:
                out.append(ProcessorError(REWARD, f"response has no result for id {s.id!r}",
                                          raw=text))
            else:
                out.append(by_id[s.id])
        return out

    async def score_one(self, sample: RewardSample) -> RewardResult:
        """The result for one sample; raises its :class:`ProcessorError`."""
        (outcome,) = await self.score([sample])
        if isinstance(outcome, ProcessorError):
            raise outcome
        return outcome

    async def aclose(self) -> None:
        await self.location.aclose()
