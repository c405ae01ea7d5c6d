"""The OpenAI wire format: chat messages as sent (text, or text and ``image_url`` content parts),
and the response pieces: token logprobs (chat ``content[*]`` and the legacy completions shape),
error details and lenient number parsing."""

from __future__ import annotations

import json
import math
from typing import Any

from .types import Message, TokenLogprob

__all__ = ["wire_message", "wire_messages", "image_url", "int_or_none", "lenient_float",
           "error_detail", "top_k", "parse_logprobs"]


def image_url(uri: str) -> str:
    """A ``data:image/<fmt>;base64,<...>`` URI as servers parse it: the header (before the
    first comma) lower-cased, so Nova's documented ``;Base64,`` reads as ``;base64,``
    (llama.cpp and vLLM compare it case-sensitively); the payload is untouched."""
    head, sep, payload = uri.partition(",")
    return head.lower() + sep + payload if sep else uri


def wire_message(m: Message) -> dict[str, Any]:
    """One chat message: ``{role, content: str}`` without images (byte-identical to a
    text-only request), else ``content`` is the text part then one ``image_url`` part per
    image, in dataset order (as Nova shows them)."""
    if not m.images:
        return {"role": m.role, "content": m.content}
    parts: list[dict[str, Any]] = [{"type": "text", "text": m.content}] if m.content else []
    parts.extend({"type": "image_url", "image_url": {"url": image_url(u)}} for u in m.images)
    return {"role": m.role, "content": parts}


def wire_messages(messages: Any) -> list[dict[str, Any]]:
    return [wire_message(m) for m in messages]


def int_or_none(v: Any) -> int | None:
    try:
        return None if v is None else int(v)
    except (TypeError, ValueError):
        return None


def lenient_float(v: Any) -> float:
    if v is None:
        return float("-inf")
    return float(v)


def error_detail(text: str) -> str:
    try:
        payload = json.loads(text)
    except (json.JSONDecodeError, ValueError):
        return text.strip()[:300]
    if isinstance(payload, dict):
        err = payload.get("error", payload.get("detail", payload.get("message")))
        if isinstance(err, dict):
            err = err.get("message") or json.dumps(err)[:300]
        if err is not None:
            return str(err)[:300]
    return text.strip()[:300]


def top_k(alts: list[tuple[str, float]], k: int) -> tuple[tuple[str, float], ...]:
    alts = sorted(alts, key=lambda a: -a[1] if not math.isnan(a[1]) else math.inf)
    return tuple(alts[:k])


def parse_logprobs(lp: Any, k: int) -> tuple[TokenLogprob, ...] | None:
    """OpenAI chat logprobs (``content[*]``), or the legacy completion shape some servers send."""
    if not isinstance(lp, dict):
        return None
    try:
        content = lp.get("content")
        if isinstance(content, list):
            out = []
            for item in content:
                alts = [(str(a["token"]), lenient_float(a.get("logprob")))
                        for a in (item.get("top_logprobs") or [])]
                out.append(TokenLogprob(str(item["token"]), lenient_float(item.get("logprob")),
                                        top_k(alts, k)))
            return tuple(out)
        tokens = lp.get("tokens")
        if isinstance(tokens, list):  # legacy: tokens / token_logprobs / top_logprobs[dict]
            lps = lp.get("token_logprobs") or []
            tops = lp.get("top_logprobs") or []
            out = []
            for i, tok in enumerate(tokens):
                top = tops[i] if i < len(tops) and isinstance(tops[i], dict) else {}
                out.append(TokenLogprob(str(tok), lenient_float(lps[i] if i < len(lps) else None),
                                        top_k([(str(t), lenient_float(v)) for t, v in top.items()], k)))
            return tuple(out)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return None
