"""Verdict probabilities from the token log-probabilities of a structured judge reply.

A structured judge writes ``{"rationale": "...", "verdict": "A"}`` (or, for the rubric judge,
``... "label": "B"}``). The verdict strings start with different tokens, so the token that
begins the verdict value decides it. At that position the completion carries the model's
top-k alternatives (``top_logprobs`` ≥ 1; the judge asks for 5 by default). Each alternative
is mapped to a verdict: its text, after dropping the text the chosen token had before the
value (an opening quote, a space, ``":"``) or else any leading quotes and spaces, and cut at
a closing quote, must be a non-empty prefix of exactly one verdict string; the sampled token
itself counts too. The probabilities of the alternatives that map are summed per outcome and
renormalised to sum to 1 -- ``P(A), P(B), P(tie)`` for that pass.

Why renormalise: llama.cpp reports the log-probabilities of the *unconstrained* model (the
grammar acts at sampling, after the logits are stored), so part of the mass sits on tokens
the grammar would not allow (prose, other letters). The renormalised vector is the model's
preference among the allowed verdicts, as far as the top-k shows it: an outcome none of
whose tokens is in the top k gets 0. When no alternative maps, there is no vector (``None``).

The backward pass showed the responses swapped; its vector is mapped back to the original
positions (``A`` and ``B`` exchanged) before use. Per example, the vector is the mean of the
two passes' vectors, when both passes have one (``None`` otherwise).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence

from ..backends.types import TokenLogprob

__all__ = ["verdict_probabilities", "map_probs_backward", "mean_probs", "rounded", "OUTCOMES",
           "token_text", "choice_mass"]

OUTCOMES = ("A", "B", "tie")
_SPACE_MARKERS = ("\u2581", "\u0120")   # SentencePiece "▁" and byte-level BPE "Ġ" spaces


def token_text(token: str) -> str:
    """A token's text with a SentencePiece/byte-level-BPE space marker read as a space."""
    for marker in _SPACE_MARKERS:
        if token.startswith(marker):
            return " " + token[len(marker):]
    return token


def _value_start(text: str, key: str) -> int | None:
    """Character offset of the first character of the last ``"key": "<value>`` in ``text``."""
    found = None
    for m in re.finditer(r'"' + re.escape(key) + r'"\s*:\s*"', text):
        found = m.end()
    return found


def _candidate(token: str, lead: str) -> str:
    t = token_text(token)
    if lead and t.startswith(lead):
        t = t[len(lead):]
    else:
        t = t.lstrip(' \t\n"')
    return t.split('"', 1)[0]


def _map(token: str, lead: str, choices: Mapping[str, str]) -> str | None:
    c = _candidate(token, lead)
    if not c:
        return None
    matches = [value for value in choices if value.startswith(c)]
    return choices[matches[0]] if len(matches) == 1 else None


def verdict_probabilities(text: str, logprobs: Sequence[TokenLogprob] | None,
                          choices: Mapping[str, str], key: str = "verdict"
                          ) -> dict[str, float] | None:
    """``{"A": p, "B": p, "tie": p}`` (summing to 1) for one pass, or ``None`` when the reply
    has no ``key`` value, the tokens do not line up with the text, or nothing maps.
    ``choices`` maps each verdict string (the JSON value) to its outcome."""
    if not text or not logprobs:
        return None
    start = _value_start(text, key)
    if start is None:
        return None
    got = choice_mass(text, start, logprobs, OUTCOMES, lambda alt, lead: _map(alt, lead, choices))
    return None if got is None else got[0]


def choice_mass(text: str, start: int, logprobs: Sequence[TokenLogprob], keys: Sequence[str],
                mapper: Callable[[str, str], str | None]
                ) -> tuple[dict[str, float], str | None] | None:
    """At the token holding character ``start`` of ``text`` (where a value begins): the
    probability of the sampled token and of each top-k alternative, each mapped to one of
    ``keys`` by ``mapper(token, lead)`` (``lead``: the part of the sampled token before the
    value), summed per key and renormalised; with the sampled token's own key (``None`` when
    it maps to none). ``None`` when the tokens do not spell ``text`` there or nothing maps."""
    pos = 0
    for tok in logprobs:
        piece = token_text(tok.token)
        end = pos + len(piece)
        if end > start:
            if text[pos:end] != piece:
                return None   # the tokens do not spell the text here
            lead = text[pos:start]
            mass = dict.fromkeys(keys, 0.0)
            seen: set[str] = set()
            for alt, lp in ((tok.token, tok.logprob), *tok.top):
                if alt in seen or lp is None or not math.isfinite(lp):
                    continue
                seen.add(alt)
                key = mapper(alt, lead)
                if key is not None:
                    mass[key] += math.exp(lp)
            total = sum(mass.values())
            if total <= 0:
                return None
            return {k: v / total for k, v in mass.items()}, mapper(tok.token, lead)
        pos = end
    return None


def map_probs_backward(p: dict[str, float] | None) -> dict[str, float] | None:
    """A backward pass's vector in the original positions (A and B exchanged)."""
    if p is None:
        return None
    return {"A": p["B"], "B": p["A"], "tie": p["tie"]}


def mean_probs(*vectors: dict[str, float] | None) -> dict[str, float] | None:
    """The mean of the vectors, or ``None`` when any is missing."""
    if not vectors or any(v is None for v in vectors):
        return None
    return {k: sum(v[k] for v in vectors) / len(vectors) for k in OUTCOMES}


def rounded(p: dict[str, float] | None, digits: int = 6) -> dict[str, float] | None:
    return None if p is None else {k: round(float(p[k]), digits) for k in OUTCOMES}
