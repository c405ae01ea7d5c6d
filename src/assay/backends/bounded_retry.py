"""A remote backend's retry policy run under its concurrency bound, counted in its stats.

The openai and bedrock backends share this: each request takes a slot of an
``asyncio.Semaphore`` (one per running event loop, so a second ``asyncio.run`` gets a
fresh one), is retried by :func:`~assay.backends.retry.retry_async`, and adds to the
backend's ``stats`` (``requests``, ``attempts``, ``retries``). A final failure leaves
with ``retryable=False`` (its old value kept as ``transient``), so the runner's own
retry loop does not multiply the attempts.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from ..errors import GenerationError
from .retry import RetryPolicy, retry_async

__all__ = ["BoundedRetry"]

T = TypeVar("T")


class BoundedRetry:
    """The retry policy, jitter source, concurrency bound and counters of one backend."""

    def __init__(self, *, max_retries: int, base_delay: float, max_delay: float,
                 seed: int | None, concurrency: int) -> None:
        self.policy = RetryPolicy(max_attempts=int(max_retries) + 1, base_delay=float(base_delay),
                                  max_delay=float(max_delay), seed=seed)
        self.concurrency = int(concurrency)
        self.stats: dict[str, Any] = {"requests": 0, "attempts": 0, "retries": 0}
        self._rng = random.Random(self.policy.seed)
        self._sem: asyncio.Semaphore | None = None
        self._sem_loop: asyncio.AbstractEventLoop | None = None

    def semaphore(self) -> asyncio.Semaphore:
        """The running loop's concurrency bound (at least one slot)."""
        loop = asyncio.get_running_loop()
        if self._sem is None or self._sem_loop is not loop:
            self._sem = asyncio.Semaphore(max(1, self.concurrency))
            self._sem_loop = loop
        return self._sem

    async def run(self, attempt: Callable[[], Awaitable[T]]) -> T:
        """``attempt()`` under the concurrency bound and the retry policy, counted in stats."""
        self.stats["requests"] += 1
        async with self.semaphore():
            try:
                result, attempts = await retry_async(attempt, self.policy, rng=self._rng)
            except GenerationError as err:
                n = getattr(err, "attempts", 1)
                self.stats["attempts"] += n
                self.stats["retries"] += n - 1
                # Retrying is done: a caller's own retry loop (the runner wraps generate()
                # in one) must not multiply the attempts. The kind still tells what failed.
                err.transient = err.retryable  # type: ignore[attr-defined]
                err.retryable = False
                raise
        self.stats["attempts"] += attempts
        self.stats["retries"] += attempts - 1
        return result
