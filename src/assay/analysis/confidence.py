"""Per-example confidence from a completion's token log-probabilities (feature L2).

Input: the record's ``logprobs``, one ``{token, logprob, top: [{token, logprob}, ...]}`` per
generated token (natural logs), the completion text, and the run's structured-output format
(``assay.response_choices`` / ``assay.response_schema``). A token's text has SentencePiece's
``▁`` read as a space; the tokens' texts joined are the text the rules below work on.

* ``mean_logprob``, ``min_logprob``: mean and minimum of the generated tokens' logprobs
  (natural log; ``-inf`` when a token had probability 0, written ``null`` in JSON).
* ``first_token_prob``: ``exp(logprob)`` of the *first answer token*:

  - JSON output (the text, after leading whitespace, is an object whose first member parses):
    the token that holds the first character of the first member's value (for a string, the
    first character inside its quotes; for an empty string, its opening quote); with a
    response schema whose generation follows the schema order, that is the first property;
  - otherwise: the first token whose text holds a character other than whitespace and the
    JSON punctuation ``{ } [ ] " : ,``.

* ``label`` and ``label_probability``, for classification-style outputs: ``response_choices``
  (the label is the stripped reply, when it is one of the choices) or a ``response_schema``
  with a string-enum property at the top level (``label_field`` names it, else the first such
  property in schema order; the label is that property's value in the reply's JSON).
  ``label_probability`` is the model's probability of that label *among the allowed labels*:

  1. the label's characters in the joined token text are located (the enum value inside its
     quotes; the choice after leading whitespace); the tokens overlapping them, and for JSON
     the token holding the closing quote (where a label that is a prefix of another one is
     decided), are walked in order;
  2. at each such token, the candidates are the chosen token and its top-k alternatives
     (deduplicated by text; the chosen one added when the top-k lacks it). ``pre`` is the
     part of the chosen token before the label starts (at the first token only: usually the
     JSON string's opening quote, maybe with a space or colon). An alternative that starts
     with ``pre`` has ``pre`` stripped; one that is a non-empty proper prefix of ``pre``
     (say the quote alone) is kept, since every path from it still spells a label; any other
     alternative is dropped;
  3. ``candidate = label text generated so far + stripped alternative`` is kept when it is a
     prefix of an allowed label, or when an allowed label ``L`` is a prefix of it and what
     follows ``L`` may end the value (a closing quote ``"`` for JSON; nothing but whitespace
     for a choice);
  4. ``conditional = p(same) / sum(p(kept candidates, chosen included))``, where ``same`` is
     the chosen token plus every kept alternative that can only become the chosen label
     (another tokenization of it, such as ``Gu`` beside ``Guid``: under the constraint it
     spells the same label, so its mass is the label's too); ``label_probability = product
     of the conditionals``.

  Why renormalise: llama.cpp (and OpenAI-compatible servers) report the logprobs of the raw,
  unconstrained model distribution even when a grammar constrains decoding, so the raw
  ``p(chosen)`` understates how sure the model is *among the labels it was allowed to give*.
  Mass on alternatives outside the top-k is unknown and so left out (k = ``top_logprobs``).

If logprobs are absent every field is ``None``; a field that cannot be computed is ``None``
(``label_probability`` when the label's characters are not found in the tokens, say because
the JSON escapes them).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Confidence", "CONFIDENCE_KINDS", "example_confidence", "allowed_labels",
           "label_probability", "first_answer_token"]

CONFIDENCE_KINDS = ("auto", "label", "first_token", "mean_token")
_PUNCT = set('{}[]":,')
_SPACES = " \t\n\r"


@dataclass(frozen=True, slots=True)
class Confidence:
    """One example's confidence numbers (see the module docstring)."""

    first_token_prob: float | None = None
    mean_logprob: float | None = None
    min_logprob: float | None = None
    label: str | None = None
    label_probability: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"first_token_prob": self.first_token_prob, "mean_logprob": self.mean_logprob,
                "min_logprob": self.min_logprob, "label": self.label,
                "label_probability": self.label_probability}

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> "Confidence":
        d = d or {}
        return cls(**{k: d.get(k) for k in cls.__dataclass_fields__})

    def value(self, kind: str) -> float | None:
        """The confidence in [0, 1] of ``kind`` (:data:`CONFIDENCE_KINDS`): ``label`` the
        label probability, ``first_token`` the first answer token's probability,
        ``mean_token`` ``exp(mean_logprob)``, ``auto`` the label probability when defined,
        else the first token's."""
        if kind == "label":
            return self.label_probability
        if kind == "first_token":
            return self.first_token_prob
        if kind == "mean_token":
            return None if self.mean_logprob is None else math.exp(self.mean_logprob)
        if kind == "auto":
            return self.label_probability if self.label_probability is not None \
                else self.first_token_prob
        raise ValueError(f"confidence kind must be one of {CONFIDENCE_KINDS}, got {kind!r}")


def _text(token: Any) -> str:
    return str(token).replace("▁", " ")


def _lp(v: Any) -> float:
    return -math.inf if v is None else float(v)


def _exp(v: float) -> float:
    return math.exp(v) if v > -math.inf else 0.0


def _spans(logprobs: Sequence[dict]) -> tuple[str, list[tuple[int, int]]]:
    """The joined token text and each token's ``[start, end)`` in it."""
    spans, pos, parts = [], 0, []
    for t in logprobs:
        s = _text(t.get("token", ""))
        parts.append(s)
        spans.append((pos, pos + len(s)))
        pos += len(s)
    return "".join(parts), spans


def _skip(text: str, i: int) -> int:
    while i < len(text) and text[i] in _SPACES:
        i += 1
    return i


def _members(text: str) -> list[tuple[str, Any, int, int]]:
    """The top-level members of the JSON object that ``text`` starts with (after whitespace):
    ``(key, value, value_start, value_end)``, as far as they parse."""
    dec = json.JSONDecoder()
    out: list[tuple[str, Any, int, int]] = []
    i = _skip(text, 0)
    if i >= len(text) or text[i] != "{":
        return out
    i = _skip(text, i + 1)
    while i < len(text) and text[i] == '"':
        try:
            key, i = dec.raw_decode(text, i)
            i = _skip(text, i)
            if i >= len(text) or text[i] != ":":
                return out
            start = _skip(text, i + 1)
            value, end = dec.raw_decode(text, start)
        except ValueError:
            return out
        out.append((key, value, start, end))
        i = _skip(text, end)
        if i >= len(text) or text[i] != ",":
            return out
        i = _skip(text, i + 1)
    return out


def _token_at(spans: list[tuple[int, int]], pos: int) -> int | None:
    for j, (s, e) in enumerate(spans):
        if s <= pos < e:
            return j
    return None


def first_answer_token(logprobs: Sequence[dict]) -> int | None:
    """The index of the first answer token (the module docstring's rule), or ``None``."""
    joined, spans = _spans(logprobs)
    members = _members(joined)
    if members:
        _key, value, start, end = members[0]
        pos = start + 1 if isinstance(value, str) and end - start > 2 else start
        j = _token_at(spans, pos)
        if j is not None:
            return j
    for j, (s, e) in enumerate(spans):
        if any(ch not in _SPACES and ch not in _PUNCT for ch in joined[s:e]):
            return j
    return None


def allowed_labels(response_format: dict | None, label_field: str | None = None
                   ) -> tuple[str, str | None, list[str]] | None:
    """``(kind, field, labels)`` of a classification-style format: ``("choice", None,
    choices)``, or ``("json", property, enum)`` for the schema's string-enum property
    (``label_field`` or the first in schema order); ``None`` when the format has none."""
    if not response_format:
        return None
    kind = response_format.get("type")
    if kind == "choice":
        choices = [c for c in response_format.get("choices") or [] if isinstance(c, str)]
        return ("choice", None, choices) if choices else None
    if kind != "json_schema":
        return None
    props = (response_format.get("schema") or {}).get("properties")
    if not isinstance(props, dict):
        return None
    names = [label_field] if label_field else list(props)
    for name in names:
        spec = props.get(name)
        enum = spec.get("enum") if isinstance(spec, dict) else None
        if isinstance(enum, list) and enum and all(isinstance(v, str) for v in enum):
            return "json", name, list(enum)
    return None


def _compatible(cand: str, labels: Sequence[str], json_string: bool) -> set[str]:
    """The allowed labels that ``cand`` may still become (rule 3)."""
    out = set()
    for lab in labels:
        if lab.startswith(cand):
            out.add(lab)
        elif cand.startswith(lab):
            rest = cand[len(lab):]
            if rest.startswith('"') if json_string else not rest.strip():
                out.add(lab)
    return out


def label_probability(logprobs: Sequence[dict], start: int, end: int, labels: Sequence[str],
                      *, json_string: bool) -> float | None:
    """The probability of the label at characters ``[start, end)`` of the joined token text
    among ``labels`` (the module docstring's walk; ``json_string``: the label is a JSON string
    value, closed by the quote at ``end``); ``None`` when it cannot be computed."""
    joined, spans = _spans(logprobs)
    label = joined[start:end]
    stop = end + 1 if json_string and joined[end:end + 1] == '"' else end
    walked = [j for j, (s, e) in enumerate(spans) if s < stop and e > start]
    if not walked or end <= start:
        return None
    so_far, prob = "", 1.0
    for n, j in enumerate(walked):
        tok = logprobs[j]
        s, _e = spans[j]
        chosen = _text(tok.get("token", ""))
        pre = chosen[:max(0, start - s)] if n == 0 else ""
        p_chosen = _exp(_lp(tok.get("logprob")))
        same, kept, seen = p_chosen, p_chosen, {chosen}
        for alt in tok.get("top") or ():
            a = _text(alt.get("token", ""))
            if a in seen:
                continue
            seen.add(a)
            p = _exp(_lp(alt.get("logprob")))
            if pre and not a.startswith(pre):
                if a and pre.startswith(a):
                    kept += p
                continue
            reach = _compatible(so_far + a[len(pre):], labels, json_string)
            if reach:
                kept += p
                if reach == {label}:    # another spelling of the same label (rule 4)
                    same += p
        if kept <= 0.0:
            return None
        prob *= same / kept
        so_far += chosen[len(pre):]
    return prob


def _label_span(joined: str, prediction: str, fmt: tuple[str, str | None, list[str]]
                ) -> tuple[str | None, int, int]:
    """``(label, start, end)`` of the label in the joined token text (start = end = -1 when
    it is not found there)."""
    kind, field, labels = fmt
    if kind == "choice":
        label = prediction.strip()
        if label not in labels:
            return None, -1, -1
        start = _skip(joined, 0)
        if joined[start:start + len(label)] != label:
            return label, -1, -1
        return label, start, start + len(label)
    label = None
    for key, value, start, end in _members(joined):
        if key == field:
            if not isinstance(value, str) or value not in labels:
                break
            if joined[start + 1:end - 1] == value:
                return value, start + 1, end - 1
            label = value
            break
    if label is None:   # the tokens do not spell the JSON: read the label from the text
        try:
            obj = json.loads(prediction)
        except ValueError:
            obj = None
        value = obj.get(field) if isinstance(obj, dict) else None
        label = value if isinstance(value, str) and value in labels else None
    return label, -1, -1


def example_confidence(logprobs: Sequence[dict] | None, prediction: str | None,
                       response_format: dict | None = None,
                       label_field: str | None = None) -> Confidence:
    """All confidence numbers of one completion (the module docstring's rules)."""
    if not logprobs or prediction is None:
        return Confidence()
    lps = [_lp(t.get("logprob")) for t in logprobs]
    first = first_answer_token(logprobs)
    label = label_p = None
    fmt = allowed_labels(response_format, label_field)
    if fmt is not None:
        joined, _ = _spans(logprobs)
        label, start, end = _label_span(joined, prediction, fmt)
        if label is not None and start >= 0:
            label_p = label_probability(logprobs, start, end, fmt[2],
                                        json_string=fmt[0] == "json")
    return Confidence(
        first_token_prob=None if first is None else _exp(lps[first]),
        mean_logprob=math.fsum(lps) / len(lps) if all(v > -math.inf for v in lps)
        else -math.inf,
        min_logprob=min(lps), label=label, label_probability=label_p)
