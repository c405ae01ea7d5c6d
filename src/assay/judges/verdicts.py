"""Parsing judge verdicts and reconciling the two passes.

Parsing: a structured reply (a JSON object with a ``verdict`` of ``A``, ``B`` or ``tie``; also
``A>B``, ``B>A``, ``A=B``, any case) gives its verdict, and a cut-off JSON reply whose
``"verdict": "..."`` is complete still does. Otherwise every well-formed verdict token in the text is found (``[[A>B]]``, ``[[A>>B]]``,
``[[B>A]]``, ``[[B>>A]]``, ``[[A=B]]``, with optional spaces); if they all say the same thing,
that is the verdict (the last one is taken); if they conflict or none is present, the pass is
an inference error and the raw text is kept.

Reconciliation, per example (documented rule): an error in either pass → ``error``; both
passes give the same outcome → that outcome; otherwise (they disagree, or one says tie) →
``tie``. So each example counts once, and a judge that always prefers the first position
yields ties everywhere (and a position-consistency rate of 0).
"""

from __future__ import annotations

import json
import re

__all__ = ["parse_verdict", "json_verdict", "map_backward", "reconcile", "VERDICT_RE"]

VERDICT_RE = re.compile(r"\[\[\s*(A\s*>{1,2}\s*B|B\s*>{1,2}\s*A|A\s*=\s*B)\s*\]\]", re.IGNORECASE)


_JSON_VERDICT_RE = re.compile(r'"verdict"\s*:\s*"([^"\\]{0,20})"')
_WORDS = {"a": "A", "b": "B", "tie": "tie", "a>b": "A", "a>>b": "A", "b>a": "B", "b>>a": "B",
          "a=b": "tie"}


def json_verdict(text: str) -> str | None:
    """The outcome of a structured (JSON) reply, or ``None`` when it has no usable verdict."""
    value = None
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            doc = json.loads(stripped)
        except (ValueError, RecursionError):
            doc = None
        if isinstance(doc, dict) and isinstance(doc.get("verdict"), str):
            value = doc["verdict"]
    if value is None:
        found = _JSON_VERDICT_RE.findall(text)
        if found:
            value = found[-1]
    if value is None:
        return None
    return _WORDS.get(re.sub(r"[\s\[\]]+", "", value).lower())


def parse_verdict(text: str | None, *, structured: bool = True) -> tuple[str, str | None]:
    """``(outcome, problem)``: outcome in A, B, tie, error; problem explains an error.
    ``structured=False`` (``judge.structured: off``) reads the verdict tokens only."""
    if not text:
        return "error", "empty judge output"
    verdict = json_verdict(text) if structured else None
    if verdict is not None:
        return verdict, None
    found = []
    for m in VERDICT_RE.finditer(text):
        token = re.sub(r"\s+", "", m.group(1)).upper()
        found.append("tie" if "=" in token else ("A" if token.startswith("A") else "B"))
    if not found:
        return "error", "no verdict token ([[A>B]], [[B>A]] or [[A=B]]) in the judge output"
    if len(set(found)) > 1:
        return "error", f"conflicting verdicts in the judge output: {', '.join(found)}"
    return found[-1], None


def map_backward(outcome: str) -> str:
    """The backward pass showed B first: its A means the original B, and vice versa."""
    return {"A": "B", "B": "A"}.get(outcome, outcome)


# the reconciliation rule lives with the agreement statistics that score it
from ..stats.agreement import reconcile  # noqa: E402
