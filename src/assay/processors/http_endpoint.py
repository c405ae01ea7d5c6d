"""A processor behind an HTTP(S) endpoint (``processor.url``).

Each event is POSTed as JSON; the answer must be the Lambda response JSON
(``{"statusCode": 200, "body": ...}``, ``body`` possibly a JSON string as API Gateway
sends it). Timeouts, connection errors, 408/429/5xx answers are retried with
:func:`assay.backends.retry.retry_async` (honouring ``Retry-After``); other 4xx answers and
invalid responses are not. Whatever finally fails is a :class:`ProcessorError`.
"""

from __future__ import annotations

import json
import random
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from anyio.lowlevel import RunVar

from ..backends.retry import (
    RetryPolicy,
    classify_status,
    parse_retry_after,
    retry_async,
)
from ..errors import ConfigError, GenerationError
from .base import (
    EventProcessor,
    error_detail,
    parse_response,
)
from .errors import ProcessorError, Stage

__all__ = ["HttpProcessor", "DEFAULT_TIMEOUT"]

#: Seconds allowed for one request (Lambda's own limit is 900).
DEFAULT_TIMEOUT = 60.0
_LOOPBACK = {"localhost", "127.0.0.1", "::1"}


def _display(url: str) -> str:
    """The URL without ``user:password@`` and query string (they may hold secrets)."""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if ":" in netloc:
        netloc = f"[{netloc}]"
    if parts.port is not None:
        netloc = f"{netloc}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class HttpProcessor(EventProcessor):
    """POSTs each event to ``url``; ``headers`` are added to every request."""

    def __init__(self, url: str, *, timeout: float = DEFAULT_TIMEOUT,
                 retry: RetryPolicy | None = None,
                 headers: dict[str, str] | None = None) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"processor url must be http(s)://host/...: {_display(url)!r}",
                              field="processor.url")
        if not timeout > 0:
            raise ValueError("timeout must be > 0")
        self.url = url
        self.display_url = _display(url)
        self.name = f"http:{self.display_url}"
        self.timeout = float(timeout)
        self.retry = retry or RetryPolicy()
        self.headers = {"content-type": "application/json", **(headers or {})}
        self._trust_env = parts.hostname not in _LOOPBACK
        self._rng = random.Random(self.retry.seed)
        # one client per event loop (a client belongs to the loop that opened its connections)
        self._client: RunVar[httpx.AsyncClient] = RunVar(f"assay-http-{id(self)}")

    def __repr__(self) -> str:
        return f"HttpProcessor({self.display_url!r})"

    def _get_client(self) -> httpx.AsyncClient:
        client = self._client.get(None)
        if client is None or client.is_closed:
            timeout = httpx.Timeout(self.timeout, connect=min(10.0, self.timeout))
            client = httpx.AsyncClient(timeout=timeout, follow_redirects=False,
                                       trust_env=self._trust_env)
            self._client.set(client)
        return client

    async def _attempt(self, stage: Stage, body: bytes) -> tuple[Any, str]:
        client = self._get_client()
        where = self.display_url
        try:
            resp = await client.post(self.url, content=body, headers=self.headers)
        except httpx.TimeoutException as exc:
            raise GenerationError("timeout", f"request to {where} timed out after "
                                  f"{self.timeout:g}s ({type(exc).__name__})",
                                  retryable=True) from None
        except (httpx.TransportError, OSError) as exc:
            raise GenerationError("connection", f"cannot reach {where} "
                                  f"({type(exc).__name__}: {exc})", retryable=True) from None
        text = resp.text
        status = resp.status_code
        try:
            payload = json.loads(text)
        except ValueError:
            payload = None
        if status >= 400:
            kind, retryable = classify_status(status)
            retry_after = (parse_retry_after(resp.headers.get("retry-after"))
                           if status in (429, 503) else None)
            detail = error_detail(payload if payload is not None else text)
            raise GenerationError(kind, f"HTTP {status} from {where}"
                                  + (f": {detail}" if detail else ""), raw=text,
                                  retryable=retryable, retry_after=retry_after, status=status)
        if payload is None:
            raise ProcessorError(stage, f"HTTP {status} from {where}: response is not JSON",
                                 raw=text)
        return payload, text

    async def invoke(self, stage: Stage, event: Any) -> tuple[Any, str]:
        """POST ``event`` (any JSON value) with retries; return the answer's JSON value and
        its text, unchecked. Transport failures and non-JSON answers are ProcessorErrors."""
        body = json.dumps(event, ensure_ascii=False).encode("utf-8")
        try:
            (payload, text), _ = await retry_async(lambda: self._attempt(stage, body),
                                                   self.retry, rng=self._rng)
        except GenerationError as err:
            raise ProcessorError(stage, err.message, raw=err.raw) from None
        return payload, text

    async def _send(self, stage: Stage, event: dict) -> Any:
        payload, text = await self.invoke(stage, event)
        return parse_response(stage, payload, raw=text)


    async def aclose(self) -> None:
        """Close this event loop's HTTP client (those of finished loops died with them)."""
        client = self._client.get(None)
        if client is not None and not client.is_closed:
            await client.aclose()
