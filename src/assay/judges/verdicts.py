"""Parsing judge verdicts and reconciling the two passes.

Parsing: every well-formed verdict token in the text is found (``[[A>B]]``, ``[[A>>B]]``,
``[[B>A]]``, ``[[B>>A]]``, ``[[A=B]]``, with optional spaces); if they all say the same thing,
that is the verdict (the last one is taken); if they conflict or none is present, the pass is
an inference error and the raw text is kept.

Reconciliation, per example (documented rule): an error in either pass → ``error``; both
passes give the same outcome → that outcome; otherwise (they disagree, or one says tie) →
``tie``. So each example counts once, and a judge that always prefers the first position
yields ties everywhere (and a position-consistency rate of 0).
"""

from __future__ import annotations

import re

__all__ = ["parse_verdict", "map_backward", "reconcile", "VERDICT_RE"]

VERDICT_RE = re.compile(r"\[\[\s*(A\s*>{1,2}\s*B|B\s*>{1,2}\s*A|A\s*=\s*B)\s*\]\]", re.IGNORECASE)


def parse_verdict(text: str | None) -> tuple[str, str | None]:
    """``(outcome, problem)``: outcome in A, B, tie, error; problem explains an error."""
    if not text:
        return "error", "empty judge output"
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
