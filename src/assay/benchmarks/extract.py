"""Answer extraction and normalisation for generation scoring (pure functions).

* choice letters from free text (``Answer: B``, ``the answer is (B)``, a lone ``B``);
* GSM8K numbers (``#### N``, then ``The answer is N`` as lm-evaluation-harness's
  ``gsm8k_cot`` strict match, then the last number as its flexible extract);
* MATH answers: the last ``\\boxed{}`` and the normalisation of Hendrycks et al.'s
  ``is_equiv`` (fractions, ``\\left``/``\\right``, units, ``x = 5``, ``0.5``, ``a/b``),
  plus thousands commas in plain numbers and trailing ``\\text{ cm}`` units.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from fractions import Fraction

__all__ = ["extract_choice_letter", "extract_gsm8k_answer", "normalize_number", "numbers_equal",
           "last_boxed_only_string", "remove_boxed", "strip_string", "is_equiv",
           "extract_math_answer"]

# -- multiple choice by generation -------------------------------------------------------------

_ANSWER_LETTER = re.compile(
    r"(?i:answer)(?:\s*(?i:is))?[\s*:：]*(?:(?i:option|choice)\s+)?"
    r"(?:\$?\\(?:boxed|textbf|text)\{)?[\s*]*"
    r"\(?([A-Za-z])\)?(?![A-Za-z0-9])")
_LONE_LETTER = re.compile(r"^[\s*]*\(?([A-Z])\)?[\s*.]*$")
_LEADING_LETTER = re.compile(r"^[\s*]*(?:\(([A-Z])\)|([A-Z])[).:])\s")


def extract_choice_letter(text: str | None, labels: Sequence[str] = ()) -> str | None:
    """The letter a model chose: the last ``Answer: X`` / ``answer is (X)`` /
    ``**Answer:** X`` (any case, with or without brackets, bold or a period), else a lone
    ``B``, ``(B)``, ``B.`` or a response that starts ``B) …``; None when nothing matches.
    Only letters in ``labels`` (all capitals when empty) count."""
    if not text:
        return None
    allowed = set(labels) if labels else {chr(c) for c in range(65, 91)}
    found = None
    for m in _ANSWER_LETTER.finditer(text):
        letter = m.group(1)
        in_parens = m.group(0).rstrip().endswith(")")
        if letter.upper() in allowed and (letter.isupper() or in_parens):
            found = letter.upper()
    if found:
        return found
    stripped = text.strip()
    m = _LONE_LETTER.match(stripped) or _LEADING_LETTER.match(stripped + " ")
    if m:
        letter = next(g for g in m.groups() if g)
        return letter if letter in allowed else None
    return None


# -- numbers (GSM8K) ---------------------------------------------------------------------------

_NUMBER = r"(?<![\w.])-?\d+(?:,\d{3})*(?:\.\d+)?(?:/\d+)?|(?<![\w.])-?\.\d+"
_NUMBER_RE = re.compile(_NUMBER)
_HASHES = re.compile(r"####\s*([^\n]*)")
_THE_ANSWER = re.compile(
    r"(?i:the\s+(?:final\s+)?answer\s+is)[\s:*]*(?:\\boxed\{)?\s*\$?\s*(" + _NUMBER + ")")


def normalize_number(s: str | None) -> str | None:
    """A number's canonical text: no ``$``, commas, units or trailing period; ``5.00`` → ``5``,
    ``0.50`` → ``0.5``, ``-3`` and fractions ``3/4`` kept. Text without a number comes back
    stripped (None stays None)."""
    if s is None:
        return None
    t = s.strip().replace("$", "").replace("\\!", "")
    m = _NUMBER_RE.search(t)
    if m is None:
        return t.rstrip(".").strip()
    tok = m.group(0).replace(",", "")
    if "/" in tok:
        return tok
    try:
        d = Decimal(tok)
    except InvalidOperation:
        return tok
    if d == d.to_integral_value():
        return str(int(d))
    out = format(d.normalize(), "f")
    return out


def _as_number(s: str | None) -> float | None:
    n = normalize_number(s)
    if n is None or not _NUMBER_RE.fullmatch(n):
        return None
    try:
        return float(Fraction(n))
    except (ValueError, ZeroDivisionError):
        return None


def numbers_equal(a: str | None, b: str | None, *, tol: float = 1e-6) -> bool:
    """Whether ``a`` and ``b`` are the same number (``1000`` == ``1,000.00``; absolute
    tolerance ``tol``); non-numbers compare by their normalised text."""
    if a is None or b is None:
        return False
    x, y = _as_number(a), _as_number(b)
    if x is None or y is None:
        return normalize_number(a) == normalize_number(b)
    return math.isclose(x, y, rel_tol=0.0, abs_tol=tol)


def extract_gsm8k_answer(text: str | None) -> str | None:
    """The final number of a GSM8K answer, normalised: ``#### N`` (reference answers), else
    the last ``The answer is N``, else the last number in the text; None when there is none."""
    if not text:
        return None
    m = _HASHES.search(text)
    if m and _NUMBER_RE.search(m.group(1).replace("$", "")):
        return normalize_number(m.group(1))
    hits = _THE_ANSWER.findall(text)
    if hits:
        return normalize_number(hits[-1])
    nums = _NUMBER_RE.findall(text)
    return normalize_number(nums[-1]) if nums else None


# -- MATH --------------------------------------------------------------------------------------

def last_boxed_only_string(text: str | None) -> str | None:
    """The last ``\\boxed{…}`` (or ``\\fbox{…}``) with balanced braces, or ``\\boxed x`` (one
    token after a space); None when there is none or the braces never close."""
    if not text:
        return None
    idx = text.rfind("\\boxed")
    cmd = "\\boxed"
    if idx < 0:
        idx, cmd = text.rfind("\\fbox"), "\\fbox"
        if idx < 0:
            return None
    rest = text[idx + len(cmd):]
    if rest.lstrip().startswith("{"):
        return _balanced(text, idx)
    token = re.match(r" +([^\s$]+)", rest)
    return f"{cmd} {token.group(1)}" if token else None


def _balanced(text: str, idx: int) -> str | None:
    depth = 0
    for i in range(idx, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return text[idx:i + 1]
    return None


def remove_boxed(s: str | None) -> str | None:
    """The content of ``\\boxed{…}``, ``\\fbox{…}`` or ``\\boxed x``; None otherwise."""
    if s is None:
        return None
    for cmd in ("\\boxed", "\\fbox"):
        if not s.startswith(cmd):
            continue
        rest = s[len(cmd):]
        if rest.lstrip().startswith("{") and rest.endswith("}"):
            return rest.lstrip()[1:-1]
        if rest.startswith(" "):
            return rest.strip()
    return None


def _fix_fracs(s: str) -> str:
    """``\\frac12`` → ``\\frac{1}{2}``, ``\\frac1{2}`` → ``\\frac{1}{2}``."""
    parts = s.split("\\frac")
    out = parts[0]
    for part in parts[1:]:
        out += "\\frac"
        if part.startswith("{"):
            out += part
            continue
        if len(part) < 2:
            return s
        a, b, post = part[0], part[1], part[2:]
        out += "{" + a + "}" + ("{" + b + "}" + post if b != "{" else b + post)
    return out


def _fix_a_slash_b(s: str) -> str:
    """``3/4`` (two integers) → ``\\frac{3}{4}``."""
    m = re.fullmatch(r"(-?\d+)/(\d+)", s)
    return f"\\frac{{{int(m.group(1))}}}{{{int(m.group(2))}}}" if m else s


def _fix_sqrt(s: str) -> str:
    """``\\sqrt2`` → ``\\sqrt{2}``."""
    parts = s.split("\\sqrt")
    out = parts[0]
    for part in parts[1:]:
        out += "\\sqrt" + (part if not part or part[0] == "{" else "{" + part[0] + "}" + part[1:])
    return out


def _remove_right_units(s: str) -> str:
    """Drop a trailing unit: everything from ``\\text{ `` (Hendrycks), or a final
    ``\\text{cm}``/``\\mbox{…}`` of letters after a number."""
    if "\\text{ " in s:
        head = s.split("\\text{ ")[0]
        if head.strip():
            return head
    m = re.fullmatch(r"(.*?\d[^a-zA-Z]*?)\s*\\(?:text|mbox)\{\s*[a-zA-Z ]+\}(\^\{?\d\}?)?",
                     s)
    return m.group(1) if m else s


def strip_string(s: str) -> str:
    """Hendrycks et al.'s MATH answer normalisation, plus thousands commas and units."""
    s = s.replace("\n", "").replace("\\!", "").replace("\\\\", "\\")
    s = s.replace("tfrac", "frac").replace("dfrac", "frac")
    s = s.replace("\\left", "").replace("\\right", "")
    s = s.replace("^{\\circ}", "").replace("^\\circ", "")
    s = s.replace("\\$", "").replace("$", "")
    s = _remove_right_units(s.strip())
    s = s.replace("\\%", "").replace("%", "")
    s = s.replace(" .", " 0.").replace("{.", "{0.")
    s = s.strip()
    if not s:
        return s
    if s[0] == ".":
        s = "0" + s
    halves = s.split("=")
    if len(halves) == 2 and len(halves[0].strip()) <= 2:
        s = halves[1]
    s = _fix_sqrt(s)
    s = s.replace(" ", "")
    s = s.replace("{,}", ",")
    if re.fullmatch(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?", s):
        s = s.replace(",", "")
    s = _fix_fracs(s)
    if s == "0.5":
        s = "\\frac{1}{2}"
    return _fix_a_slash_b(s)


def is_equiv(a: str | None, b: str | None) -> bool:
    """Whether two MATH answers are equal after :func:`strip_string` (or as plain numbers)."""
    if a is None and b is None:
        return True
    if a is None or b is None:
        return False
    try:
        sa, sb = strip_string(a), strip_string(b)
    except (IndexError, ValueError):
        return a == b
    if sa == sb:
        return True
    plain = re.compile(r"-?\d+(?:\.\d+)?")
    return bool(plain.fullmatch(sa) and plain.fullmatch(sb) and numbers_equal(sa, sb))


_MINERVA = re.compile(r"(?i)final answer is[:\s]*(.+?)(?:\.?\s*I hope it is correct\.?)?\s*$",
                      re.M)
_ANSWER_LINE = re.compile(r"(?i)^[\s*#]*answer[\s*]*:[\s*]*(.+?)\s*$", re.M)


def _clean_answer(s: str) -> str:
    s = s.strip().strip("*").strip()
    if len(s) >= 2 and s[0] == "$" and s[-1] == "$":
        s = s.strip("$").strip()
    return s.rstrip(".").strip()


def extract_math_answer(text: str | None) -> str | None:
    """A MATH answer from a model's text: the last ``\\boxed{}``, else Minerva's ``The final
    answer is X``, else the last ``Answer: X`` line; None when none is found."""
    if not text:
        return None
    boxed = remove_boxed(last_boxed_only_string(text))
    if boxed is not None:
        return boxed.strip()
    for rx in (_MINERVA, _ANSWER_LINE):
        hits = rx.findall(text)
        if hits:
            return _clean_answer(hits[-1])
    return None
