"""Find the JSON value in a model's output: whole text, a code fence, or the first ``{...}``.

Models wrap JSON in Markdown fences (```` ```json ... ``` ````) or surround it with
prose. :func:`extract_json` tries, in order:

1. the whole text, stripped, as JSON;
2. the body of each fenced code block (```` ``` ```` or ``~~~``, any info string), stripped;
3. the first ``{`` (or, with ``objects_only=False``, also ``[``) from which a complete
   JSON value decodes (``json.JSONDecoder.raw_decode``), in text order.

It never raises on any input: a text with no JSON gives :data:`NOT_FOUND` (the
decoder's ``ValueError`` and ``RecursionError`` from very deep nesting are caught),
and the number of starting points tried in step 3 is bounded.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["NOT_FOUND", "extract_json", "get_field"]


class _NotFound:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NOT_FOUND"

    def __bool__(self) -> bool:
        return False


NOT_FOUND: Any = _NotFound()

_FENCE = re.compile(r"(?P<f>`{3,}|~{3,})[^\n`]*\n(?P<body>.*?)(?:\n[ \t]*(?P=f)|\Z)", re.S)
_DECODER = json.JSONDecoder()
_MAX_STARTS = 512  # starting points tried in step 3 (each try is linear in the text)


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return NOT_FOUND


def extract_json(text: object, *, objects_only: bool = False, strict: bool = False) -> Any:
    """The JSON value in ``text``, or :data:`NOT_FOUND`.

    ``objects_only``: accept only a JSON object (``dict``) at every step.
    ``strict``: only step 1 (the stripped text must be JSON, no fences or prose).
    """
    if not isinstance(text, str):
        return NOT_FOUND
    stripped = text.strip()
    if not stripped:
        return NOT_FOUND

    def ok(value: Any) -> bool:
        return value is not NOT_FOUND and (not objects_only or isinstance(value, dict))

    value = _loads(stripped)
    if ok(value) or strict:
        return value if ok(value) else NOT_FOUND
    if "```" in text or "~~~" in text:
        for m in _FENCE.finditer(text):
            value = _loads(m.group("body").strip())
            if ok(value):
                return value
    openers = "{" if objects_only else "{["
    tried = 0
    for i, ch in enumerate(text):
        if ch not in openers:
            continue
        tried += 1
        if tried > _MAX_STARTS:
            break
        try:
            value, _ = _DECODER.raw_decode(text, i)
        except (ValueError, RecursionError):
            continue
        if ok(value):
            return value
    return NOT_FOUND


def get_field(obj: Any, path: str) -> Any:
    """``obj[path]``; a dotted path (``"a.b"``) walks nested objects when no key has the dots.

    Returns :data:`NOT_FOUND` when any step is missing or not an object.
    """
    if not isinstance(obj, dict):
        return NOT_FOUND
    if path in obj:
        return obj[path]
    cur: Any = obj
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return NOT_FOUND
        cur = cur[part]
    return cur
