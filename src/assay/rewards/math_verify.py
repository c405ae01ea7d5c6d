"""``prime_math``: a verifiable math reward (1 when the final answer is right, else 0).

The final answer of the response is found with the MATH benchmark's extraction
(:func:`assay.benchmarks.extract.extract_math_answer`: the last ``\\boxed{}``, Minerva's
"The final answer is X", an ``Answer: X`` line), then GSM8K's ``#### N``, then the text after
the last "the answer is";
a response that is one short line is itself the answer. The reference is
``reference_answer`` as text, or its ``answer`` / ``final_answer`` / ``ground_truth`` /
``solution`` key when it is an object; a reference holding a ``\\boxed{}`` (a full
solution) or ``#### N`` is reduced to that answer.

The two are equal (:func:`math_equal`), checked in this order:

1. ``string``: equal after Hendrycks et al.'s normalisation
   (:func:`assay.benchmarks.extract.is_equiv`);
2. ``number``: both plain numbers (fractions, thousands commas allowed) within a relative
   tolerance of 1e-6;
3. ``symbolic``: sympy equivalence (:mod:`.symbolic`), in a helper process with a time
   limit.

Metrics: ``exact_match`` (the reward), ``string_match`` (step 1 alone) and ``answer_found``.
"""

from __future__ import annotations

import atexit
import math
import re
import threading
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ..benchmarks.extract import (extract_gsm8k_answer, extract_math_answer, is_equiv,
                                  last_boxed_only_string, normalize_number, remove_boxed,
                                  strip_string)
from .contract import RewardMetric, RewardResult, RewardSample
from .symbolic import REL_TOL, SymbolicChecker

__all__ = ["MathVerdict", "extract_answer", "reference_text", "math_equal", "verify_math",
           "prime_math"]

_REFERENCE_KEYS = ("answer", "final_answer", "ground_truth", "solution", "reference")
_HASHES = re.compile(r"####\s*(.+)")
_ANSWER_IS = re.compile(r"(?i)\bthe\s+(?:final\s+)?answer\s+is[:\s]*(.+?)\s*(?:\.\s|\.?$|\n)",
                        re.M)
_PLAIN = re.compile(r"-?\d+(?:\.\d+)?(?:/\d+)?")
_checker: SymbolicChecker | None = None
_checker_lock = threading.Lock()


def _symbolic() -> SymbolicChecker:
    global _checker
    with _checker_lock:
        if _checker is None:
            _checker = SymbolicChecker()
            atexit.register(_checker.close)   # the helper process ends with assay
        return _checker


@dataclass(frozen=True)
class MathVerdict:
    """How one response compared: the two answers, whether they are equal and by which
    step (``string``, ``number``, ``symbolic``, or ``none``)."""

    answer: str | None
    reference: str | None
    correct: bool
    how: str

    @property
    def reward(self) -> float:
        return 1.0 if self.correct else 0.0


def extract_answer(response: str | None) -> str | None:
    """The final answer of a response (see the module docstring); None when none is found."""
    if not response or not response.strip():
        return None
    got = extract_math_answer(response)
    if got is not None:
        return got
    if "####" in response:
        return extract_gsm8k_answer(response)
    hits = _ANSWER_IS.findall(response)
    if hits:
        return hits[-1].strip().strip("$ ").rstrip(".").strip() or None
    text = response.strip()
    if "\n" not in text and len(text) <= 100:
        return text.strip("$ ").rstrip(".").strip() or None
    return None


def reference_text(reference: Any) -> str | None:
    """The reference answer as text (see the module docstring)."""
    if isinstance(reference, dict):
        for key in _REFERENCE_KEYS:
            if reference.get(key) is not None:
                return reference_text(reference[key])
        return None
    if isinstance(reference, bool) or reference is None:
        return None
    if isinstance(reference, (int, float)):
        return str(reference)
    text = str(reference).strip()
    boxed = remove_boxed(last_boxed_only_string(text))
    if boxed is not None:
        return boxed.strip()
    m = _HASHES.search(text)
    if m:
        return m.group(1).strip()
    return text


def _as_number(s: str) -> float | None:
    t = normalize_number(s)
    if t is None or not _PLAIN.fullmatch(t):
        return None
    try:
        return float(Fraction(t))
    except (ValueError, ZeroDivisionError):
        return None


def _number_equal(a: str, b: str) -> bool | None:
    """None when either is not a plain number."""
    try:
        sa, sb = strip_string(a), strip_string(b)
    except (IndexError, ValueError):
        sa, sb = a, b
    x = _as_number(sa) if _PLAIN.fullmatch(sa) else None   # "1,000" is "1000" by now
    y = _as_number(sb) if _PLAIN.fullmatch(sb) else None
    if x is None or y is None:
        return None
    return math.isclose(x, y, rel_tol=REL_TOL, abs_tol=1e-12)


def math_equal(answer: str | None, reference: str | None, *,
               symbolic: bool = True) -> tuple[bool, str]:
    """``(equal, how)``: see the module docstring; ``symbolic=False`` skips step 3."""
    if answer is None or reference is None:
        return False, "none"
    if is_equiv(answer, reference):
        return True, "string"
    num = _number_equal(answer, reference)
    if num is not None:
        return num, "number" if num else "none"
    if symbolic:
        pairs = [(answer, reference)]
        try:   # the normalised forms too (units, "x = 5", ...), when they differ
            stripped = (strip_string(answer), strip_string(reference))
        except (IndexError, ValueError):
            stripped = pairs[0]
        if stripped != pairs[0]:
            pairs.append(stripped)
        if any(_symbolic().equal(a, b) for a, b in pairs):
            return True, "symbolic"
    return False, "none"


def verify_math(response: str | None, reference: Any, *, symbolic: bool = True) -> MathVerdict:
    """Extract the response's answer and compare it with the reference."""
    answer, ref = extract_answer(response), reference_text(reference)
    ok, how = math_equal(answer, ref, symbolic=symbolic)
    return MathVerdict(answer, ref, ok, how)


def prime_math(sample: RewardSample) -> RewardResult:
    """The ``prime_math`` reward of one sample: 1.0 or 0.0, with ``exact_match``,
    ``string_match`` and ``answer_found``."""
    v = verify_math(sample.response, sample.reference_answer)
    return RewardResult(id=sample.id, aggregate_reward_score=v.reward, metrics_list=[
        RewardMetric(name="exact_match", value=v.reward, type="Reward"),
        RewardMetric(name="string_match", value=float(v.how == "string"), type="Metric"),
        RewardMetric(name="answer_found", value=float(v.answer is not None), type="Metric"),
    ])
