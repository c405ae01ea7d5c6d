"""Unit tests of the retry loop: backoff, jitter, Retry-After, bounded attempts."""

from __future__ import annotations

import asyncio
import email.utils
import random

import pytest

from assay.backends.retry import (RetryPolicy, backoff_delay, classify_status,
                                  parse_retry_after, retry_async)
from assay.errors import GenerationError


def run(coro):
    return asyncio.run(coro)


class Flaky:
    """Fails with the given errors in order, then returns 'ok'."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, d: float) -> None:
        self.delays.append(d)


def err(kind="server", retryable=True, retry_after=None):
    return GenerationError(kind, f"{kind} failure", retryable=retryable, retry_after=retry_after)


def test_success_first_try_reports_one_attempt():
    assert run(retry_async(Flaky(), RetryPolicy())) == ("ok", 1)


def test_retries_retryable_errors_and_counts_attempts():
    sleeps = Sleeps()
    fn = Flaky(err("rate_limit"), err("server"), err("timeout"))
    result, attempts = run(retry_async(fn, RetryPolicy(seed=1), sleep=sleeps))
    assert (result, attempts, fn.calls) == ("ok", 4, 4)
    assert len(sleeps.delays) == 3


def test_non_retryable_error_raises_at_once():
    sleeps = Sleeps()
    fn = Flaky(err("bad_request", retryable=False))
    with pytest.raises(GenerationError) as ei:
        run(retry_async(fn, RetryPolicy(), sleep=sleeps))
    assert ei.value.kind == "bad_request" and ei.value.attempts == 1
    assert fn.calls == 1 and sleeps.delays == []


def test_attempts_are_bounded():
    sleeps = Sleeps()
    fn = Flaky(*[err("server") for _ in range(10)])
    with pytest.raises(GenerationError) as ei:
        run(retry_async(fn, RetryPolicy(max_attempts=3), sleep=sleeps))
    assert fn.calls == 3 and ei.value.attempts == 3 and len(sleeps.delays) == 2
    assert "3 attempts" in str(ei.value)


def test_max_attempts_one_disables_retrying():
    fn = Flaky(err("server"))
    with pytest.raises(GenerationError):
        run(retry_async(fn, RetryPolicy(max_attempts=1), sleep=Sleeps()))
    assert fn.calls == 1


def test_full_jitter_is_seeded_and_bounded():
    policy = RetryPolicy(max_attempts=8, base_delay=1.0, max_delay=5.0, seed=42)

    def delays():
        s = Sleeps()
        run(retry_async(Flaky(*[err() for _ in range(7)]), policy, sleep=s))
        return s.delays

    first, second = delays(), delays()
    assert first == second  # reproducible with the same seed
    caps = [min(5.0, 1.0 * 2 ** i) for i in range(7)]
    assert all(0 <= d <= c for d, c in zip(first, caps))
    other = RetryPolicy(max_attempts=8, base_delay=1.0, max_delay=5.0, seed=43)
    s = Sleeps()
    run(retry_async(Flaky(*[err() for _ in range(7)]), other, sleep=s))
    assert s.delays != first


def test_retry_after_is_a_floor_and_is_capped():
    policy = RetryPolicy(base_delay=0.01, max_delay=0.01, max_retry_after=10.0, seed=0)
    s = Sleeps()
    run(retry_async(Flaky(err("rate_limit", retry_after=3.0), err("rate_limit", retry_after=999)),
                    policy, sleep=s))
    assert s.delays == [3.0, 10.0]


def test_plain_timeout_and_connection_errors_are_retryable():
    s = Sleeps()
    result, attempts = run(retry_async(Flaky(TimeoutError(), ConnectionResetError("reset")),
                                       RetryPolicy(seed=0), sleep=s))
    assert (result, attempts) == ("ok", 3)


def test_other_exceptions_propagate_unchanged():
    fn = Flaky(KeyError("boom"))
    with pytest.raises(KeyError):
        run(retry_async(fn, RetryPolicy(), sleep=Sleeps()))
    assert fn.calls == 1


def test_on_retry_callback_sees_each_retry():
    seen = []
    run(retry_async(Flaky(err("server"), err("server")), RetryPolicy(seed=3), sleep=Sleeps(),
                    on_retry=lambda n, e, d: seen.append((n, e.kind))))
    assert seen == [(1, "server"), (2, "server")]


def test_real_sleep_is_used_by_default():
    loop_time = []

    async def go():
        t0 = asyncio.get_running_loop().time()
        out = await retry_async(Flaky(err(retry_after=0.05)),
                                RetryPolicy(base_delay=0, max_delay=0, seed=0))
        loop_time.append(asyncio.get_running_loop().time() - t0)
        return out

    assert run(go()) == ("ok", 2)
    assert loop_time[0] >= 0.045


@pytest.mark.parametrize("value,expected", [
    ("5", 5.0), ("0.25", 0.25), (" 7 ", 7.0), ("-3", 0.0), ("", None), (None, None),
    ("soon", None), ("nan", None),
])
def test_parse_retry_after_seconds(value, expected):
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date():
    now = 1_700_000_000.0
    header = email.utils.formatdate(now + 30, usegmt=True)
    assert parse_retry_after(header, now=now) == pytest.approx(30.0, abs=1.0)
    past = email.utils.formatdate(now - 30, usegmt=True)
    assert parse_retry_after(past, now=now) == 0.0


@pytest.mark.parametrize("status,kind,retryable", [
    (429, "rate_limit", True), (500, "server", True), (502, "server", True),
    (503, "server", True), (504, "server", True), (501, "server", False),
    (408, "timeout", True), (400, "bad_request", False), (401, "bad_request", False),
    (404, "bad_request", False), (422, "bad_request", False),
])
def test_classify_status(status, kind, retryable):
    assert classify_status(status) == (kind, retryable)


def test_policy_validation():
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(max_delay=-1)


def test_backoff_delay_grows_then_caps():
    policy = RetryPolicy(base_delay=1.0, max_delay=4.0)

    class Max(random.Random):
        def uniform(self, a, b):
            return b

    assert [backoff_delay(n, policy, Max()) for n in range(1, 6)] == [1.0, 2.0, 4.0, 4.0, 4.0]


def test_nested_loops_add_up_attempts():
    inner_policy = RetryPolicy(max_attempts=3)

    async def inner():
        try:
            return await retry_async(Flaky(*[err() for _ in range(9)]), inner_policy, sleep=Sleeps())
        except GenerationError as e:
            e.retryable = False  # what a self-retrying backend does when it gives up
            raise

    with pytest.raises(GenerationError) as ei:
        run(retry_async(inner, RetryPolicy(max_attempts=5), sleep=Sleeps()))
    assert ei.value.attempts == 3
