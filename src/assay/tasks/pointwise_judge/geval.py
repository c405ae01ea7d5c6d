"""The probability-weighted (G-Eval) score of one pointwise judge answer, from the token
log-probabilities of the judge's completion.

The rating value is a label of the metric's scale (``"1"`` ... ``"5"``, ``"Excellent"``, ``N/A``).
Its first token decides it as far as the top-k shows: at the token position that starts the
value (after ``"rating": "`` in a structured answer, after the last ``Rating:`` in a free-text
one) each top-k alternative (the sampled token too) is mapped to a label by the rule of
:mod:`assay.judges.probabilities`: its text, after dropping what the chosen token had before
the value (an opening quote, a space) or else any leading quotes and spaces, and cut at a
closing quote, must be a non-empty prefix of exactly one label (case-folded). An alternative
that closes the value (it holds the closing quote) must equal a label exactly. An alternative
that is a prefix of several labels (``1`` on a 1-10 scale: ``1`` or ``10``) is dropped.

The probabilities of the alternatives that map are summed per label and renormalised to sum
to 1 (llama.cpp reports the *unconstrained* model's probabilities; the grammar acts later).
``weighted_score = sum(P(label) * score(label))`` over the scale's labels, renormalised over
them when ``N/A`` has mass (the score given the metric applies); ``None`` when no alternative
maps to a scale label, and when the sampled token itself does not decide a single label (the
``1`` that began ``10`` on a 1/3/10 scale): weighing only the alternatives that do would
contradict the rating given.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ...backends.types import TokenLogprob
from ...judges.pointwise import NOT_APPLICABLE, JudgeMetric
from ...judges.probabilities import choice_mass, token_text

__all__ = ["label_probabilities", "weighted_score", "value_start", "rounded"]

_JSON_VALUE_RE = re.compile(r'"(?:rating|score)"\s*:\s*"?')
_LINE_VALUE_RE = re.compile(r"(?:^|\n)[\s*#>_-]*(?:final\s+)?(?:rating|score)\s*\**\s*[:=]\s*",
                            re.IGNORECASE)


def value_start(text: str) -> int | None:
    """Character offset where the last rating value starts: the JSON ``"rating"`` value, else
    the last ``Rating:`` line's value; ``None`` when there is none."""
    found = None
    for m in _JSON_VALUE_RE.finditer(text):
        found = m.end()
    if found is None:
        for m in _LINE_VALUE_RE.finditer(text):
            found = m.end()
    return found


def _label(token: str, lead: str, labels: Sequence[str]) -> str | None:
    t = token_text(token)
    if lead and t.startswith(lead):
        t = t[len(lead):]
    else:
        t = t.lstrip(' \t\n"*')
    closed = '"' in t
    c = t.split('"', 1)[0].casefold()
    if not c:
        return None
    if closed:
        matches = [lab for lab in labels if lab.casefold() == c]
    else:
        matches = [lab for lab in labels if lab.casefold().startswith(c)]
    return matches[0] if len(matches) == 1 else None


def label_probabilities(text: str | None, logprobs: Sequence[TokenLogprob] | None,
                        labels: Sequence[str]) -> dict[str, float] | None:
    """``{label: p}`` over ``labels`` (summing to 1) from the token that starts the rating
    value, or ``None``: no logprobs, no rating value, tokens that do not spell the text there,
    or no alternative that maps."""
    if not text or not logprobs or not labels:
        return None
    start = value_start(text)
    if start is None:
        return None
    got = choice_mass(text, start, logprobs, labels,
                      lambda alt, lead: _label(alt, lead, labels))
    if got is None or got[1] is None:
        # no alternative maps, or the sampled token does not decide the label by itself ("1"
        # of "10" on a 1/3/10 scale): the alternatives here cannot weigh the choice made
        return None
    return got[0]


def weighted_score(metric: JudgeMetric, probs: dict[str, float] | None) -> float | None:
    """``sum(P(label) * score(label))`` over the scale's labels (``N/A`` left out and the rest
    renormalised); ``None`` without probabilities or without mass on the scale."""
    if not probs:
        return None
    pairs = [(p, metric.score(label)) for label, p in probs.items()
             if label != NOT_APPLICABLE and p > 0]
    total = sum(p for p, _s in pairs)
    if total <= 0:
        return None
    return sum(p * s for p, s in pairs) / total


def rounded(probs: dict[str, float] | None, digits: int = 6) -> dict[str, float] | None:
    return None if probs is None else {k: round(float(v), digits) for k, v in probs.items()}
