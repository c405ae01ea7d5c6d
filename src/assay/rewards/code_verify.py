"""``prime_code``: a verifiable code reward (1 when the model's code passes the tests, else 0).

The code is the response's last fenced block (```` ```python ```` or a bare fence; the last
one defining the entry point when there are several), else the whole response. Accepted
``reference_answer`` shapes (an object may also arrive as its JSON text):

* ``{"test": "<code defining check(candidate)>", "entry_point": "f", "prompt"?: "..."}``:
  HumanEval; the program is the code, the test code and ``check(f)``. When the code does not
  define ``f`` and a ``prompt`` (the function's signature and docstring) is given, the code
  is taken as the body completing the prompt (HumanEval's completion style);
* ``{"tests": ["assert f(1) == 2", ...]}`` or ``{"test_list": [...]}`` (MBPP style), with an
  optional ``"setup"`` code run before the asserts;
* a string: test code (asserts) run after the code.

The program runs in :func:`assay.rewards.sandbox.run_python`. Metrics: ``pass`` (the
reward), ``timed_out``, ``code_found``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from .contract import RewardMetric, RewardResult, RewardSample
from .sandbox import SandboxLimits, SandboxResult, run_python

__all__ = ["CodeTests", "CodeVerdict", "extract_code", "code_tests", "build_program",
           "verify_code", "prime_code"]

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)```", re.S)


@dataclass(frozen=True)
class CodeTests:
    """The tests of one sample: test code, the entry point it checks (or None), the prompt
    that a completion continues (or None)."""

    test: str
    entry_point: str | None = None
    prompt: str | None = None


@dataclass(frozen=True)
class CodeVerdict:
    passed: bool
    code_found: bool
    result: SandboxResult | None

    @property
    def reward(self) -> float:
        return 1.0 if self.passed else 0.0


def extract_code(response: str | None, entry_point: str | None = None) -> str | None:
    """The code in a response (see the module docstring); None for an empty response."""
    if not response or not response.strip():
        return None
    blocks = [body for lang, body in _FENCE.findall(response)
              if lang.lower() in ("", "python", "py", "python3")]
    if not blocks:
        return response
    if entry_point:
        defining = [b for b in blocks if re.search(rf"\bdef\s+{re.escape(entry_point)}\b", b)]
        if defining:
            return defining[-1]
    return blocks[-1]


def code_tests(reference: Any) -> CodeTests:
    """The tests a ``reference_answer`` holds; ``ValueError`` for another shape."""
    if isinstance(reference, str) and reference.lstrip().startswith("{"):
        try:
            reference = json.loads(reference)
        except ValueError:
            pass
    if isinstance(reference, str):
        if not reference.strip():
            raise ValueError("the reference_answer holds no tests")
        return CodeTests(reference)
    if isinstance(reference, dict):
        if isinstance(reference.get("test"), str):
            entry = reference.get("entry_point")
            if entry is not None and not (isinstance(entry, str) and entry.isidentifier()):
                raise ValueError("reference_answer.entry_point must be a function name")
            prompt = reference.get("prompt")
            return CodeTests(reference["test"], entry,
                             prompt if isinstance(prompt, str) else None)
        for key in ("tests", "test_list"):
            items = reference.get(key)
            if isinstance(items, list) and items and all(isinstance(t, str) for t in items):
                setup = reference.get("setup") or ""
                return CodeTests("\n".join([str(setup), *items]))
    raise ValueError("reference_answer must be test code, {\"test\", \"entry_point\"} or "
                     "{\"tests\": [...]}")


def build_program(code: str, tests: CodeTests) -> str:
    """The program that runs the code against the tests."""
    if tests.prompt and tests.entry_point and \
            not re.search(rf"\bdef\s+{re.escape(tests.entry_point)}\b", code):
        code = tests.prompt + code
    parts = [code, "", tests.test, ""]
    if tests.entry_point and re.search(r"\bdef\s+check\s*\(", tests.test):
        parts.append(f"check({tests.entry_point})")
    return "\n".join(parts) + "\n"


def verify_code(response: str | None, reference: Any, *,
                limits: SandboxLimits = SandboxLimits(cpu_seconds=5, wall_seconds=10.0)
                ) -> CodeVerdict:
    """Run the response's code against the reference's tests in the sandbox."""
    tests = code_tests(reference)
    code = extract_code(response, tests.entry_point)
    if code is None:
        return CodeVerdict(False, False, None)
    result = run_python(build_program(code, tests), limits=limits)
    return CodeVerdict(result.ok, True, result)


def prime_code(sample: RewardSample) -> RewardResult:
    """The ``prime_code`` reward of one sample: 1.0 when every test passes, else 0.0, with
    ``pass``, ``timed_out`` and ``code_found``. A reference without tests raises
    ``ValueError`` (the example's error)."""
    v = verify_code(sample.response, sample.reference_answer)
    timed_out = bool(v.result is not None and v.result.timed_out)
    return RewardResult(id=sample.id, aggregate_reward_score=v.reward, metrics_list=[
        RewardMetric(name="pass", value=v.reward, type="Reward"),
        RewardMetric(name="timed_out", value=float(timed_out), type="Metric"),
        RewardMetric(name="code_found", value=float(v.code_found), type="Metric"),
    ])
