"""Benchmark runs end to end on the scripted model: outputs, scoring paths, comparison,
resume and bad input (the embedded model runs in tests/acceptance)."""

from __future__ import annotations

import ast
import json
import subprocess
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from scipy import stats

import assay
from assay.runner.run import RunOptions

from ..conftest import ASSAY, RECIPES, ROOT

FIXTURES = ROOT / "tests" / "benchmarks" / "fixtures"
QUIET = RunOptions(progress="none", print_summary=False)


def _recipe(tmp_path: Path, task: str = "arc", subtask: str | None = "easy",
            strategy: str = "zs", **assay_keys) -> dict:
    ev = {"task": task, "strategy": strategy, "metric": "accuracy"}
    if subtask:
        ev["subtask"] = subtask
    return {"run": {"name": "bench"}, "evaluation": ev,
            "inference": {"max_new_tokens": 32, "temperature": 0},
            "assay": {"model": "mock/oracle", "data": str(FIXTURES / "arc"),
                      "output_dir": str(tmp_path / "runs"), **assay_keys}}


def _arc_golds() -> list[str]:
    rows = [json.loads(line) for line in
            (FIXTURES / "arc" / "ARC-Easy-Test.jsonl").read_text().splitlines()]
    out = []
    for r in rows:
        labels = [c["label"] for c in r["question"]["choices"]]
        out.append(r["question"]["choices"][labels.index(r["answerKey"])]["text"])
    return out


def test_loglikelihood_path_outputs(tmp_path):
    golds = _arc_golds()
    # the scripted model prefers the gold continuation of the first 4 items only
    recipe = _recipe(tmp_path, model_args={"ll_prefer": golds[:4]})
    res = assay.evaluate(recipe, QUIET)
    s = res.summary
    assert s["methods"] == {"loglikelihood": 6}
    assert s["overall"]["acc"]["value"] == pytest.approx(4 / 6)
    assert s["overall"]["acc"]["stderr"] == pytest.approx(stats.sem([1, 1, 1, 1, 0, 0]))
    recs = list(res.records_dicts())
    assert [r["correct"] for r in recs] == [True] * 4 + [False] * 2
    assert all(len(r["loglikelihoods"]) == len(r["choices"]) for r in recs)
    assert recs[0]["gold"] == golds[0] and recs[0]["extracted"] == golds[0]
    nova = json.loads(Path(res.paths["results"]).read_text())
    assert set(nova["results"]) == {"custom|arc:easy_zs|0", "custom|arc_zs|0", "all"}
    assert nova["results"]["all"]["acc"] == pytest.approx(4 / 6)
    assert "acc_stderr" in nova["results"]["all"] and "acc_norm" in nova["results"]["all"]
    (details,) = res.paths["details"]
    assert "details_custom|arc:easy_zs|0_" in details
    table = pq.read_table(details).to_pylist()
    assert len(table) == 6
    row = table[0]
    assert ast.literal_eval(row["gold_index"]) == [recs[0]["gold_index"]]
    preds = ast.literal_eval(row["predictions"])
    assert [p[0] for p in preds] == pytest.approx(recs[0]["loglikelihoods"])
    assert ast.literal_eval(row["specifics"])["method"] == "loglikelihood"
    native = pq.read_table(res.paths["examples_parquet"]).to_pylist()
    assert [r["id"] for r in native] == [r["id"] for r in recs]


def test_generation_path_extracts_letters(tmp_path):
    res = assay.evaluate(_recipe(tmp_path, benchmark={"method": "generate"}), QUIET)
    s = res.summary
    assert s["methods"] == {"generate": 6}
    assert s["overall"]["acc"]["value"] == 1.0    # the oracle answers the gold letter
    recs = list(res.records_dicts())
    assert all(r["extracted"] == r["gold"] for r in recs)
    assert all("Answer: $LETTER" in r["prompt"] for r in recs)


def test_constant_model_and_unextractable_answers(tmp_path):
    recipe = _recipe(tmp_path, model="mock/constant", model_args={"text": "no idea"},
                     benchmark={"method": "generate"})
    res = assay.evaluate(recipe, QUIET)
    assert res.summary["overall"]["acc"]["value"] == 0.0
    assert res.summary["n_unextracted"] == 6 and res.summary["n_errors"] == 0


def test_base_vs_challenger(tmp_path):
    recipe = _recipe(tmp_path, subtask=None, benchmark={
        "method": "generate", "base_model": "mock/constant", "evaluate_base_model": True,
        "base_model_args": {"text": "Answer: A"}})
    res = assay.evaluate(recipe, QUIET)
    comp = json.loads((res.run_dir / "comparison.json").read_text())
    block = comp["metrics"]["acc"]
    ov = block["overall"]
    assert ov["n"] == 10 and set(block["subtasks"]) == {"easy", "challenge"}
    lines = (res.run_dir / "base" / "examples.jsonl").read_text().splitlines()
    base = [json.loads(line)["correct"] for line in lines]
    assert ov["base"] == pytest.approx(sum(base) / 10)
    assert ov["challenger"] == 1.0
    b, c = ov["base_only_correct"], ov["challenger_only_correct"]
    assert b == 0 and c == 10 - sum(base)
    assert ov["p_value"] == pytest.approx(stats.binomtest(b, b + c, 0.5).pvalue)
    assert ov["ci_low"] <= ov["difference"] <= ov["ci_high"]
    assert comp["verdict"] == ov["verdict"]
    assert (res.run_dir / "comparison.png").stat().st_size > 10_000
    assert res.summary["comparison"]["verdict"] == comp["verdict"]


def test_same_model_twice_is_no_difference(tmp_path):
    recipe = _recipe(tmp_path, subtask=None, benchmark={"base_model": "mock/oracle"})
    comp = assay.evaluate(recipe, QUIET).summary["comparison"]
    ov = comp["metrics"]["acc"]["overall"]
    assert ov["difference"] == 0.0 and ov["p_value"] == 1.0
    assert ov["verdict"].startswith("no significant difference")
    assert comp["items_with_different_prompts"] == 0


def test_resume_gives_identical_aggregates(tmp_path):
    recipe = _recipe(tmp_path, subtask=None, unit_size=2)
    first = assay.evaluate(recipe, QUIET)
    metrics = json.loads((first.run_dir / "metrics.json").read_text())
    unit = sorted((first.run_dir / "units").glob("*.jsonl"))[1]
    unit.unlink()
    again = assay.evaluate(recipe, RunOptions(progress="none", print_summary=False, resume=True))
    assert json.loads((again.run_dir / "metrics.json").read_text())["overall"] == \
        metrics["overall"]


@pytest.mark.parametrize("keys,needle", [
    ({"evaluation": {"task": "mmlux"}}, "task mmlux is not available yet; did you mean 'mmlu'?"),
    ({"evaluation": {"task": "arc", "subtask": "eazy"}}, "did you mean 'easy'"),
    ({"evaluation": {"task": "arc", "strategy": "gen_qa"}}, "strategy 'gen_qa'"),
    ({"assay": {"data": "/nonexistent/benchdata"}}, "/nonexistent/benchdata does not exist"),
    ({"assay": {"benchmark": {"evaluate_base_model": True}}}, "no base model is named"),
    ({"evaluation": {"task": "arc", "strategy": "fs"}}, "benchmark arc: no easy train data"),
])
def test_bad_input_is_one_line_exit_2(tmp_path, keys, needle):
    import yaml

    recipe = _recipe(tmp_path)
    for section, values in keys.items():
        recipe[section] = {**recipe[section], **values}
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump(recipe))
    p = subprocess.run([*ASSAY, "run", str(path), "--quiet"], capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 2, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], p.stderr
    assert "Traceback" not in p.stderr


def test_nova_benchmark_recipe_runs_unchanged(tmp_path):
    recipe = RECIPES / "nova_lite_2_0_p5_48xl_gpu_general_text_benchmark_eval.yaml"
    mmlu = ROOT.parent / "shared" / "benchdata" / "mmlu"
    if not recipe.exists() or not mmlu.exists():
        pytest.skip("shared samples or benchdata not present")
    res = assay.evaluate(recipe, QUIET, assay__model="mock/oracle", assay__data=str(mmlu),
                         assay__output_dir=str(tmp_path), assay__limit=10,
                         inference__max_new_tokens=16)
    assert res.summary["benchmark"] == "mmlu" and set(res.summary["subtasks"]) == {"anatomy"}
    # strategy zs_cot: chain-of-thought generation, as the Nova container (issue 17)
    assert res.summary["methods"] == {"generate": 10} and res.summary["cot"] is True
    nova = json.loads(Path(res.paths["results"]).read_text())
    assert {"all", "custom|mmlu_zs_cot|0", "custom|mmlu:anatomy_zs_cot|0"} == set(nova["results"])
    assert "acc" in nova["results"]["all"] and "acc_stderr" in nova["results"]["all"]


def test_cli_benchmarks_list_and_show():
    p = subprocess.run([*ASSAY, "benchmarks", "list"], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0, p.stderr
    for name in ("mmlu", "bbh", "gsm8k", "math", "hellaswag", "winogrande", "arc",
                 "truthfulqa", "piqa", "boolq", "race"):
        assert name in p.stdout
    p = subprocess.run([*ASSAY, "benchmarks", "show", "mmlu", "--json"], capture_output=True,
                       text=True, timeout=60)
    props = json.loads(p.stdout)
    assert len(props["subtasks"]) == 57 and sum(props["num_samples"].values()) == 14042
    p = subprocess.run([*ASSAY, "benchmarks", "show", "nope"], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 2 and "not found in configuration" in p.stderr


def test_backend_failures_are_recorded_per_item_and_the_run_goes_on(tmp_path):
    recipe = _recipe(tmp_path, subtask=None, model_args={"fail_every": 3},
                     max_failure_share=0.9)
    res = assay.evaluate(recipe, QUIET)
    recs = list(res.records_dicts())
    failed = [r for r in recs if r["error"] is not None]
    assert len(recs) == 10 and len(failed) == 3          # scoring calls 3, 6 and 9
    assert all(r["error"]["raw"] == "<scripted failure>" and r["correct"] is None for r in failed)
    s = res.summary
    assert s["n_errors"] == 3 and s["overall"]["acc"]["n"] == 7
    nova = json.loads(Path(res.paths["results"]).read_text())
    assert nova["results"]["all"]["acc"] == pytest.approx(s["overall"]["acc"]["value"])


def test_aggregates_are_byte_identical_for_any_unit_size_and_concurrency(tmp_path):
    a = assay.evaluate(_recipe(tmp_path / "a", subtask=None, unit_size=1, concurrency=1), QUIET)
    b = assay.evaluate(_recipe(tmp_path / "b", subtask=None, unit_size=4, concurrency=8), QUIET)
    assert (a.run_dir / "metrics.json").read_bytes() == (b.run_dir / "metrics.json").read_bytes()
    ra = json.loads(Path(a.paths["results"]).read_text())["results"]
    rb = json.loads(Path(b.paths["results"]).read_text())["results"]
    assert ra == rb
