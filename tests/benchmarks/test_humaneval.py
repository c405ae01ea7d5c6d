"""HumanEval: loading (three layouts), the program built from a completion, sandboxed
scoring, pass@k (checked against Chen et al.'s numpy estimator), several samples per item
through the benchmark pipeline, and one run of the embedded model."""

from __future__ import annotations

import asyncio
import gzip
import json
import math
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from assay.benchmarks import get_benchmark, get_benchmark_properties
from assay.benchmarks.humaneval import humaneval_program, run_humaneval
from assay.benchmarks.passk import mean_pass_at_k, pass_at_k
from assay.errors import BenchmarkDataMissing, ConfigError, DataError

from .conftest import BENCHDATA, run_embedded_benchmark

FIX = Path(__file__).resolve().parent / "fixtures" / "humaneval"


def _numpy_pass_at_k(n: int, c: int, k: int) -> float:
    """Chen et al. (2021), Figure 3: the paper's numerically stable numpy estimator."""
    if n - c < k:
        return 1.0
    return 1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1))


def _docs() -> list[dict]:
    return get_benchmark("humaneval").load_docs(FIX, "", "test")


# -- pass@k -------------------------------------------------------------------------------------

def test_pass_at_k_equals_the_papers_numpy_estimator_and_the_exact_binomials():
    for n in range(1, 31):
        for c in range(n + 1):
            for k in range(1, n + 1):
                got = pass_at_k(n, c, k)
                assert got == pytest.approx(_numpy_pass_at_k(n, c, k), abs=1e-12)
                exact = 1 - Fraction(math.comb(n - c, k), math.comb(n, k))
                assert got == pytest.approx(float(exact), abs=1e-12)
    # the paper's setting (n=200) stays exact where C(200, 100) has 59 digits
    for c, k in [(1, 1), (1, 100), (13, 10), (100, 100), (199, 1)]:
        exact = 1 - Fraction(math.comb(200 - c, k), math.comb(200, k))
        assert pass_at_k(200, c, k) == pytest.approx(float(exact), rel=1e-12)
    # worked examples: pass@1 is c/n; k = n is "any sample passed"
    assert pass_at_k(10, 3, 1) == pytest.approx(0.3)
    assert pass_at_k(4, 2, 2) == pytest.approx(1 - 1 / 6)
    assert pass_at_k(5, 0, 5) == 0.0 and pass_at_k(5, 1, 5) == 1.0
    assert mean_pass_at_k([(4, 2), (4, 0)], 2) == pytest.approx((1 - 1 / 6) / 2)


@pytest.mark.parametrize("args", [(0, 0, 1), (3, 4, 1), (3, 1, 4), (3, 1, 0), (3, -1, 1)])
def test_pass_at_k_rejects_impossible_counts(args):
    with pytest.raises(ValueError):
        pass_at_k(*args)


# -- data ----------------------------------------------------------------------------------------

def test_layouts_load_identically_and_missing_data_names_the_files(tmp_path):
    b = get_benchmark("humaneval")
    orig = _docs()
    assert [d["id"] for d in orig] == ["0", "2", "10", "32", "53"]
    gz = tmp_path / "gz"
    gz.mkdir()
    with gzip.open(gz / "HumanEval.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write((FIX / "HumanEval.jsonl").read_text(encoding="utf-8"))
    assert b.load_docs(gz, "", "test") == orig
    cut = tmp_path / "cut"
    cut.mkdir()
    (cut / "HumanEval.jsonl.gz").write_bytes((gz / "HumanEval.jsonl.gz").read_bytes()[:200])
    with pytest.raises(DataError, match="HumanEval.jsonl.gz"):   # truncated: one line, no trace
        b.load_docs(cut, "", "test")
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq
    hf = tmp_path / "hf" / "openai_humaneval"
    hf.mkdir(parents=True)
    rows = [json.loads(x) for x in (FIX / "HumanEval.jsonl").read_text().splitlines()]
    pq.write_table(pa.Table.from_pylist(rows), hf / "test-00000-of-00001.parquet")
    assert b.load_docs(tmp_path / "hf", "", "test") == orig
    with pytest.raises(BenchmarkDataMissing, match="HumanEval.jsonl or HumanEval.jsonl.gz"):
        b.load_docs(tmp_path / "nothing", "", "test")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "HumanEval.jsonl").write_text(json.dumps(dict(rows[0], entry_point="not a name")))
    with pytest.raises(DataError, match="entry_point"):
        b.load_docs(bad, "", "test")


def test_registry_properties():
    p = get_benchmark_properties("humaneval")
    assert p["metrics"] == ["pass@1"] and p["strategy"] == "zs"
    assert p["num_samples"] == {"": 164} and p["task_type"] == "generation"
    assert p["dataset_info"]["hf_id"] == "openai/openai_humaneval"
    assert "Chen et al., 2021" in p["citation"]


def test_item_prompt_shows_the_signature_in_a_fence():
    b = get_benchmark("humaneval")
    (item,) = b.items(FIX, [""], num_fewshot=0, method="generate", cot=False, limit=1)
    doc = _docs()[0]
    assert item.id == "humaneval/0" and item.question == doc["prompt"]
    assert item.prompt.endswith("```python\n" + doc["prompt"].rstrip() + "\n```")
    assert item.prompt.startswith("Complete the following Python function")


# -- scoring -------------------------------------------------------------------------------------

def test_completion_styles_pass_and_wrong_or_empty_code_fails():
    docs = {d["id"]: d for d in _docs()}
    add, pal = docs["53"], docs["10"]
    body = add["canonical_solution"]
    full = "def add(x: int, y: int):\n    return x + y\n"
    cases = {
        "body only (the reference completion style)": (body, True),
        "a full function in a fence, with prose": (
            f"Here it is:\n```python\n{full}```\nIt adds.", True),
        "a bare full function": (full, True),
        "a fence cut off by the token limit": ("```python\n" + full, True),
        # make_palindrome's prompt defines is_palindrome: a full function may rely on it
        "a full function using the prompt's helper": (
            "```python\ndef make_palindrome(string: str) -> str:\n"
            "    for i in range(len(string) + 1):\n"
            "        if is_palindrome(string[i:]):\n"
            "            return string + string[:i][::-1]\n```", None),
        "a wrong function": ("```python\ndef add(x, y):\n    return x - y\n```", False),
        "no code at all": ("", False),
        "whitespace": ("   \n", False),
        "a body that only passes": ("    pass\n", False),
    }
    for name, (text, want) in cases.items():
        doc = pal if want is None else add
        r = run_humaneval(text, doc)
        assert r["passed"] is (True if want is None else want), (name, r["stderr"])
    assert run_humaneval("", add)["code"] is None
    assert humaneval_program("", add) is None


def test_program_is_prompt_code_tests_and_check():
    add = {d["id"]: d for d in _docs()}["53"]
    prog = humaneval_program("    return x + y\n", add)
    assert prog.startswith(add["prompt"] + "    return x + y\n")
    assert prog.rstrip().endswith("check(add)") and add["test"] in prog


def test_all_164_canonical_solutions_pass_in_the_sandbox():
    """Acceptance: every canonical solution, given as the completion, scores pass@1 = 1
    (about 7 s on two busy cores, four programs at a time)."""
    if not (BENCHDATA / "humaneval" / "HumanEval.jsonl").is_file():
        pytest.skip("../shared/benchdata/humaneval is not present")
    b = get_benchmark("humaneval")
    items = b.items(BENCHDATA / "humaneval", [""], num_fewshot=0, method="generate",
                    cot=False)
    assert len(items) == 164
    with ThreadPoolExecutor(4) as pool:
        scores = list(pool.map(lambda it: b.score_generation(it, it.answer), items))
    failed = [it.id for it, s in zip(items, scores) if s["metrics"]["pass@1"] != 1.0]
    assert failed == []
    assert b.score_generation(items[0], "")["metrics"] == {"pass@1": 0.0}


def test_several_samples_give_unbiased_pass_at_k():
    b = get_benchmark("humaneval")
    item = b.items(FIX, [""], num_fewshot=0, method="generate", cot=False)[-1]   # add
    texts = [item.answer, "", item.answer, "    return x - y\n"]
    s = b.score_generations(item, texts, pass_k=(1, 2, 10))
    assert s["metrics"] == {"pass@1": 0.5, "pass@2": pytest.approx(1 - 1 / 6)}
    assert [x["metrics"]["pass@1"] for x in s["samples"]] == [1.0, 0.0, 1.0, 0.0]


class _SeededBackend:
    """Answers the canonical solution for even seeds and a wrong body for odd ones."""

    name = "seeded"
    cacheable = False
    supports_loglikelihood = False

    def __init__(self, right: str) -> None:
        self.right, self.seeds = right, []

    async def generate(self, request):
        from assay.backends.types import Completion
        self.seeds.append(request.settings.seed)
        text = self.right if request.settings.seed % 2 == 0 else "    return None\n"
        return Completion(text=text, input_tokens=3, output_tokens=2)


def _ctx(backend, temperature: float):
    from assay.backends.retry import RetryPolicy
    from assay.backends.types import GenerationSettings
    from assay.runner.context import ExampleContext
    return ExampleContext(backend=backend,
                          settings=GenerationSettings(temperature=temperature, seed=10),
                          semaphore=asyncio.Semaphore(4), retry=RetryPolicy(max_attempts=1))


def test_pipeline_samples_each_item_n_times_with_consecutive_seeds():
    from assay.tasks.benchmark.pipeline import run_bench_item

    b = get_benchmark("humaneval")
    item = b.items(FIX, [""], num_fewshot=0, method="generate", cot=False)[-1]
    backend = _SeededBackend(item.answer)
    rec = asyncio.run(run_bench_item(item, _ctx(backend, 0.8), benchmark=b, method="generate",
                                     system=None, samples=5, pass_k=(1, 2, 5)))
    assert sorted(backend.seeds) == [10, 11, 12, 13, 14]
    assert rec.error is None and rec.output_tokens == 10
    assert rec.metrics == {"pass@1": pytest.approx(0.6), "pass@2": pytest.approx(0.9),
                           "pass@5": 1.0}
    assert rec.correct is None   # a fraction, not a verdict
    assert [s["metrics"]["pass@1"] for s in rec.samples] == [1.0, 0.0, 1.0, 0.0, 1.0]
    assert rec.samples[1]["text"] == "    return None\n"
    one = asyncio.run(run_bench_item(item, _ctx(backend, 0.0), benchmark=b, method="generate",
                                     system=None))
    assert one.metrics == {"pass@1": 1.0} and one.correct is True and one.samples is None
    with pytest.raises(ConfigError, match="inference.temperature > 0"):
        asyncio.run(run_bench_item(item, _ctx(backend, 0.0), benchmark=b, method="generate",
                                   system=None, samples=2))


def test_a_sampled_run_writes_pass_at_k_and_every_sample(tmp_path):
    """The recipe knobs end to end (mock/oracle answers the canonical solution)."""
    from assay.cli.app import main
    recipe = tmp_path / "he.yaml"
    recipe.write_text("run:\n  name: he\nevaluation:\n  task: humaneval\n  strategy: zs\n"
                      "  metric: pass@1\ninference:\n  temperature: 0.8\n")
    assert main(["run", str(recipe), "--model", "mock/oracle", "--data", str(FIX), "--limit",
                 "2", "--output-dir", str(tmp_path), "--progress", "none",
                 "--set", "assay.benchmark.samples=3",
                 "--set", "assay.benchmark.pass_k=[1,3,5]"]) == 0
    m = json.loads((tmp_path / "he" / "metrics.json").read_text())
    assert m["metric_names"] == ["pass@1", "pass@3"]   # k=5 > 3 samples is not estimable
    assert m["overall"]["pass@1"]["value"] == 1.0 and m["n_items"] == 2
    recs = [json.loads(x) for x in (tmp_path / "he" / "examples.jsonl").read_text().splitlines()]
    assert [len(r["samples"]) for r in recs] == [3, 3]
    assert all(s["metrics"] == {"pass@1": 1.0} and s["text"] for s in recs[0]["samples"])


@pytest.mark.slow
def test_embedded_model_runs_humaneval_on_two_problems(tmp_path):
    """The Nova recipe shape (humaneval/zs/pass@1) on the embedded model, two problems."""
    m, recs = run_embedded_benchmark(tmp_path, "he", "humaneval", "pass@1")
    assert m["n_items"] == 2 and m["n_errors"] == 0 and m["methods"] == {"generate": 2}
    assert m["task_key"] == "custom|humaneval_zs|0"
    assert 0.0 <= m["overall"]["pass@1"]["value"] <= 1.0
    assert [r["id"] for r in recs] == ["humaneval/0", "humaneval/1"]
    assert all(r["prediction"] and r["metrics"]["pass@1"] in (0.0, 1.0) for r in recs)
