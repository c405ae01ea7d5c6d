"""The documented rubric judge (rubric_llm_judge): prompt, YAML parsing, position swap.

The judge sees the user's prompt and two responses labelled A and B and is asked, in one YAML
reply, to (a) write 2-6 criteria specific to this prompt (``short_name: {description, type:
scale|binary, weight}``, weights summing to 1), (b) score A and B on each (1-5 for ``scale``,
true/false for ``binary``) with a justification per response, and (c) give an overall
justification and exactly one label: ``[[A>B]]``, ``[[B>A]]``, ``[[A=B]]`` or
``[[A=B (bothbad)]]``. As with the pairwise judge, each pair is asked twice, the second time
with the responses swapped; :func:`swap_positions` maps the backward judgment back.

A structured judge (``judge.structured: on``) replies with the same rubric as one JSON object
(:mod:`assay.judges.rubric_schema`); its ``label`` field alone gives the label (free text
inside its justifications is not searched for label tokens).

Parsing (:func:`parse_rubric`) never raises. It is tolerant of what real judges write: YAML in
``` fences (with or without a language tag), prose around it, tabs, trailing junk, scores as
strings (``"4"``, ``"4/5"``, ``"true"``), weights as percentages (``"50%"``, or ``50`` meaning
50%), keys in any case. Weights that do not sum to 1 are renormalised and the fix is recorded
(``renormalized=True`` plus a note). A missing or conflicting label, an unknown criterion type,
a score out of range, no criteria, or a criterion without both scores make the judgment
unusable: ``(None, problem)``. The label is looked for in the YAML (``label:``) and anywhere
in the text; every label found must agree.
"""

from __future__ import annotations

import json
import math
import re
import reprlib
from dataclasses import dataclass, replace
from typing import Any

import yaml

from ..backends.types import Message
from .prompts import PAIR_BLOCK

__all__ = ["RUBRIC_SYSTEM", "RUBRIC_TEMPLATE", "RUBRIC_LABELS", "LABEL_RE", "MAX_INPUT_CHARS",
           "MAX_CRITERIA", "Criterion", "RubricJudgment", "rubric_messages", "parse_rubric",
           "swap_positions"]

RUBRIC_SYSTEM = (
    "You are an impartial judge. You write a short grading rubric for a user prompt, score two "
    "AI assistant responses with it, and say which response is better. Do not let the order of "
    "the responses, their length or the assistants' names influence you. Reply in YAML only."
)

RUBRIC_TEMPLATE = PAIR_BLOCK + """1. Write 2 to 6 criteria specific to this prompt. Each has a short_name, a description, \
a type (scale: score 1 to 5; binary: score true or false) and a weight. The weights sum to 1.
2. Score A and B on every criterion, with a one-sentence justification for each.
3. Give an overall justification and exactly one label: "[[A>B]]" (A is better), \
"[[B>A]]" (B is better), "[[A=B]]" (equally good) or "[[A=B (bothbad)]]" (both are bad).

Reply with YAML only, in exactly this shape:
```yaml
criteria:
  accuracy:
    description: The facts are correct.
    type: scale
    weight: 0.6
    score_A: 2
    score_B: 5
    justification_A: Gives the wrong year.
    justification_B: All facts are right.
  cites_source:
    description: Names a source.
    type: binary
    weight: 0.4
    score_A: false
    score_B: true
    justification_A: No source.
    justification_B: Cites the official site.
overall_justification: B is accurate and sourced, A is not.
label: "[[B>A]]"
```"""

RUBRIC_LABELS = ("A>B", "B>A", "A=B", "A=B (bothbad)")

#: a label token anywhere in the text: [[A>B]], [[A>>B]], [[B>A]], [[A=B]], [[A=B (bothbad)]]
LABEL_RE = re.compile(
    r"\[\[\s*(A\s*>{1,2}\s*B|B\s*>{1,2}\s*A|A\s*=\s*B(?:\s*\(\s*both[\s_-]*bad\s*\))?)\s*\]\]",
    re.IGNORECASE)

MAX_INPUT_CHARS = 100_000   # only this much of a judge's output is ever handed to YAML
MAX_CRITERIA = 20           # the prompt asks for 2-6; more than this is not a rubric
_MAX_TRIMS = 8              # attempts to cut trailing junk at the YAML error line
_WEIGHT_TOL = 1e-6
_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxstring, _SHORT.maxother = 3, 200, 200
_SHORT.maxlist = _SHORT.maxdict = _SHORT.maxtuple = 6


@dataclass(frozen=True, slots=True)
class Criterion:
    """One judge-written criterion and both responses' scores on it.

    ``score_a``/``score_b`` are floats in [1, 5] for ``type == "scale"`` and bools for
    ``type == "binary"``.
    """

    name: str
    description: str
    weight: float
    type: str
    score_a: float | bool
    score_b: float | bool
    justification_a: str
    justification_b: str


@dataclass(frozen=True, slots=True)
class RubricJudgment:
    criteria: tuple[Criterion, ...]
    label: str  # "A>B" | "B>A" | "A=B" | "A=B (bothbad)"
    overall_justification: str
    renormalized: bool
    notes: tuple[str, ...]


def rubric_messages(prompt: str, first: str, second: str) -> tuple[Message, ...]:
    """Messages for one pass; ``first`` is shown as A and ``second`` as B."""
    user = RUBRIC_TEMPLATE.format(prompt=prompt, response_a=first, response_b=second)
    return (Message("system", RUBRIC_SYSTEM), Message("user", user))


def swap_positions(j: RubricJudgment) -> RubricJudgment:
    """Map a backward-pass judgment (responses shown swapped) to the original positions."""
    label = {"A>B": "B>A", "B>A": "A>B"}.get(j.label, j.label)
    criteria = tuple(replace(c, score_a=c.score_b, score_b=c.score_a,
                             justification_a=c.justification_b,
                             justification_b=c.justification_a) for c in j.criteria)
    return replace(j, criteria=criteria, label=label)


class _Unusable(Exception):
    """Raised inside the parser for output that cannot give a judgment."""


def parse_rubric(text: str | None) -> tuple[RubricJudgment | None, str | None]:
    """``(judgment, None)`` or ``(None, problem)``; never raises."""
    try:
        return _parse(text), None
    except _Unusable as exc:
        return None, str(exc)
    except BaseException as exc:  # noqa: BLE001 - a judge's output must never crash a run
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return None, f"could not parse the rubric judgment ({type(exc).__name__})"


# ----------------------------------------------------------------------------- parsing

def _parse(text: str | None) -> RubricJudgment:
    if text is None or not isinstance(text, str) or not text.strip():
        raise _Unusable("empty judge output")
    text = text[:MAX_INPUT_CHARS]
    notes: list[str] = []
    doc = _json_document(text)
    structured = doc is not None   # a JSON reply: its label field alone is the label
    if doc is None:
        doc = _find_document(text)
    if doc is None:
        raise _Unusable("no YAML rubric with a 'criteria' section in the judge output")
    top = {_norm_key(k): v for k, v in doc.items()}
    criteria_raw = top.get("criteria", top.get("rubric"))
    label = _find_label("" if structured and "label" in top else text, top)
    overall = _first(top, ("overall_justification", "overall", "justification",
                           "overalljustification", "reasoning", "explanation"))
    if overall is None:
        notes.append("no overall_justification")
    criteria, renormalized = _criteria(criteria_raw, notes)
    return RubricJudgment(criteria=criteria, label=label, overall_justification=_text(overall),
                          renormalized=renormalized, notes=tuple(notes))


def _json_document(text: str) -> dict | None:
    """A structured (JSON) reply with criteria; criteria listed under the same name get
    ``_2``, ``_3`` suffixes (a small model repeats names)."""
    stripped = text.strip()
    if not stripped.startswith("{"):
        return None
    try:
        doc = json.loads(stripped)
    except (ValueError, RecursionError):
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("criteria"), list):
        return None
    seen: dict[str, int] = {}
    for entry in doc["criteria"]:
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            name = entry["name"].strip() or "criterion"
            seen[name] = seen.get(name, 0) + 1
            entry["name"] = name if seen[name] == 1 else f"{name}_{seen[name]}"
    return doc


def _candidates(text: str):
    """Pieces of the text that may be the YAML document, most specific first."""
    for m in re.finditer(r"```[ \t]*(?:ya?ml)?[^\n]*\n(.*?)(?:```|\Z)", text,
                         re.IGNORECASE | re.DOTALL):
        yield m.group(1)
    yield text


def _find_document(text: str) -> dict | None:
    for cand in _candidates(text):
        cand = cand.replace("\t", "    ").replace("```", "")
        # as it is (anchors defined above "criteria:" stay valid), then from "criteria:" on
        # (prose before the YAML)
        m = re.search(r"^[ \t]*[\"']?criteria[\"']?[ \t]*:", cand, re.IGNORECASE | re.MULTILINE)
        if m is None:
            continue
        start = cand.rfind("\n", 0, m.start()) + 1
        tries = (cand, cand[start:]) if start else (cand,)
        for block in tries:
            doc = _load(_dedent(block))
            if isinstance(doc, dict) and any(_norm_key(k) in ("criteria", "rubric") for k in doc):
                return doc
    return None


def _dedent(block: str) -> str:
    lines = block.split("\n")
    first = lines[0]
    indent = len(first) - len(first.lstrip(" "))
    if indent == 0:
        return block
    out = []
    for line in lines:
        out.append(line[indent:] if line[:indent].strip() == "" else line)
    return "\n".join(out)


def _load(block: str) -> Any:
    """``yaml.safe_load`` that cuts trailing junk at the error line and retries a few times."""
    for _ in range(_MAX_TRIMS):
        try:
            return yaml.safe_load(block)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            lines = block.split("\n")
            if mark is None or mark.line <= 0:
                return None
            block = "\n".join(lines[:min(mark.line, len(lines) - 1)])
        except Exception:  # noqa: BLE001 - recursion, encoding, anything else
            return None
    return None


def _norm_key(key: Any) -> str:
    if isinstance(key, bool) or not isinstance(key, (str, int, float)):
        return ""
    return re.sub(r"[\s\-]+", "_", str(key).strip().lower())


def _squash(key: Any) -> str:
    return _norm_key(key).replace("_", "")


def _first(d: dict, names: tuple[str, ...]) -> Any:
    for n in names:
        if n in d and d[n] is not None:
            return d[n]
    return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (str, int, float, bool)):
        return str(value).strip()
    return _SHORT.repr(value)[:500]  # a structure where text was expected: bounded


# --------------------------------------------------------------------------- the label

_LABEL_WORDS = {
    "a>b": "A>B", "a>>b": "A>B", "a": "A>B", "b>a": "B>A", "b>>a": "B>A", "b": "B>A",
    "a=b": "A=B", "tie": "A=B", "a=b(bothbad)": "A=B (bothbad)", "bothbad": "A=B (bothbad)",
}


def _label_token(raw: str) -> str:
    token = re.sub(r"[\s_\-]+", "", raw).lower()
    return _LABEL_WORDS.get(token, "")


def _yaml_label(value: Any) -> str | None:
    """A label written in the YAML: a string, or ``[[B>A]]`` unquoted (a nested list)."""
    for _ in range(3):
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
    if not isinstance(value, str):
        return None
    m = LABEL_RE.search(value)
    if m:
        return _label_token(m.group(1))
    return _label_token(value.strip("[] \"'")) or None


def _find_label(text: str, top: dict) -> str:
    found = [_label_token(m.group(1)) for m in LABEL_RE.finditer(text)]
    for key in ("label", "preference", "verdict", "final_verdict", "final_label", "winner"):
        if key in top:
            lab = _yaml_label(top[key])
            if lab:
                found.append(lab)
    found = [f for f in found if f]
    if not found:
        raise _Unusable("no preference label ([[A>B]], [[B>A]], [[A=B]] or [[A=B (bothbad)]]) "
                        "in the judge output")
    if len(set(found)) > 1:
        raise _Unusable(f"conflicting labels in the judge output: {', '.join(sorted(set(found)))}")
    return found[0]


# ------------------------------------------------------------------------------ criteria

def _criteria(raw: Any, notes: list[str]) -> tuple[tuple[Criterion, ...], bool]:
    items: list[tuple[str, Any]] = []
    if isinstance(raw, dict):
        items = [(_text(k), v) for k, v in raw.items()]
    elif isinstance(raw, list):
        for i, entry in enumerate(raw[:MAX_CRITERIA + 1]):
            if isinstance(entry, dict) and len(entry) == 1 and isinstance(
                    next(iter(entry.values())), dict):
                k, v = next(iter(entry.items()))
                items.append((_text(k), v))
            elif isinstance(entry, dict):
                fields = {_norm_key(k): v for k, v in entry.items()}
                name = _first(fields, ("name", "short_name", "criterion", "shortname"))
                items.append((_text(name) or f"criterion_{i + 1}", entry))
            else:
                raise _Unusable(f"criterion {i + 1} is not a mapping")
    else:
        raise _Unusable("'criteria' is not a mapping of short_name -> criterion")
    if not items:
        raise _Unusable("no criteria in the rubric")
    if len(items) > MAX_CRITERIA:
        raise _Unusable(f"more than {MAX_CRITERIA} criteria in the rubric")
    names = [n for n, _ in items]
    if any(not n for n in names):
        raise _Unusable("a criterion has no name")
    if len(set(names)) != len(names):
        raise _Unusable("duplicate criterion names in the rubric")

    parsed = [_criterion(name, body, notes) for name, body in items]
    raw_weights = [w for _, w in parsed]
    crits = [c for c, _ in parsed]

    if all(w is None for w in raw_weights):
        raw_weights = [(1.0, False)] * len(raw_weights)
        notes.append("no weights given: criteria weighted equally")
    elif any(w is None for w in raw_weights):
        missing = [c.name for c, w in zip(crits, raw_weights) if w is None]
        raise _Unusable(f"criterion without a weight: {', '.join(missing)}")
    if any(pct for _, pct in raw_weights):
        notes.append("weights given as percentages")
    if any(w > 1.0 for w, pct in raw_weights if not pct):  # a plain 50 means 50%
        raw_weights = [(w, True) if pct else (w / 100.0, True) for w, pct in raw_weights]
        notes.append("weights above 1 read as percentages")
    weights = [w for w, _ in raw_weights]
    total = math.fsum(weights)
    if total <= 0:
        raise _Unusable("criterion weights sum to 0")
    renormalized = False
    if abs(total - 1.0) > _WEIGHT_TOL:
        weights = [w / total for w in weights]
        renormalized = True
        notes.append(f"weights summed to {total:.6g}; renormalised to 1")
    crits = [replace(c, weight=w) for c, w in zip(crits, weights)]
    return tuple(crits), renormalized


def _field(body: dict, side: str, kind: str) -> Any:
    """``score_A``, ``A_score``, ``scoreA``, ``response_A_score`` or ``scores: {A: ..}``."""
    side = side.lower()
    for key, value in body.items():
        k = _squash(key)
        if k in (f"{kind}{side}", f"{side}{kind}", f"response{side}{kind}",
                 f"{kind}response{side}", f"{kind}for{side}"):
            return value
    for key, value in body.items():
        if _squash(key) in (f"{kind}s", kind) and isinstance(value, dict):
            for k2, v2 in value.items():
                if _squash(k2) in (side, f"response{side}"):
                    return v2
    return None


def _criterion(name: str, body: Any,
               notes: list[str]) -> tuple[Criterion, tuple[float, bool] | None]:
    if not isinstance(body, dict):
        raise _Unusable(f"criterion {name!r} is not a mapping")
    fields = {_norm_key(k): v for k, v in body.items()}
    score_a = _field(body, "a", "score")
    score_b = _field(body, "b", "score")
    if score_a is None or score_b is None:
        raise _Unusable(f"criterion {name!r} lacks a score for "
                        f"{'A' if score_a is None else 'B'}")
    ctype = fields.get("type")
    if ctype is None:
        ctype = "binary" if _looks_binary(score_a) and _looks_binary(score_b) else "scale"
        notes.append(f"criterion {name!r} has no type; taken as {ctype}")
    else:
        ctype = _text(ctype).lower()
        if ctype not in ("scale", "binary"):
            raise _Unusable(f"criterion {name!r} has unknown type {_text(fields.get('type'))!r} "
                            "(expected scale or binary)")
    if ctype == "scale":
        sa, sb = _scale(name, "A", score_a), _scale(name, "B", score_b)
    else:
        sa, sb = _binary(name, "A", score_a), _binary(name, "B", score_b)
    weight = _weight(name, fields.get("weight"))
    crit = Criterion(name=name, description=_text(fields.get("description")), weight=0.0,
                     type=ctype, score_a=sa, score_b=sb,
                     justification_a=_text(_field(body, "a", "justification")),
                     justification_b=_text(_field(body, "b", "justification")))
    return crit, weight


_NUM = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)"
_TRUE = {"true", "yes", "y", "1", "pass", "passed", "met", "t"}
_FALSE = {"false", "no", "n", "0", "fail", "failed", "not met", "unmet", "f"}


def _looks_binary(v: Any) -> bool:
    return isinstance(v, bool) or (isinstance(v, str) and v.strip().lower() in _TRUE | _FALSE
                                   and v.strip() not in ("1", "0"))


def _scale(name: str, side: str, v: Any) -> float:
    if isinstance(v, bool):
        raise _Unusable(f"criterion {name!r}: scale score for {side} is {v}, not 1-5")
    if isinstance(v, (int, float)):
        s = float(v)
    elif isinstance(v, str):
        m = re.fullmatch(rf"\s*({_NUM})\s*(?:(?:/|out\s+of|of)\s*5(?:\.0*)?)?\s*\.?\s*",
                         v, re.IGNORECASE)
        if m is None:
            raise _Unusable(f"criterion {name!r}: scale score for {side} is not a number: "
                            f"{v[:40]!r}")
        s = float(m.group(1))
    else:
        raise _Unusable(f"criterion {name!r}: scale score for {side} is not a number")
    if not math.isfinite(s) or not 1.0 <= s <= 5.0:
        raise _Unusable(f"criterion {name!r}: scale score for {side} is {s:g}, outside 1-5")
    return s


def _binary(name: str, side: str, v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)) and v in (0, 1):
        return bool(v)
    if isinstance(v, str):
        t = v.strip().strip(".").lower()
        if t in _TRUE:
            return True
        if t in _FALSE:
            return False
    raise _Unusable(f"criterion {name!r}: binary score for {side} is not true/false: "
                    f"{_text(v)[:40]!r}")


def _weight(name: str, v: Any) -> tuple[float, bool] | None:
    """``(weight, was_a_percentage_string)``; ``None`` when absent."""
    if v is None:
        return None
    if isinstance(v, bool):
        raise _Unusable(f"criterion {name!r}: weight is not a number")
    if isinstance(v, (int, float)):
        w, pct = float(v), False
    elif isinstance(v, str):
        m = re.fullmatch(rf"\s*({_NUM})\s*(%?)\s*", v)
        if m is None:
            raise _Unusable(f"criterion {name!r}: weight is not a number: {v[:40]!r}")
        w, pct = float(m.group(1)), bool(m.group(2))
    else:
        raise _Unusable(f"criterion {name!r}: weight is not a number")
    if not math.isfinite(w) or w < 0 or w > 100:
        raise _Unusable(f"criterion {name!r}: weight {w:g} is out of range")
    return (w / 100.0, True) if pct else (w, False)
