"""A processor deployed as an AWS Lambda function (``processor.lambda_arn``).

Each event is sent with ``lambda.invoke(FunctionName=arn, Payload=json)`` from a worker
thread, in the region named by the ARN. A ``FunctionError`` in the answer (an exception in
the function) is a :class:`ProcessorError` carrying the function's ``errorType`` and
``errorMessage``. Throttling, service errors and connection failures are retried with
:func:`assay.backends.retry.retry_async` (botocore's own retries are off). ``boto3`` is
imported when the processor is created; without it :class:`~assay.errors.MissingDependency`.
"""

from __future__ import annotations

import json
import random
import threading
from typing import Any

import anyio.to_thread

from ..backends.retry import RetryPolicy, retry_async
from ..errors import ConfigError, GenerationError, MissingDependency
from .base import (
    EventProcessor,
    error_detail,
    parse_response,
)
from .errors import ProcessorError, Stage

__all__ = ["LambdaProcessor", "region_of", "RETRYABLE_CODES"]

#: Lambda error codes worth another attempt.
RETRYABLE_CODES = frozenset({
    "TooManyRequestsException", "ServiceException", "ResourceNotReadyException",
    "ResourceConflictException", "EC2ThrottledException", "ThrottlingException",
    "RequestTimeout", "RequestTimeoutException",
})
#: Seconds to wait for an answer: Lambda's longest run (900 s) plus a margin.
READ_TIMEOUT = 910.0


def region_of(function: str) -> str | None:
    """The region of a Lambda ARN (``arn:aws:lambda:<region>:<account>:function:<name>``)."""
    parts = function.split(":")
    if parts[0] != "arn":
        return None
    if len(parts) < 7 or parts[2] != "lambda" or parts[5] != "function" or not parts[3]:
        raise ConfigError(f"not a Lambda function ARN: {function!r}",
                          field="processor.lambda_arn")
    return parts[3]


def _boto3():
    try:
        import boto3
    except ImportError:
        raise MissingDependency("boto3", "aws", "AWS Lambda processors") from None
    return boto3


class LambdaProcessor(EventProcessor):
    """Invokes the Lambda function ``function`` (an ARN or a name) once per event.

    ``client`` replaces the boto3 client (tests pass one wrapped in botocore's ``Stubber``).
    """

    def __init__(self, function: str, *, retry: RetryPolicy | None = None,
                 client: Any = None, region: str | None = None) -> None:
        self.function = function
        self.region = region or region_of(function)
        self.name = f"lambda:{function}"
        self.retry = retry or RetryPolicy()
        self._rng = random.Random(self.retry.seed)
        self._client = client
        self._lock = threading.Lock()
        if client is None:
            _boto3()  # fail at load time, not on the first example

    def __repr__(self) -> str:
        return f"LambdaProcessor({self.function!r})"

    def _get_client(self) -> Any:
        with self._lock:
            if self._client is None:
                from botocore.config import Config

                config = Config(retries={"total_max_attempts": 1}, connect_timeout=10,
                                read_timeout=READ_TIMEOUT)
                self._client = _boto3().client("lambda", region_name=self.region,
                                               config=config)
            return self._client

    def _invoke(self, body: bytes) -> tuple[str | None, str]:
        resp = self._get_client().invoke(FunctionName=self.function,
                                         InvocationType="RequestResponse", Payload=body)
        payload = resp.get("Payload")
        raw = payload.read() if hasattr(payload, "read") else (payload or b"")
        text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)
        return resp.get("FunctionError"), text

    async def _attempt(self, stage: Stage, body: bytes) -> tuple[str | None, str]:
        import botocore.exceptions as bx

        try:
            return await anyio.to_thread.run_sync(self._invoke, body)
        except bx.ClientError as exc:
            raise _client_error(exc, self.function) from None
        except (bx.ConnectionError, bx.HTTPClientError) as exc:
            raise GenerationError("connection", f"cannot reach Lambda ({self.function}): "
                                  f"{exc}", retryable=True) from None
        except bx.BotoCoreError as exc:  # no credentials, no region, bad parameters
            raise ProcessorError(stage, f"cannot invoke {self.function}: "
                                 f"{type(exc).__name__}: {exc}") from None

    async def invoke(self, stage: Stage, event: Any) -> tuple[Any, str]:
        """Invoke the function with ``event`` (any JSON value) and retries; return the answer's
        JSON value and its text, unchecked. A function error, a failed invoke or a non-JSON
        payload is a ProcessorError."""
        body = json.dumps(event, ensure_ascii=False).encode("utf-8")
        try:
            (function_error, text), _ = await retry_async(lambda: self._attempt(stage, body),
                                                          self.retry, rng=self._rng)
        except GenerationError as err:
            raise ProcessorError(stage, err.message, raw=err.raw) from None
        try:
            payload = json.loads(text)
        except ValueError:
            payload = None
        if function_error:
            detail = error_detail(payload if payload is not None else text)
            raise ProcessorError(stage, f"Lambda function error ({function_error})"
                                 + (f": {detail}" if detail else ""), raw=text)
        if payload is None:
            raise ProcessorError(stage, "Lambda response payload is not JSON", raw=text)
        return payload, text

    async def _send(self, stage: Stage, event: dict) -> Any:
        payload, text = await self.invoke(stage, event)
        return parse_response(stage, payload, raw=text)


    async def aclose(self) -> None:
        """Close the boto3 client's connections."""
        client, self._client = self._client, None
        close = getattr(client, "close", None)
        if callable(close):
            close()


def _client_error(exc: Any, function: str) -> GenerationError:
    err = exc.response.get("Error", {}) if isinstance(exc.response, dict) else {}
    code = str(err.get("Code", ""))
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    retryable = code in RETRYABLE_CODES or status == 429 or status >= 500
    retry_after = exc.response.get("retryAfterSeconds")
    try:
        retry_after = float(retry_after) if retry_after is not None else None
    except (TypeError, ValueError):
        retry_after = None
    kind = "rate_limit" if status == 429 or "Throttl" in code or "TooMany" in code else (
        "server" if retryable else "bad_request")
    return GenerationError(kind, f"Lambda invoke of {function} failed: {code or status}: "
                           f"{err.get('Message', exc)}", raw=json.dumps(err, default=str),
                           retryable=retryable, retry_after=retry_after, status=status or None)
