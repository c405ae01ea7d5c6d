"""prime_math: golden pairs (tests/rewards/golden_math.json) and MATH reference solutions."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import pytest

from assay.benchmarks.extract import last_boxed_only_string, remove_boxed
from assay.rewards import RewardSample, prime_math, verify_math
from assay.rewards.symbolic import SymbolicChecker, symbolic_equal, to_python

HERE = Path(__file__).parent
GOLDEN = json.loads((HERE / "golden_math.json").read_text(encoding="utf-8"))
MATH = Path(__file__).resolve().parents[2].parent / "shared" / "benchdata" / "math"


@pytest.mark.parametrize("case", GOLDEN, ids=[c["note"] for c in GOLDEN])
def test_golden_pairs(case):
    v = verify_math(case["response"], case["reference"])
    assert v.reward == case["reward"], (v, case)


def test_prime_math_result_shape():
    s = RewardSample.model_validate({"id": "q1", "messages": [
        {"role": "user", "content": "1/2?"},
        {"role": "assistant", "content": "so \\boxed{2\\sqrt{2}}"}],
        "reference_answer": {"answer": "\\sqrt{8}"}})
    r = prime_math(s)
    assert r.id == "q1" and r.aggregate_reward_score == 1.0
    assert r.metrics() == {"aggregate_reward_score": 1.0, "exact_match": 1.0,
                           "string_match": 0.0, "answer_found": 1.0}
    assert {m.name: m.type for m in r.metrics_list}["exact_match"] == "Reward"


def test_how_each_pair_matched():
    assert verify_math("\\boxed{\\dfrac{1}{2}}", "\\frac12").how == "string"
    assert verify_math("\\boxed{100000000.5}", "100000000").how == "number"
    assert verify_math("\\boxed{2\\sqrt{2}}", "\\sqrt{8}").how == "symbolic"
    assert verify_math("\\boxed{2\\sqrt{2}}", "\\sqrt{8}", symbolic=False).reward == 0.0


@pytest.mark.parametrize("text", ["__import__('os').system('true')", "x.__class__",
                                  "\\input{/etc/passwd}", "exec(1)", "9^{99999}"])
def test_translator_refuses_anything_but_math(text):
    with pytest.raises(ValueError):
        to_python(text)
    assert symbolic_equal(text, "1") is False


def test_time_limit_kills_a_slow_check():
    checker = SymbolicChecker(timeout=0.5)
    try:
        assert checker.equal("x+1", "1+x") is True          # starts the helper
        # simplify expands a trinomial to the 200th power: far longer than 0.5 s
        t0 = time.monotonic()
        assert checker.equal("(x+y+z+1)^{200}", "(x+y+z+2)^{200}") is None
        assert time.monotonic() - t0 < 5.0
        assert checker.equal("2\\sqrt{2}", "\\sqrt{8}") is True   # a fresh helper answers
    finally:
        checker.close()


def test_math_reference_solutions_get_reward_one():
    """The boxed answer of a MATH reference solution, as a model response, is equal to the
    dataset's answer for a seeded sample of MATH-500."""
    path = MATH / "math500_test.jsonl"
    if not path.is_file():
        pytest.skip("shared/benchdata/math not present beside the repository")
    rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    rng = random.Random(16)
    picked = rng.sample(rows, 60)
    failed = []
    for r in picked:
        boxed = remove_boxed(last_boxed_only_string(r["solution"]))
        if boxed is None:
            continue
        v = verify_math(r["solution"], r["answer"])
        if v.reward != 1.0:
            failed.append((r["unique_id"], v.answer, r["answer"]))
    assert not failed, failed
