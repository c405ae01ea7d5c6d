"""Symbolic equivalence of two math answers with sympy (used by ``prime_math``).

LaTeX-ish text is translated to a Python expression by a small whitelist translator
(``\\frac``, ``\\dfrac``, ``\\sqrt[n]{}``, ``^``, ``\\cdot``, ``\\times``, ``\\pi``,
``\\infty``, ``\\text{}``, braces), never by ``sympy.parsing.latex`` (which needs antlr).
Only digits, operators, brackets and the names ``sqrt``, ``pi``, ``oo`` and single letters
(each a plain ``Symbol``) reach :func:`sympy.parsing.sympy_parser.parse_expr`, so nothing
else can be evaluated. Tuples ``(a, b)``, intervals ``[a, b)``, sets ``\\{a, b\\}`` and bare
lists ``a, b`` are compared element by element (sets and bare lists in any order, interval
ends must match). Two expressions are equal when both are numbers within a relative
tolerance of 1e-6, or when ``simplify(a - b) == 0`` or ``a.equals(b)``.

sympy can run for very long on a pathological input (``9^{9^{9^9}}``), so the comparison
runs in a helper process (:class:`SymbolicChecker`) that is killed when it passes its time
limit; the answer is then "not shown equal".
"""

from __future__ import annotations

import json
import math
import os
import re
import selectors
import string
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

__all__ = ["to_python", "symbolic_equal", "SymbolicChecker", "serve", "REL_TOL"]

#: Relative tolerance for two numeric answers.
REL_TOL = 1e-6
_MAX_LEN = 300
_NAMES = {"sqrt", "pi", "oo"}
_DROP = ("\\left", "\\right", "\\displaystyle", "\\,", "\\;", "\\!", "\\ ", "$", "\\quad")
_SIMPLE = {"cdot": "*", "times": "*", "div": "/", "pi": "pi", "infty": "oo", "infinity": "oo",
           "ln": "log", "{": "{", "}": "}"}
_TEXT = {"text", "textbf", "mathrm", "mbox", "mathbf", "operatorname"}
_ALLOWED = re.compile(r"[0-9a-zA-Z+\-*/().,\[\]{}\s]*")


class _Untranslatable(ValueError):
    pass


def _group(s: str, i: int) -> tuple[str, int]:
    """The argument at ``s[i]``: a braced group or one character; returns (text, next)."""
    while i < len(s) and s[i] == " ":
        i += 1
    if i >= len(s):
        raise _Untranslatable("missing argument")
    if s[i] != "{":
        if s[i] == "\\":
            m = re.match(r"\\[a-zA-Z]+", s[i:])
            if m:
                return m.group(0), i + len(m.group(0))
        return s[i], i + 1
    depth = 0
    for j in range(i, len(s)):
        depth += {"{": 1, "}": -1}.get(s[j], 0)
        if depth == 0:
            return s[i + 1:j], j + 1
    raise _Untranslatable("unbalanced braces")


def _translate(s: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(s):
        c = s[i]
        if c == "\\":
            m = re.match(r"\\([a-zA-Z]+|[{}])", s[i:])
            if not m:
                raise _Untranslatable(f"stray backslash in {s!r}")
            name, i = m.group(1), i + len(m.group(0))
            if name in ("frac", "dfrac", "tfrac"):
                a, i = _group(s, i)
                b, i = _group(s, i)
                out.append(f"(({_translate(a)})/({_translate(b)}))")
            elif name == "sqrt":
                root = None
                if i < len(s) and s[i] == "[":
                    end = s.index("]", i)
                    root, i = s[i + 1:end], end + 1
                a, i = _group(s, i)
                out.append(f" sqrt({_translate(a)}) " if root is None
                           else f" (({_translate(a)})**(1/({_translate(root)}))) ")
            elif name in _TEXT:
                a, i = _group(s, i)
                out.append(_translate(a))
            elif name in _SIMPLE:
                out.append(f" {_SIMPLE[name]} " if name not in "{}" else name)
            else:
                raise _Untranslatable(f"unknown command \\{name}")
        elif c == "^":
            a, i = _group(s, i + 1)
            out.append(f"**({_translate(a)})")
        elif c == "{":
            a, i = _group(s, i)
            out.append(f"({_translate(a)})")
        else:
            out.append(c)
            i += 1
    return "".join(out)


def to_python(text: str) -> str:
    """The whitelisted Python expression text of a LaTeX-ish answer; ``ValueError`` when it
    has anything else (an unknown command, a multi-letter name, an oversized power)."""
    s = text.strip()
    for d in _DROP:
        s = s.replace(d, " " if d.startswith("\\") else "")
    if len(s) > _MAX_LEN:
        raise ValueError("answer too long for a symbolic check")
    py = _translate(s)
    if not _ALLOWED.fullmatch(py):
        raise ValueError(f"characters outside the whitelist in {text!r}")
    for word in re.findall(r"[A-Za-z]{2,}", py):
        if word not in _NAMES:
            raise ValueError(f"name {word!r} is not allowed")
    if py.count("**") > 4 or re.search(r"\*\*\s*\(?\s*\d{4,}", py) \
            or re.search(r"\*\*\s*\([^()]*\*\*", py):   # huge or nested powers
        raise ValueError("power too large for a symbolic check")
    return py


def _parse(text: str) -> Any:
    import sympy
    from sympy.parsing.sympy_parser import (implicit_multiplication_application, parse_expr,
                                            standard_transformations)

    local = {c: sympy.Symbol(c) for c in string.ascii_letters}
    local.update(sqrt=sympy.sqrt, pi=sympy.pi, oo=sympy.oo)
    return parse_expr(to_python(text), local_dict=local, global_dict={"__builtins__": {},
                      "Integer": sympy.Integer, "Float": sympy.Float,
                      "Rational": sympy.Rational, "Symbol": sympy.Symbol},
                      transformations=standard_transformations
                      + (implicit_multiplication_application,), evaluate=True)


def _split_top(s: str) -> list[str]:
    parts, depth, cur = [], 0, []
    for c in s:
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        if c == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(c)
    parts.append("".join(cur))
    return [p.strip() for p in parts]


def _structure(text: str) -> tuple[str, list[str]]:
    """``(kind, elements)``: kind ``set``, ``list`` (bare, unordered), ``seq:<open><close>``
    (a tuple or interval) or ``expr``."""
    s = text.strip()
    for d in ("\\left", "\\right", "$"):
        s = s.replace(d, "")
    s = s.strip()
    if s.startswith("\\{") and s.endswith("\\}"):
        return "set", _split_top(s[2:-2])
    if len(s) >= 2 and s[0] in "([" and s[-1] in ")]":
        inner = _split_top(s[1:-1])
        if len(inner) > 1:
            return f"seq:{s[0]}{s[-1]}", inner
    parts = _split_top(s)
    if len(parts) > 1:
        return "list", parts
    return "expr", [s]


def _expr_equal(a: Any, b: Any) -> bool:
    import sympy

    if a == b:
        return True
    if isinstance(a, sympy.Basic) and isinstance(b, sympy.Basic) and \
            not a.free_symbols and not b.free_symbols:
        try:
            x, y = complex(sympy.N(a, 30)), complex(sympy.N(b, 30))
        except (TypeError, ValueError):
            x = y = None
        if x is not None and y is not None:
            return math.isclose(x.real, y.real, rel_tol=REL_TOL, abs_tol=1e-12) and \
                math.isclose(x.imag, y.imag, rel_tol=REL_TOL, abs_tol=1e-12)
    try:
        if sympy.simplify(a - b) == 0:
            return True
        return bool(a.equals(b))
    except (TypeError, ValueError, AttributeError, NotImplementedError):
        return False


def _text_equal(a: str, b: str) -> bool:
    try:
        return _expr_equal(_parse(a), _parse(b))
    except (ValueError, TypeError, SyntaxError, AttributeError, ZeroDivisionError,
            RecursionError, NotImplementedError):
        return False
    except Exception:   # sympy raises its own error types for odd input  # noqa: BLE001
        return False


def _unordered(xs: list[str], ys: list[str]) -> bool:
    if len(xs) != len(ys):
        return False
    left = list(ys)
    for x in xs:
        hit = next((k for k, y in enumerate(left) if _text_equal(x, y)), None)
        if hit is None:
            return False
        left.pop(hit)
    return True


def symbolic_equal(a: str, b: str) -> bool:
    """Whether two answers are the same mathematical object (no time limit: see
    :class:`SymbolicChecker`)."""
    ka, xa = _structure(a)
    kb, xb = _structure(b)
    if ka == "expr" and kb == "expr":
        return _text_equal(xa[0], xb[0])
    if ka.startswith("seq") or kb.startswith("seq"):
        return ka == kb and len(xa) == len(xb) and all(map(_text_equal, xa, xb))
    if {ka, kb} <= {"set", "list"}:
        return _unordered(xa, xb)
    return False


def serve() -> None:
    """The helper process: one ``{"a", "b"}`` JSON line in, one ``{"equal"}`` line out."""
    import sympy  # noqa: F401  (loaded once, before the first question)

    for line in sys.stdin:
        try:
            q = json.loads(line)
            ok = symbolic_equal(str(q["a"]), str(q["b"]))
        except Exception:  # noqa: BLE001
            ok = False
        sys.stdout.write(json.dumps({"equal": ok}) + "\n")
        sys.stdout.flush()


class SymbolicChecker:
    """Runs :func:`symbolic_equal` in a helper process with a time limit per comparison.

    The process is started on first use and reused; one that runs past ``timeout`` seconds
    is killed (the answer counts as not equal) and a fresh one starts next time. Calls from
    several threads take turns."""

    def __init__(self, timeout: float = 5.0, start_timeout: float = 60.0) -> None:
        self.timeout = timeout
        self.start_timeout = start_timeout
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._started = False

    def _ensure(self) -> subprocess.Popen:
        if self._proc is None or self._proc.poll() is not None:
            src = str(Path(__file__).resolve().parents[2])   # where this assay lives
            env = dict(os.environ)
            env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
            self._proc = subprocess.Popen(
                [sys.executable, "-c", "from assay.rewards.symbolic import serve; serve()"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                text=True, bufsize=1, env=env)
            self._started = False
        return self._proc

    def equal(self, a: str, b: str) -> bool | None:
        """True/False, or None when the check passed its time limit."""
        with self._lock:
            proc = self._ensure()
            limit = self.timeout if self._started else self.timeout + self.start_timeout
            try:
                proc.stdin.write(json.dumps({"a": a, "b": b}) + "\n")
                proc.stdin.flush()
            except OSError:
                self.close_locked()
                return None
            with selectors.DefaultSelector() as sel:
                sel.register(proc.stdout, selectors.EVENT_READ)
                ready = sel.select(limit)
            if not ready:
                self.close_locked()
                return None
            line = proc.stdout.readline()
            if not line:
                self.close_locked()
                return None
            self._started = True
            return bool(json.loads(line).get("equal"))

    def close_locked(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc is not None:
            for f in (proc.stdin, proc.stdout):
                try:
                    f.close()
                except OSError:
                    pass

    def close(self) -> None:
        with self._lock:
            self.close_locked()
