"""GSM8K, MATH, MATH-500, BBH and TruthfulQA: loading (both layouts), prompts and scoring."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest

from assay.benchmarks import get_benchmark
from assay.errors import BenchmarkDataMissing, ConfigError, DataError

from .conftest import BENCHDATA, read_jsonl, write_parquet

FIX = Path(__file__).resolve().parent / "fixtures"


# -- GSM8K -------------------------------------------------------------------------------------

def test_gsm8k_layouts_load_identically(tmp_path):
    b = get_benchmark("gsm8k")
    orig = b.load_docs(FIX / "gsm8k", "", "test")
    write_parquet(read_jsonl(FIX / "gsm8k" / "test.jsonl"),
             tmp_path / "main" / "test-00000-of-00001.parquet")
    assert b.load_docs(tmp_path, "", "test") == orig
    assert [d["target"] for d in orig] == ["18", "3", "70000"]


def test_gsm8k_prompts():
    b = get_benchmark("gsm8k")
    fs = b.items(FIX / "gsm8k", [""], num_fewshot=2, method="generate", cot=True, limit=1)[0]
    train = read_jsonl(FIX / "gsm8k" / "train.jsonl")
    assert fs.fewshot == 2 and fs.answer == "18" and fs.id == "gsm8k/0"
    assert fs.prompt == (
        f"Question: {train[0]['question']}\nAnswer: Natalia sold 48/2 = 24 clips in May.\n"
        "Natalia sold 48+24 = 72 clips altogether in April and May. The answer is 72.\n\n"
        f"Question: {train[1]['question']}\nAnswer: Weng earns 12/60 = $0.2 per minute.\n"
        "Working 50 minutes, she earned 0.2 x 50 = $10. The answer is 10.\n\n"
        f"Question: {fs.question}\nAnswer:")
    zs = b.items(FIX / "gsm8k", [""], num_fewshot=0, method="generate", cot=True, limit=1)[0]
    assert zs.prompt == ("Solve the following math problem step by step. Show your reasoning, "
                         "then end your response with 'The answer is N.' where N is the final "
                         f"number.\n\nQuestion: {zs.question}\nAnswer:")
    assert "<<" not in fs.prompt


def test_gsm8k_scoring():
    b = get_benchmark("gsm8k")
    item = b.items(FIX / "gsm8k", [""], num_fewshot=0, method="generate", cot=True, limit=1)[0]
    assert b.score_generation(item, "16-3-4 = 9 eggs, 9*2 = $18. The answer is $18.") == {
        "extracted": "18", "metrics": {"exact_match": 1.0}}
    assert b.score_generation(item, "She makes 18.00 dollars")["metrics"]["exact_match"] == 1.0
    assert b.score_generation(item, "The answer is 9.")["metrics"]["exact_match"] == 0.0
    assert b.score_generation(item, "no idea") == {"extracted": None,
                                                   "metrics": {"exact_match": 0.0}}


def test_gsm8k_bad_row(tmp_path):
    (tmp_path / "test.jsonl").write_text('{"question": "q", "answer": "a"}\n')
    with pytest.raises(DataError) as e:
        get_benchmark("gsm8k").load_docs(tmp_path, "", "test")
    assert e.value.line == 1 and e.value.field == "answer"


# -- MATH and MATH-500 -------------------------------------------------------------------------

def test_math_layouts_load_identically(tmp_path):
    b = get_benchmark("math")
    merged = b.load_docs(FIX / "math" / "merged", "algebra", "test")
    original = b.load_docs(FIX / "math" / "original", "algebra", "test")
    assert merged == original and [d["id"] for d in merged] == ["1", "2"]
    rows = [{k: r[k] for k in ("problem", "level", "type", "solution")}
            for r in read_jsonl(FIX / "math" / "merged" / "math_test_full.jsonl")
            if "/algebra/" in r["unique_id"]]
    write_parquet(rows, tmp_path / "algebra" / "test-00000-of-00001.parquet")
    hf = b.load_docs(tmp_path, "algebra", "test")
    assert [(d["problem"], d["answer"]) for d in hf] == [(d["problem"], d["answer"])
                                                         for d in merged]
    assert [d["answer"] for d in b.load_docs(FIX / "math" / "merged", "counting_and_probability",
                                             "test")] == ["\\frac{10}{11}"]


def test_math_prompt_and_scoring():
    b = get_benchmark("math")
    item = b.items(FIX / "math" / "merged", ["geometry"], num_fewshot=0, method="generate",
                   cot=True)[0]
    assert item.id == "math/geometry/0" and item.answer == "\\frac34"
    assert item.prompt == ("Solve the following math problem. Think step by step, then put your "
                           "final answer within \\boxed{}.\n\nProblem:\n" + item.question)
    assert b.score_generation(item, "so $\\tan C = \\boxed{\\dfrac{3}{4}}$.") == {
        "extracted": "\\dfrac{3}{4}", "metrics": {"exact_match": 1.0}}
    assert b.score_generation(item, "The answer is \\boxed{3/4}")["metrics"]["exact_match"] == 1
    assert b.score_generation(item, "\\boxed{\\frac{4}{3}}")["metrics"]["exact_match"] == 0.0
    fs = b.items(FIX / "math" / "merged", ["geometry"], num_fewshot=4, method="generate",
                 cot=True)[0]
    assert fs.fewshot == 4 and fs.prompt.endswith(f"Problem:\n{fs.question}\n\nSolution:")
    assert fs.prompt.count("Problem:\n") == 5


def test_math500_loads():
    b = get_benchmark("math_500")
    docs = b.load_docs(FIX / "math" / "merged", "", "test")
    assert docs[0]["answer"] == "\\left( 3, \\frac{\\pi}{2} \\right)"
    assert docs[0]["id"] == "precalculus/807"
    item = b.items(FIX / "math" / "merged", [""], num_fewshot=0, method="generate", cot=True)[0]
    out = b.score_generation(item, "Thus $\\boxed{(3,\\frac{\\pi}{2})}$")
    assert out["metrics"]["exact_match"] == 1.0


# -- BBH ---------------------------------------------------------------------------------------

def test_bbh_three_shot_prompt_is_the_cot_file():
    b = get_benchmark("bbh")
    item = b.items(FIX / "bbh", ["snarks"], num_fewshot=3, method="generate", cot=True,
                   limit=1)[0]
    raw = (FIX / "bbh" / "cot-prompts" / "snarks.txt").read_text(encoding="utf-8")
    body = raw.split("-----\n", 1)[1]
    assert item.prompt == body + f"\n\nQ: {item.question}\nA: Let's think step by step."
    assert item.prompt.startswith("Determine which of two sentences is sarcastic.")
    assert item.prompt.endswith("A: Let's think step by step.")
    assert item.prompt.count("\nA: Let's think step by step.") == 4
    assert item.fewshot == 3 and item.answer == "(B)"
    one = b.items(FIX / "bbh", ["boolean_expressions"], num_fewshot=1, method="generate",
                  cot=True, limit=1)[0]
    assert one.fewshot == 1 and one.prompt.count("Q: ") == 2
    assert one.prompt.startswith("Evaluate the result of a random Boolean expression.\n\nQ: ")


def test_bbh_layouts_load_identically(tmp_path):
    b = get_benchmark("bbh")
    orig = b.load_docs(FIX / "bbh", "snarks", "test")
    flat = b.load_docs(FIX / "bbh" / "bbh", "snarks", "test")    # the folder of json files
    ex = json.loads((FIX / "bbh" / "bbh" / "snarks.json").read_text())["examples"]
    write_parquet(ex, tmp_path / "snarks" / "test-00000-of-00001.parquet")
    assert b.load_docs(tmp_path, "snarks", "test") == orig == flat
    shots = b.fewshot_docs(FIX / "bbh" / "bbh", "snarks", 3)     # cot-prompts one folder up
    assert len(shots) == 4


def test_bbh_missing_cot_prompts(tmp_path):
    shutil.copytree(FIX / "bbh" / "bbh", tmp_path / "bbh")
    with pytest.raises(BenchmarkDataMissing, match="cot-prompts/snarks.txt"):
        get_benchmark("bbh").items(tmp_path, ["snarks"], num_fewshot=3, method="generate",
                                   cot=True)


@pytest.mark.parametrize("text,target,ok", [
    ("... So the answer is (B).", "(B)", True),
    ("So the answer is B.", "(B)", True),
    ("So the answer is **(B)**.", "(B)", True),
    ("So the answer is **True**.", "True", True),
    ("so the answer is (B) He's a terrible person.", "(B)", True),
    ("So the answer is (A).", "(B)", False),
    ("So the answer is true.", "True", True),
    ("So the answer is Valid.", "valid", True),
    ("So the answer is invalid.", "valid", False),
    ("So the answer is ] >.", "] >", True),
    ("So the answer is Monsters, Inc.", "Monsters, Inc", True),
    ("I am not sure.", "True", False),
])
def test_bbh_scoring(text, target, ok):
    from dataclasses import replace
    b = get_benchmark("bbh")
    item = b.items(FIX / "bbh", ["snarks"], num_fewshot=3, method="generate", cot=True,
                   limit=1)[0]
    assert b.score_generation(replace(item, answer=target), text)["metrics"]["exact_match"] == ok


# -- TruthfulQA --------------------------------------------------------------------------------

def test_truthfulqa_layouts_and_context(tmp_path):
    b = get_benchmark("truthfulqa")
    orig = b.load_docs(FIX / "truthfulqa", "mc1", "validation")
    rows = json.loads((FIX / "truthfulqa" / "v0" / "mc_task.json").read_text())
    hf = [{"question": r["question"],
           **{k: {"choices": list(r[k]), "labels": list(r[k].values())}
              for k in ("mc1_targets", "mc2_targets")}} for r in rows]
    write_parquet(hf, tmp_path / "multiple_choice" / "validation-00000-of-00001.parquet")
    assert b.load_docs(tmp_path, "mc1", "validation") == orig
    item = b.items(FIX / "truthfulqa", ["mc1"], num_fewshot=0, method="loglikelihood",
                   cot=False, limit=1)[0]
    assert item.context.startswith("Q: What is human life expectancy in the United States?\n"
                                   "A: Human life expectancy in the United States is 78 years."
                                   "\n\nQ: Who was president of the United States in 1955?\n")
    assert item.context.endswith("A: The 1992 Olympics were held in Barcelona, Spain.\n\n"
                                 f"Q: {rows[0]['question']}\nA:")
    assert item.gold_index == 0 and item.continuations[0] == " " + item.choices[0]


def test_truthfulqa_mc2_hand_computation():
    b = get_benchmark("truthfulqa")
    items = b.items(FIX / "truthfulqa", ["mc2"], num_fewshot=0, method="loglikelihood",
                    cot=False)
    item = next(it for it in items if len(it.golds) > 1)
    n, golds = len(item.choices), item.golds
    assert len(golds) > 1 and n > len(golds)
    lls = [-1.0 - 0.5 * i for i in range(n)]
    p = [math.exp(x) for x in lls]
    expected = sum(p[i] for i in golds) / sum(p)
    got = b.score_loglikelihood(item, lls, [False] * n)["metrics"]["mc2"]
    assert got == pytest.approx(expected, rel=1e-12)
    far = [x - 2000.0 for x in lls]                     # exp underflows; the ratio does not
    assert b.score_loglikelihood(item, far, [False] * n)["metrics"]["mc2"] == pytest.approx(
        expected, rel=1e-9)
    with pytest.raises(ConfigError):
        b.score_generation(item, "Answer: A")
    from assay.backends.mock import MockBackend
    from assay.tasks.benchmark.pipeline import choose_method
    with pytest.raises(ConfigError, match="cannot be scored by generate"):
        choose_method(b, item, "generate", MockBackend("oracle"))
    assert choose_method(b, item, "auto", MockBackend("oracle")) == "loglikelihood"
    assert b.subtask_methods["mc2"] == ("loglikelihood",)


def test_truthfulqa_mc1_scoring():
    b = get_benchmark("truthfulqa")
    ll = b.items(FIX / "truthfulqa", ["mc1"], num_fewshot=0, method="loglikelihood", cot=False,
                 limit=1)[0]
    lls = [-1.0] + [-2.0] * (len(ll.choices) - 1)
    assert b.score_loglikelihood(ll, lls, [])["metrics"] == {"mc1": 1.0}
    assert b.score_loglikelihood(ll, lls[::-1], [])["metrics"] == {"mc1": 0.0}
    gen = b.items(FIX / "truthfulqa", ["mc1"], num_fewshot=0, method="generate", cot=False,
                  limit=1)[0]
    assert sorted(gen.choices) == sorted(ll.choices)
    assert gen.choices[gen.gold_index] == ll.choices[0]
    assert b.score_generation(gen, f"Answer: {gen.answer}") == {
        "extracted": gen.answer, "metrics": {"mc1": 1.0}}


# -- missing data, properties, real data counts ------------------------------------------------

@pytest.mark.parametrize("name,sub,split", [
    ("gsm8k", "", "test"), ("math", "algebra", "test"), ("math_500", "", "test"),
    ("bbh", "snarks", "test"), ("truthfulqa", "mc1", "validation")])
def test_missing_data(tmp_path, name, sub, split):
    with pytest.raises(BenchmarkDataMissing) as e:
        get_benchmark(name).load_docs(tmp_path, sub, split)
    assert "\n" not in str(e.value) and str(tmp_path) in str(e.value)


@pytest.mark.parametrize("name", ["gsm8k", "math", "math_500", "bbh", "truthfulqa"])
def test_properties(name):
    props = get_benchmark(name).properties()
    assert props["dataset_info"]["revision"] is None and "arXiv:" in props["citation"]
    assert set(props["num_samples"]) == set(props["subtasks"] or [""])


_REAL = [("gsm8k", "gsm8k"), ("math", "math"), ("math_500", "math"), ("bbh", "bbh"),
         ("truthfulqa", "truthfulqa")]


@pytest.mark.parametrize("name,folder", _REAL)
def test_real_data_counts(name, folder):
    root = BENCHDATA / folder
    if not root.is_dir():
        pytest.skip(f"{root} not present")
    b = get_benchmark(name)
    for sub in b.resolve_subtasks(None):
        assert len(b.load_docs(root, sub, b.eval_split)) == b.num_samples[sub], sub
