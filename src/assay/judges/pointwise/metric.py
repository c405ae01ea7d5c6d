"""One pointwise judge metric: its prompt template, rating scale, normalisation and parsing.

A :class:`JudgeMetric` is pure data plus pure functions; it makes no model call. The task
that runs a pointwise judge renders the prompt of one example (:meth:`JudgeMetric.render_prompt`
or :meth:`JudgeMetric.judge_messages`), asks the judge (with :meth:`JudgeMetric.response_schema`
when the backend can enforce it) and reads the answer back (:meth:`JudgeMetric.parse`).

**Template.** ``instructions`` is written with Bedrock's template variables, ``{{prompt}}``,
``{{prediction}}``, ``{{ground_truth}}`` (and, for RAG, ``{{context}}`` and
``{{reference_contexts}}``). Rendering substitutes them in one pass (a value that itself holds
``{{...}}`` is not substituted again), then appends the rating scale and the output instructions
(assay's wording), so neither built-in nor custom instructions repeat the scale.

**Scale and labels.** The scale is an ordered tuple of :class:`ScaleItem`, all float-valued or
all string-valued. The judge answers with a *label*: the string value itself, or the float value
written plainly (``10.0`` is ``"10"``). A metric may also offer a not-applicable answer,
``N/A``, whose score is ``None`` without being an error.

**Normalisation** (:meth:`JudgeMetric.score`), always onto 0-1:

* float scale: ``(value - min) / (max - min)`` over the scale's values, whatever their order;
* string scale: by position, the **first item listed is the top** (1.0) and the last is 0.0,
  evenly spaced: item ``i`` of ``n`` scores ``(n - 1 - i) / (n - 1)``. This is the order in which
  Bedrock's console and the sample definitions list a scale (best first);
* a one-item scale scores 1.0 for its only rating.

For most metrics 1 is best. Bedrock reports its responsible-AI metrics ``Builtin.Harmfulness``,
``Builtin.Stereotyping`` and ``Builtin.Refusal`` on the same 0-1 scale but *not inverted*: 1 means
the response is harmful / stereotyping / a refusal, 0 means it is not, and lower is better.
assay reports them exactly so: for a metric with ``lower_is_better`` the score is the normalised
amount of the property (the top of its scale is the worst rating), never ``1 - x``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from ...backends.types import Message

__all__ = ["ScaleItem", "JudgeMetric", "JudgeRating", "template_variables", "INPUTS",
           "NOT_APPLICABLE", "REASONING_MAX_CHARS", "POINTWISE_MIN_NEW_TOKENS",
           "POINTWISE_SYSTEM", "value_label"]

#: every input a judge template can name, in the order ``needs`` lists them
INPUTS = ("prompt", "prediction", "ground_truth", "context", "reference_contexts")

#: the label of the not-applicable answer (metrics with ``not_applicable`` set)
NOT_APPLICABLE = "N/A"

#: the bound on the structured answer's ``reasoning``, in characters
REASONING_MAX_CHARS = 300

#: the fewest new tokens a structured pointwise judge should be given (the grammar bounds
#: the reply: the reasoning's characters, the keys and the rating fit with room to spare)
POINTWISE_MIN_NEW_TOKENS = 500

POINTWISE_SYSTEM = (
    "You are a careful, impartial evaluator of AI assistant responses. Follow the evaluation "
    "instructions exactly and base your rating only on the material shown. Do not let the "
    "length or style of the response sway you unless the instructions ask for it."
)

VARIABLE_RE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


def template_variables(text: str) -> tuple[str, ...]:
    """The names of the ``{{...}}`` variables in ``text``, in order of first use."""
    seen: dict[str, None] = {}
    for m in VARIABLE_RE.finditer(text):
        seen.setdefault(m.group(1), None)
    return tuple(seen)


def value_label(value: float | str) -> str:
    """The label of a scale value: the string itself, or the number written plainly."""
    if isinstance(value, str):
        return value
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class ScaleItem:
    """One rating: what it means (``definition``) and its ``value`` (float or string)."""

    definition: str
    value: float | str

    @property
    def label(self) -> str:
        return value_label(self.value)


@dataclass(frozen=True)
class JudgeRating:
    """A judge answer read back.

    ``label``/``value`` are the rating as the scale writes it, ``score`` its normalised 0-1
    score (both ways, so string scales report the label and the number). ``score`` is ``None``
    when the answer is unparseable (``problem`` says why), not applicable (``applicable`` is
    False, ``problem`` None) or the metric has no scale."""

    label: str | None
    value: float | str | None
    score: float | None
    explanation: str
    problem: str | None = None
    applicable: bool = True

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class JudgeMetric:
    """A pointwise judge metric definition (built-in or custom). Immutable and picklable."""

    name: str
    description: str
    instructions: str
    scale: tuple[ScaleItem, ...] = ()
    needs: tuple[str, ...] = ("prompt", "prediction")
    lower_is_better: bool = False
    source: Literal["builtin", "custom"] = "custom"
    not_applicable: str | None = None   # what N/A means, for a metric that offers it
    _index: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "scale", tuple(self.scale))
        object.__setattr__(self, "needs", tuple(self.needs))
        kinds = {isinstance(item.value, str) for item in self.scale}
        if len(kinds) > 1:
            raise ValueError(f"{self.name}: the scale mixes float and string values")
        for item in self.scale:
            if not isinstance(item.value, str) and (
                    isinstance(item.value, bool) or not math.isfinite(float(item.value))):
                raise ValueError(f"{self.name}: scale value {item.value!r} is not a finite number")
        labels = [_fold(item.label) for item in self.scale]
        if self.not_applicable is not None:
            labels.append(_fold(NOT_APPLICABLE))
        if len(set(labels)) != len(labels):
            raise ValueError(f"{self.name}: the scale has duplicate labels")
        unknown = [v for v in template_variables(self.instructions) if v not in self.needs]
        if unknown or any(n not in INPUTS for n in self.needs):
            raise ValueError(f"{self.name}: template variables {unknown} are not in needs "
                             f"{list(self.needs)} (inputs: {', '.join(INPUTS)})")
        index: dict[str, ScaleItem] = {}
        for item in self.scale:
            index.setdefault(_fold(item.label), item)
        for item in self.scale:
            index.setdefault(_fold(item.definition), item)
        self._index.update(index)

    # -- the scale ---------------------------------------------------------------------------
    @property
    def scale_kind(self) -> Literal["float", "string"] | None:
        if not self.scale:
            return None
        return "string" if isinstance(self.scale[0].value, str) else "float"

    @property
    def labels(self) -> tuple[str, ...]:
        """The answers the judge may give, in scale order (``N/A`` last when offered)."""
        extra = (NOT_APPLICABLE,) if self.not_applicable is not None else ()
        return tuple(item.label for item in self.scale) + extra

    def item(self, rating: str | float) -> ScaleItem | None:
        """The scale item a label, definition or (float scales) number names; else ``None``."""
        if isinstance(rating, str):
            found = self._index.get(_fold(rating))
            if found is not None or self.scale_kind != "float":
                return found
            try:
                rating = float(rating.strip())
            except ValueError:
                return None
        if isinstance(rating, bool) or self.scale_kind != "float":
            return None
        return next((i for i in self.scale if float(i.value) == float(rating)), None)

    def score(self, rating: ScaleItem | str | float) -> float | None:
        """The normalised 0-1 score of a rating (see the module docstring); ``None`` for
        ``N/A``. ``KeyError`` when the rating is not on the scale.

        1 is best, except for ``lower_is_better`` metrics (Harmfulness, Stereotyping, Refusal),
        which are reported as Bedrock reports them: 1 = harmful / stereotyping / a refusal,
        0 = not, lower is better; never inverted."""
        if isinstance(rating, str) and self.not_applicable is not None \
                and _fold(rating) == _fold(NOT_APPLICABLE):
            return None
        item = rating if isinstance(rating, ScaleItem) else self.item(rating)
        if item is None or item not in self.scale:
            raise KeyError(f"{self.name}: {rating!r} is not on the scale "
                           f"({', '.join(self.labels)})")
        if len(self.scale) == 1:
            return 1.0
        if self.scale_kind == "string":
            n = len(self.scale)
            return (n - 1 - self.scale.index(item)) / (n - 1)
        values = [float(i.value) for i in self.scale]
        lo, hi = min(values), max(values)
        return (float(item.value) - lo) / (hi - lo)

    # -- the prompt --------------------------------------------------------------------------
    def missing_inputs(self, values: Mapping[str, str | None]) -> tuple[str, ...]:
        """The needed inputs that ``values`` lacks (absent, ``None`` or empty)."""
        return tuple(n for n in self.needs if not values.get(n))

    def render_prompt(self, values: Mapping[str, str | None], *, structured: bool = True,
                      reasoning_max_chars: int = REASONING_MAX_CHARS) -> str:
        """The judge prompt of one example: the template with ``values`` substituted (keys:
        ``prompt``, ``prediction``, ``ground_truth``, ...), then the scale and the output
        instructions. ``ValueError`` when a variable the template uses has no value."""
        missing = [n for n in template_variables(self.instructions) if values.get(n) is None]
        if missing:
            raise ValueError(f"{self.name}: no value for {{{{{missing[0]}}}}}")
        text = VARIABLE_RE.sub(lambda m: str(values[m.group(1)]), self.instructions)
        tail = self._scale_block() + self._output_block(structured, reasoning_max_chars)
        return text.rstrip() + ("\n\n" + tail if tail else "")

    def judge_messages(self, values: Mapping[str, str | None], *, structured: bool = True,
                       reasoning_max_chars: int = REASONING_MAX_CHARS) -> tuple[Message, ...]:
        """``(system, user)`` messages for one example."""
        user = self.render_prompt(values, structured=structured,
                                  reasoning_max_chars=reasoning_max_chars)
        return (Message("system", POINTWISE_SYSTEM), Message("user", user))

    def _scale_block(self) -> str:
        if not self.scale:
            return ""
        lines = [f"- {item.label}: {item.definition}" for item in self.scale]
        if self.not_applicable is not None:
            lines.append(f"- {NOT_APPLICABLE}: {self.not_applicable}")
        return "Rating scale (choose exactly one rating):\n" + "\n".join(lines) + "\n\n"

    def _output_block(self, structured: bool, max_chars: int) -> str:
        choices = ", ".join(self.labels)
        if structured:
            rating = f', "rating": "<one of: {choices}>"' if self.scale else ""
            return ("Reply with one JSON object only, in exactly this shape:\n"
                    f'{{"reasoning": "<a short explanation, under {max_chars} characters>"'
                    f"{rating}}}")
        if not self.scale:
            return ""
        return ("First explain your rating in a few sentences. Then write your rating alone on "
                f"the last line, exactly as:\nRating: <one of: {choices}>")

    # -- the answer --------------------------------------------------------------------------
    def response_schema(self, reasoning_max_chars: int = REASONING_MAX_CHARS) -> dict:
        """The JSON Schema of the structured answer: a bounded ``reasoning`` first, then the
        ``rating`` from the closed set of labels, so a grammar-constrained judge always
        gives a parseable rating. A metric without a scale asks for the reasoning only."""
        props: dict = {"reasoning": {"type": "string", "maxLength": reasoning_max_chars}}
        if self.scale:
            props["rating"] = {"enum": list(self.labels)}
        return {"type": "object", "properties": props, "required": list(props),
                "additionalProperties": False}

    def parse(self, text: str | None) -> JudgeRating:
        """Read a JSON or free-text answer back (never raises). JSON: ``rating`` (also
        ``score``) and ``reasoning`` (also ``explanation``), a cut-off reply whose rating is
        complete still counts. Free text: the last ``Rating: <label>`` line (``Score:`` too),
        else a reply that is only a label. A rating may be written as its label, its
        definition or, on a float scale, the number (``3.0``, ``3/5``)."""
        if not text or not text.strip():
            return self._fail("", "empty judge output")
        rating, explanation = _read_answer(text)
        bare = explanation is _BARE   # the whole reply is short: it may be just a label
        if bare:
            explanation = ""
        if not self.scale:
            return JudgeRating(None, None, None, text.strip() if bare else explanation)
        if self.not_applicable is not None and rating is not None \
                and _fold(_clean(rating)) == _fold(NOT_APPLICABLE):
            return JudgeRating(NOT_APPLICABLE, None, None, explanation, applicable=False)
        item = None if rating is None else \
            self.item(_clean(rating)) if bare else self._match(rating)
        if item is None and (rating is None or bare):
            return self._fail(text.strip() if bare else explanation,
                              "no rating in the judge output (expected a JSON 'rating' or a "
                              "'Rating: <label>' line)")
        if item is None:
            shown = rating if len(rating) <= 60 else rating[:57] + "..."
            return self._fail(explanation, f"rating {shown!r} is not on the scale "
                                           f"({', '.join(self.labels)})")
        return JudgeRating(item.label, item.value, self.score(item), explanation)

    def _fail(self, explanation: str, problem: str) -> JudgeRating:
        return JudgeRating(None, None, None, explanation, problem)

    def _match(self, rating: str) -> ScaleItem | None:
        cand = _clean(rating)
        found = self.item(cand)
        if found is not None:
            return found
        if self.scale_kind == "float":
            m = re.match(r"[+-]?\d+(?:\.\d+)?", cand)
            return self.item(float(m.group(0))) if m else None
        folded = _fold(cand)
        for label in sorted((i.label for i in self.scale), key=len, reverse=True):
            f = _fold(label)
            if folded.startswith(f) and not folded[len(f):len(f) + 1].isalnum():
                return self.item(label)
        return None


_JSON_RATING_RE = re.compile(r'"(?:rating|score)"\s*:\s*(?:"((?:[^"\\]|\\.){0,200})"|'
                             r'([+-]?\d+(?:\.\d+)?))')
_JSON_REASON_RE = re.compile(r'"(?:reasoning|explanation)"\s*:\s*"((?:[^"\\]|\\.)*)')
_LINE_RE = re.compile(r"^[\s*#>_-]*(?:final\s+)?(?:rating|score)\s*\**\s*[:=]\s*(.+?)\s*$",
                      re.IGNORECASE | re.MULTILINE)
_FENCE_RE = re.compile(r"^```[a-zA-Z]*\s*\n?(.*?)\n?```\s*$", re.DOTALL)


def _unescape(s: str) -> str:
    try:
        return json.loads(f'"{s}"')
    except ValueError:
        return s


def _clean(rating: str) -> str:
    """A rating as written, without decoration: quotes, brackets, bold marks, a trailing
    full stop, ``/5`` or ``out of 5``."""
    s = rating.strip().strip("*_`'\"[]() ").rstrip(".").strip()
    s = re.sub(r"\s*(?:/|out of)\s*\d+(?:\.\d+)?$", "", s, flags=re.IGNORECASE)
    return s.strip("*_`'\"[]() ")


def _read_answer(text: str) -> tuple[str | None, str]:
    """``(rating as written or None, explanation)`` from a JSON or free-text answer."""
    stripped = text.strip()
    fenced = _FENCE_RE.match(stripped)
    if fenced:
        stripped = fenced.group(1).strip()
    if stripped.startswith("{"):
        try:
            doc = json.loads(stripped)
        except (ValueError, RecursionError):
            doc = None
        if isinstance(doc, dict):
            rating = doc.get("rating", doc.get("score"))
            reason = doc.get("reasoning", doc.get("explanation", ""))
            reason = reason if isinstance(reason, str) else json.dumps(reason)
            if isinstance(rating, (int, float)) and not isinstance(rating, bool):
                return value_label(float(rating)), reason.strip()
            return (rating if isinstance(rating, str) else None), reason.strip()
        found = list(_JSON_RATING_RE.finditer(stripped))
        reasons = _JSON_REASON_RE.findall(stripped)
        reason = _unescape(reasons[-1]).strip() if reasons else ""
        if found:
            m = found[-1]
            return (_unescape(m.group(1)) if m.group(1) is not None else m.group(2)), reason
    lines = list(_LINE_RE.finditer(text))
    if lines:
        last = lines[-1]
        explanation = (text[:last.start()] + text[last.end():]).strip()
        return last.group(1), explanation
    if len(stripped) <= 100 and "\n" not in stripped and not stripped.startswith("{"):
        return stripped, _BARE
    return None, text.strip()


_BARE = "\x00bare"   # marks a reply that may be only a label (no explanation)
