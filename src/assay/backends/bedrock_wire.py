"""The Bedrock Converse wire format: request fields from assay's records, the answer back into
a :class:`~assay.backends.types.Completion`, and the classification of Bedrock's errors.

Pure functions (no boto3 import), so they are tested without a client:

* :func:`converse_messages` splits assay's chat turns into Converse's ``system`` blocks and
  ``messages`` (``{"role", "content": [{"text"}, {"image"}...]}``, the images after the text);
* :func:`image_block` turns a ``data:image/<fmt>;base64,...`` URI into
  ``{"image": {"format", "source": {"bytes"}}}`` with the decoded bytes;
* :func:`inference_config` maps :class:`GenerationSettings` to ``inferenceConfig``;
* :func:`parse_converse` reads ``output.message.content``, ``usage`` and ``stopReason``;
* :func:`classify_error` maps an error code and HTTP status to ``(kind, retryable)``.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from ..errors import GenerationError
from .retry import classify_status
from .types import Completion, GenerationSettings, Message

__all__ = ["IMAGE_FORMATS", "STOP_REASONS", "image_block", "converse_messages",
           "inference_config", "set_path", "parse_converse", "classify_error"]

#: The image formats Converse accepts (``jpg`` is read as ``jpeg``).
IMAGE_FORMATS = ("png", "jpeg", "gif", "webp")

#: Converse ``stopReason`` -> assay ``finish_reason`` (OpenAI's words); others pass unchanged.
STOP_REASONS = {"end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length",
                "model_context_window_exceeded": "length", "content_filtered": "content_filter",
                "guardrail_intervened": "content_filter", "tool_use": "tool_calls"}

_DATA_URI = re.compile(r"^data:image/([A-Za-z0-9.+-]+);base64,(.*)$", re.IGNORECASE | re.DOTALL)

#: error codes retried (with backoff, bounded) and their kinds
_RETRYABLE_CODES = {
    "ThrottlingException": "rate_limit",
    "TooManyRequestsException": "rate_limit",
    "ServiceQuotaExceededException": "rate_limit",
    "ServiceUnavailableException": "server",
    "ServiceUnavailable": "server",
    "InternalServerException": "server",
    "InternalFailure": "server",
    "ModelNotReadyException": "server",
    "ModelTimeoutException": "timeout",
}
#: error codes never retried and their kinds
_FINAL_CODES = {
    "ValidationException": "bad_request",
    "AccessDeniedException": "bad_request",
    "ResourceNotFoundException": "bad_request",
    "UnrecognizedClientException": "bad_request",
    "InvalidSignatureException": "bad_request",
    "ExpiredTokenException": "bad_request",
    "ModelErrorException": "model",
}


def _bad_request(message: str) -> GenerationError:
    return GenerationError("bad_request", message, retryable=False)


def image_block(uri: str) -> dict[str, Any]:
    """``{"image": {"format": ..., "source": {"bytes": <decoded>}}}`` for a data URI.

    The prefix is matched case-insensitively (Nova's docs write ``;Base64,``); a format other
    than png/jpeg/gif/webp, or a payload that is not base64, is a ``bad_request`` error."""
    m = _DATA_URI.match(uri.strip()) if isinstance(uri, str) else None
    if m is None:
        head = uri[:40] if isinstance(uri, str) else type(uri).__name__
        raise _bad_request(f"image is not a data:image/<format>;base64,... URI ({head!r}...)")
    fmt = m.group(1).lower()
    fmt = "jpeg" if fmt in ("jpg", "pjpeg") else fmt
    if fmt not in IMAGE_FORMATS:
        raise _bad_request(f"image format {fmt!r} is not accepted by Bedrock Converse "
                           f"(accepted: {', '.join(IMAGE_FORMATS)})")
    payload = re.sub(r"\s+", "", m.group(2))
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise _bad_request(f"image ({fmt}) is not valid base64") from None
    if not data:
        raise _bad_request(f"image ({fmt}) is empty")
    return {"image": {"format": fmt, "source": {"bytes": data}}}


def converse_messages(messages: tuple[Message, ...] | list[Message]
                      ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(system, messages)`` for Converse: every ``system`` turn becomes a ``{"text"}`` block of
    ``system`` (in order); ``user``/``assistant`` turns become messages whose content is the
    text block (left out when empty and the turn has images) then one image block per image."""
    system: list[dict[str, Any]] = []
    out: list[dict[str, Any]] = []
    for m in messages:
        if m.role == "system":
            if m.images:
                raise _bad_request("Bedrock Converse takes no images in the system prompt")
            if m.content:
                system.append({"text": m.content})
            continue
        if m.role not in ("user", "assistant"):
            raise _bad_request(f"Bedrock Converse has no {m.role!r} role (user, assistant, "
                               "system)")
        content: list[dict[str, Any]] = []
        if m.content or not m.images:
            content.append({"text": m.content})
        content.extend(image_block(uri) for uri in m.images)
        out.append({"role": m.role, "content": content})
    return system, out


def inference_config(s: GenerationSettings) -> dict[str, Any]:
    """``maxTokens``, ``temperature``, ``topP`` (only when below 1: 1 is no truncation, and
    recent Anthropic models refuse ``temperature`` and ``topP`` together) and
    ``stopSequences`` (when any)."""
    cfg: dict[str, Any] = {"maxTokens": int(s.max_new_tokens), "temperature": float(s.temperature)}
    if s.top_p < 1.0:
        cfg["topP"] = float(s.top_p)
    if s.stop:
        cfg["stopSequences"] = list(s.stop)
    return cfg


def set_path(target: dict[str, Any], path: str, value: Any) -> None:
    """``target[a][b][c] = value`` for ``path = "a.b.c"`` (intermediate objects created)."""
    *parents, last = path.split(".")
    node = target
    for key in parents:
        child = node.get(key)
        if not isinstance(child, dict):
            child = node[key] = {}
        node = child
    node[last] = value


def parse_converse(response: Any, name: str) -> Completion:
    """The text of ``output.message.content`` (its text blocks joined; reasoning and tool
    blocks are not answer text), ``usage.inputTokens/outputTokens`` and ``stopReason`` mapped by
    :data:`STOP_REASONS`. An answer without any text block is an ``empty_response`` error."""
    if not isinstance(response, dict):
        raise GenerationError("bad_response", f"{name}: Converse answer is not an object",
                              retryable=True)
    stop = response.get("stopReason")
    message = (response.get("output") or {}).get("message") if isinstance(
        response.get("output"), dict) else None
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, list):
        raise GenerationError("bad_response", f"{name}: Converse answer has no "
                              "output.message.content", retryable=True)
    texts = [b["text"] for b in content if isinstance(b, dict) and isinstance(b.get("text"), str)]
    if not texts:
        kinds = sorted({k for b in content if isinstance(b, dict) for k in b})
        raise GenerationError("empty_response", f"{name}: Converse returned no text block "
                              f"(stopReason {stop!r}, content blocks: {kinds or 'none'})",
                              retryable=False)
    usage = response.get("usage") if isinstance(response.get("usage"), dict) else {}
    return Completion(text="".join(texts), logprobs=None,
                      input_tokens=_int(usage.get("inputTokens")),
                      output_tokens=_int(usage.get("outputTokens")),
                      finish_reason=None if stop is None else STOP_REASONS.get(stop, str(stop)))


def _int(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def classify_error(code: str | None, status: int | None) -> tuple[str, bool]:
    """``(GenerationError.kind, retryable)`` for a Bedrock error code and HTTP status:
    throttling, unavailable and internal errors are retried; validation, access and model
    errors are not; an unknown code goes by its status (429 and 5xx retried)."""
    if code in _RETRYABLE_CODES:
        return _RETRYABLE_CODES[code], True
    if code in _FINAL_CODES:
        return _FINAL_CODES[code], False
    if status:
        return classify_status(int(status))
    return "bad_request", False
