"""Checks shared by every reader of user input: safe previews of bad values for one-line error
messages, and a walk over a parsed JSON value that finds strings no UTF-8 file can hold (lone
UTF-16 surrogates, which JSON may escape as ``\\ud800``) and numbers that are not finite.

Error messages never echo more than :data:`PREVIEW_CHARS` characters of a value, always
``repr``-escaped, so a 10 MB value or one holding control characters or surrogates cannot flood
or break the terminal.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

__all__ = ["PREVIEW_CHARS", "preview", "key_part", "join_path", "find_bad_value",
           "has_surrogate", "decode_checked"]

#: at most this many characters of a bad value appear in an error message
PREVIEW_CHARS = 40

_SURROGATE = re.compile("[\ud800-\udfff]")
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_\-]{1,40}")
#: a JSON escape of a UTF-16 surrogate (high or low), ``\ud800``-``\udfff``
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def has_surrogate(text: str) -> bool:
    """True when ``text`` holds a lone UTF-16 surrogate (it cannot be encoded as UTF-8)."""
    return not text.isascii() and _SURROGATE.search(text) is not None


def preview(value: Any, limit: int = PREVIEW_CHARS) -> str:
    """``repr`` of at most ``limit`` characters of ``value`` (strings) or of its ``repr``,
    with ``...`` when cut; always printable ASCII-safe escapes for control characters and
    surrogates."""
    if isinstance(value, str):
        if len(value) > limit:
            return repr(value[:limit]) + f"... ({len(value):,} characters)"
        return repr(value)
    if isinstance(value, (bytes, bytearray)):
        if len(value) > limit:
            return repr(bytes(value[:limit])) + f"... ({len(value):,} bytes)"
        return repr(bytes(value))
    if isinstance(value, int) and not isinstance(value, bool):
        # str() of an int above 4,300 digits raises; the bit length is enough to say it is huge
        if value.bit_length() > 128:
            return f"<an integer of about {int(value.bit_length() * 0.30103):,} digits>"
        return repr(value)
    if isinstance(value, dict):
        return f"<a mapping of {len(value):,} keys>"
    if isinstance(value, (list, tuple)):
        return f"<a list of {len(value):,} items>"
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a preview must never fail
        text = f"<{type(value).__name__}>"
    if len(text) > limit:
        text = text[:limit] + "..."
    return text.encode("ascii", "backslashreplace").decode("ascii")


def key_part(key: Any) -> str:
    """One component of a field path, printable and short: ``tags``, or ``['we ird']``."""
    if isinstance(key, str) and _PLAIN_KEY.fullmatch(key):
        return key
    return "[" + preview(key) + "]"


def join_path(prefix: str, key: Any) -> str:
    """``metadata`` + ``tags`` -> ``metadata.tags``; + 2 -> ``metadata.tags[2]``."""
    if isinstance(key, int) and not isinstance(key, bool):
        return f"{prefix}[{key}]"
    part = key_part(key)
    if part.startswith("["):
        return f"{prefix}{part}" if prefix else part
    return f"{prefix}.{part}" if prefix else part


def find_bad_value(value: Any, path: str = "") -> tuple[str, str] | None:
    """Walk a parsed JSON value (iteratively: it may be deep) and return ``(field path,
    reason)`` for the first string or key holding a lone surrogate, or the first number that
    is NaN or infinite; None when everything is fine."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, str):
            if has_surrogate(node):
                return where, "contains an unpaired UTF-16 surrogate escape (e.g. \\ud800)"
        elif isinstance(node, dict):
            items = list(node.items())
            for k, v in reversed(items):
                sub = join_path(where, k)
                if isinstance(k, str) and has_surrogate(k):
                    return sub, ("key contains an unpaired UTF-16 surrogate escape "
                                 "(e.g. \\ud800)")
                stack.append((v, sub))
        elif isinstance(node, list):
            for i in range(len(node) - 1, -1, -1):
                stack.append((node[i], join_path(where, i)))
        elif isinstance(node, float):
            if not math.isfinite(node):
                return where, (f"{node!r} is not a JSON number (NaN and Infinity are not valid "
                               "JSON; use null or a string)")
    return None


class _NotFinite(Exception):
    """Raised by the decoder's hooks at the first NaN, Infinity or overflowing number."""


def _finite_float(text: str) -> float:
    value = float(text)
    if value - value != 0.0:   # inf (a literal such as 1e999); a literal is never NaN
        raise _NotFinite
    return value


def _no_constant(name: str) -> Any:
    raise _NotFinite


_DECODER = json.JSONDecoder(parse_float=_finite_float, parse_constant=_no_constant)


def decode_checked(text: str | bytes, path: str = "") -> tuple[Any, tuple[str, str] | None]:
    """``json.loads(text)`` and :func:`find_bad_value` of the result, in one pass where it
    can: the value is walked only when the text holds a surrogate or a surrogate escape, or
    the decoder met a NaN, an Infinity or a number too large for a float. Raises what
    ``json.loads`` raises for text that is not JSON."""
    if isinstance(text, (bytes, bytearray)):
        # as json.loads: UTF-8 unless a BOM or NUL bytes say otherwise ('{' then a non-NUL
        # byte is UTF-8 without a BOM, the usual first two bytes of a row)
        encoding = "utf-8" if text[:1] == b"{" and text[1:2] != b"\x00" \
            else json.detect_encoding(text)
        text = text.decode(encoding, "surrogatepass")
    if text.startswith("\ufeff"):
        return json.loads(text), None   # raises json.loads's own error for a BOM
    try:
        value = _DECODER.decode(text)
    except _NotFinite:
        value = json.loads(text)
        return value, find_bad_value(value, path)
    if has_surrogate(text) or ("\\u" in text and _SURROGATE_ESCAPE.search(text)):
        return value, find_bad_value(value, path)
    return value, None
