"""prime_code on real HumanEval problems: the canonical solution passes, a wrong one fails."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assay.rewards import RewardSample, code_tests, extract_code, prime_code, verify_code
from assay.rewards.code_verify import build_program
from assay.rewards.sandbox import SandboxLimits

HUMANEVAL = Path(__file__).resolve().parents[2].parent / "shared" / "benchdata" / "humaneval" \
    / "HumanEval.jsonl"
TASKS = ["HumanEval/0", "HumanEval/2", "HumanEval/12", "HumanEval/53"]


@pytest.fixture(scope="module")
def problems() -> dict[str, dict]:
    if not HUMANEVAL.is_file():
        pytest.skip("shared/benchdata/humaneval not present beside the repository")
    rows = [json.loads(x) for x in HUMANEVAL.read_text(encoding="utf-8").splitlines()
            if x.strip()]
    return {r["task_id"]: r for r in rows if r["task_id"] in TASKS}


def _sample(p: dict, answer: str, *, with_prompt: bool = True) -> RewardSample:
    ref = {"test": p["test"], "entry_point": p["entry_point"]}
    if with_prompt:
        ref["prompt"] = p["prompt"]
    return RewardSample.model_validate({"id": p["task_id"], "messages": [
        {"role": "user", "content": p["prompt"]}, {"role": "assistant", "content": answer}],
        "reference_answer": ref})


def _wrong(p: dict) -> str:
    return p["prompt"] + "    return None\n"


@pytest.mark.parametrize("task", TASKS)
def test_correct_solution_passes_wrong_fails(problems, task):
    p = problems[task]
    full = p["prompt"] + p["canonical_solution"]
    fenced = f"Here you go:\n```python\n{full}```\nDone."
    good = prime_code(_sample(p, fenced))
    assert good.aggregate_reward_score == 1.0 and good.id == task
    assert good.metrics()["pass"] == 1.0 and good.metrics()["code_found"] == 1.0
    # HumanEval completion style: the body only, completed with the prompt
    assert prime_code(_sample(p, p["canonical_solution"])).aggregate_reward_score == 1.0
    bad = prime_code(_sample(p, f"```python\n{_wrong(p)}```"))
    assert bad.aggregate_reward_score == 0.0 and bad.metrics()["timed_out"] == 0.0


def test_infinite_loop_solution_times_out(problems):
    p = problems["HumanEval/53"]
    loop = p["prompt"] + "    while True:\n        pass\n"
    v = verify_code(loop, {"test": p["test"], "entry_point": p["entry_point"]},
                    limits=SandboxLimits(cpu_seconds=1, wall_seconds=4.0))
    assert not v.passed and v.result is not None and (v.result.timed_out or v.result.cpu_limited)


def test_reference_shapes():
    code = "def add(a, b):\n    return a + b\n"
    assert verify_code(code, "assert add(1, 2) == 3").passed
    assert verify_code(code, {"tests": ["assert add(1, 2) == 3", "assert add(0, 0) == 0"]}
                       ).passed
    assert not verify_code(code, {"test_list": ["assert add(1, 2) == 4"]}).passed
    assert verify_code(code, json.dumps({"test": "def check(c):\n    assert c(2, 2) == 4\n",
                                         "entry_point": "add"})).passed
    for bad in ({}, {"test": 1}, "", None, {"test": "x", "entry_point": "not a name"}):
        with pytest.raises(ValueError):
            code_tests(bad)


def test_code_extraction():
    text = "```python\ndef g():\n    pass\n```\nand\n```python\ndef f():\n    return 1\n```\n" \
           "```python\nprint(f())\n```"
    assert "def f" in extract_code(text, "f")
    assert extract_code(text) == "print(f())\n"
    assert extract_code("def f(): return 1") == "def f(): return 1"
    assert extract_code("  ") is None
    prog = build_program("def f():\n    return 1\n",
                         code_tests({"test": "def check(c):\n    assert c() == 1\n",
                                     "entry_point": "f"}))
    assert prog.rstrip().endswith("check(f)")
