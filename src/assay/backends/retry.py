"""Retry with exponential backoff and full jitter, for remote model calls.

Only :class:`~assay.errors.GenerationError` with ``retryable=True`` is retried
(rate limits, 5xx, timeouts, connection errors, truncated or invalid bodies). The
server's ``Retry-After`` hint (``GenerationError.retry_after``, seconds) is honoured,
capped by ``RetryPolicy.max_retry_after``. Plain ``TimeoutError`` and
``ConnectionError`` raised by the attempt are treated as retryable ``timeout`` and
``connection`` failures. Anything else propagates at once.

Jitter comes from ``random.Random(seed)`` so tests can reproduce the exact delays.
"""

from __future__ import annotations

import asyncio
import email.utils
import math
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from ..errors import GenerationError

__all__ = ["RetryPolicy", "retry_async", "parse_retry_after", "backoff_delay",
           "RETRYABLE_STATUS", "classify_status"]

T = TypeVar("T")

#: HTTP status codes that are worth another attempt.
RETRYABLE_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry.

    ``max_attempts`` counts the first try (``1`` disables retrying). The n-th retry
    waits ``uniform(0, min(max_delay, base_delay * 2**(n-1)))`` ("full jitter"), or at
    least the server's ``Retry-After`` (up to ``max_retry_after``) when one was given.
    """

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 120.0
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")
        for name in ("base_delay", "max_delay", "max_retry_after"):
            v = getattr(self, name)
            if not math.isfinite(v) or v < 0:
                raise ValueError(f"{name} must be a finite number >= 0")


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Parse a ``Retry-After`` header: delay seconds or an HTTP-date. ``None`` if absent/bad."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:  # HTTP-dates are GMT
        import datetime as _dt
        when = when.replace(tzinfo=_dt.timezone.utc)
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def classify_status(status: int) -> tuple[str, bool]:
    """Map an HTTP error status to ``(GenerationError.kind, retryable)``."""
    if status == 429:
        return "rate_limit", True
    if status == 408:
        return "timeout", True
    if status >= 500:
        return "server", status not in (501, 505)
    return "bad_request", status in RETRYABLE_STATUS


def backoff_delay(retry: int, policy: RetryPolicy, rng: random.Random,
                  retry_after: float | None = None) -> float:
    """Delay before retry number ``retry`` (1-based)."""
    cap = min(policy.max_delay, policy.base_delay * (2.0 ** (retry - 1)))
    delay = rng.uniform(0.0, cap) if cap > 0 else 0.0
    if retry_after is not None:
        delay = max(delay, min(retry_after, policy.max_retry_after))
    return delay


def _as_generation_error(exc: BaseException) -> GenerationError | None:
    if isinstance(exc, GenerationError):
        return exc
    if isinstance(exc, TimeoutError):  # asyncio.TimeoutError is TimeoutError on 3.11+
        return GenerationError("timeout", f"request timed out ({exc.__class__.__name__})",
                               retryable=True)
    if isinstance(exc, ConnectionError):
        return GenerationError("connection", f"connection failed: {exc}", retryable=True)
    return None


async def retry_async(
    attempt: Callable[[], Awaitable[T]],
    policy: RetryPolicy | None = None,
    *,
    rng: random.Random | None = None,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    on_retry: Callable[[int, GenerationError, float], object] | None = None,
) -> tuple[T, int]:
    """Run ``attempt()`` until it succeeds or retrying stops making sense.

    Returns ``(result, attempts)``. On final failure the last
    :class:`GenerationError` is raised with ``attempts`` set on it (and its message
    mentions the attempt count when more than one was made); attempts an inner loop
    already recorded on the error are added, so nesting does not lose the count. ``on_retry(n, err, delay)``
    is called before each sleep.
    """
    policy = policy or RetryPolicy()
    rng = rng if rng is not None else random.Random(policy.seed)
    n = 0
    while True:
        n += 1
        try:
            return await attempt(), n
        except Exception as exc:  # noqa: BLE001 - filtered right below
            err = _as_generation_error(exc)
            if err is None:
                raise
            if not err.retryable or n >= policy.max_attempts:
                # An inner retry loop (a backend that retries itself) may already have counted.
                err.attempts = n - 1 + int(getattr(err, "attempts", 1))  # type: ignore[attr-defined]
                if n > 1 and "attempts)" not in err.message:
                    err.message = f"{err.message} (gave up after {n} attempts)"
                    err.args = (err.message,)
                if err is exc:
                    raise
                raise err from exc
            delay = backoff_delay(n, policy, rng, err.retry_after)
            if on_retry is not None:
                on_retry(n, err, delay)
            await sleep(delay)
