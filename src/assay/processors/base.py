"""The ``Processor`` protocol, and the events and responses shared by every location.

Events are built exactly as Nova builds them (formats.md §1.4.1): ``system``←system,
``prompt``←query, ``gold``←response; ``system`` is sent as ``null`` when the row has
none, and ``metadata`` is never sent. Every response, whichever the location, goes
through :func:`parse_response`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from pydantic import ValidationError

from .errors import ProcessorError, Stage
from .models import (
    PostprocessingPayload,
    PostprocessingResponse,
    PreprocessingPayload,
    PreprocessingResponse,
)

__all__ = ["Processor", "EventProcessor", "PREPROCESS", "POSTPROCESS", "preprocess_event", "postprocess_event",
           "parse_response", "error_detail"]

PREPROCESS: Stage = "preprocess"
POSTPROCESS: Stage = "postprocess"


@runtime_checkable
class Processor(Protocol):
    """A loaded BYOM processor; each call sends one example's event."""

    name: str

    async def preprocess(self, data: dict) -> dict:
        """``{"system", "prompt", "gold"}`` → the validated response body (same keys)."""
        ...

    async def postprocess(self, data: dict) -> list[dict]:
        """``{"prompt", "inference_output", "gold"}`` → ``[{"metric", "value"}, ...]``."""
        ...

    async def aclose(self) -> None:
        """Release connections and clients."""
        ...


def _validated(stage: Stage, event: dict, model) -> dict:
    try:
        model.model_validate(event)
    except ValidationError as exc:
        raise ProcessorError(stage, f"invalid {stage} event: {_one_line(exc)}",
                             raw=_dumps(event)) from None
    return event


def preprocess_event(data: Mapping[str, Any]) -> dict:
    """The preprocess event for one example; ``ProcessorError`` if it breaks the contract."""
    event = {"process_type": PREPROCESS,
             "data": {"system": data.get("system"), "prompt": data.get("prompt"),
                      "gold": data.get("gold")}}
    return _validated(PREPROCESS, event, PreprocessingPayload)


def postprocess_event(data: Mapping[str, Any]) -> dict:
    """The postprocess event for one example (``data`` is an object, as the validator wants)."""
    event = {"process_type": POSTPROCESS,
             "data": {"prompt": data.get("prompt"),
                      "inference_output": data.get("inference_output"),
                      "gold": data.get("gold")}}
    return _validated(POSTPROCESS, event, PostprocessingPayload)


def parse_response(stage: Stage, payload: Any, *, raw: str | None = None) -> Any:
    """Check one response and return its body: a dict (preprocess) or a list of metric dicts.

    ``payload`` is the Lambda response ``{"statusCode": 200, "body": ...}``; other envelope
    keys (``headers``, ...) are ignored and ``body`` may be a JSON string (API Gateway
    style). A non-200 ``statusCode`` or a body that fails the response model raises
    :class:`ProcessorError`.
    """
    raw = raw if raw is not None else _dumps(payload)
    if not isinstance(payload, Mapping):
        raise ProcessorError(stage, f"response is not a JSON object "
                             f"(got {type(payload).__name__})", raw=raw)
    if "errorMessage" in payload and "statusCode" not in payload:
        raise ProcessorError(stage, "function error: " + _lambda_error(payload), raw=raw)
    if "statusCode" not in payload or "body" not in payload:
        missing = [k for k in ("statusCode", "body") if k not in payload]
        raise ProcessorError(stage, f"response has no {' or '.join(missing)}", raw=raw)
    status, body = payload["statusCode"], payload["body"]
    if isinstance(status, str) and status.strip().isdigit():
        status = int(status)
    if isinstance(body, (str, bytes)):
        try:
            body = json.loads(body)
        except ValueError:
            if status == 200:
                raise ProcessorError(stage, "response body is a string but not JSON",
                                     raw=raw) from None
    if status != 200:
        detail = error_detail(body)
        raise ProcessorError(stage, f"statusCode {status}" + (f": {detail}" if detail else ""),
                             raw=raw)
    model = PreprocessingResponse if stage == PREPROCESS else PostprocessingResponse
    try:
        response = model.model_validate({"statusCode": status, "body": body})
    except ValidationError as exc:
        raise ProcessorError(stage, f"invalid {stage} response: {_one_line(exc)}",
                             raw=raw) from None
    return response.model_dump()["body"]


def error_detail(body: Any) -> str:
    """The error text inside a response body (``{"error": ...}``, Lambda's ``errorMessage``)."""
    if isinstance(body, Mapping):
        if "errorMessage" in body:
            return _lambda_error(body)
        for key in ("error", "message", "Message", "detail"):
            if key in body:
                value = body[key]
                if isinstance(value, Mapping) and "message" in value:
                    value = value["message"]
                return str(value)[:500]
    if isinstance(body, str):
        return body.strip()[:500]
    return _dumps(body)[:500] if body is not None else ""


def _lambda_error(payload: Mapping) -> str:
    kind = payload.get("errorType")
    message = str(payload.get("errorMessage", ""))[:1000]
    return f"{kind}: {message}" if kind else message


def _one_line(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err.get("loc", ()))
        parts.append(f"{loc}: {err.get('msg')}" if loc else str(err.get("msg")))
    return "; ".join(parts)


def _dumps(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, default=repr)
    except (TypeError, ValueError):
        return repr(value)


class EventProcessor:
    """Base of the remote locations (HTTP, Lambda): subclasses implement ``_send(stage, event)``
    returning the parsed response; the two stages are built here once."""

    async def _send(self, stage: Stage, event: dict) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    async def preprocess(self, data: dict) -> dict:
        """Send one preprocess event; return the validated body."""
        return await self._send(PREPROCESS, preprocess_event(data))

    async def postprocess(self, data: dict) -> list[dict]:
        """Send one postprocess event; return the metrics."""
        return await self._send(POSTPROCESS, postprocess_event(data))
