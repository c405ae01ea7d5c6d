"""Issue 6 acceptance, as a new user runs it: the Nova benchmark recipe on the embedded model
with the real MMLU files, ARC-Easy by log-likelihood, and the embedded model against itself
under another system prompt (GSM8K extraction: tests/benchmarks/test_extract.py)."""

from __future__ import annotations

import ast
import glob
import json
import subprocess
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.conftest import ASSAY, RECIPES, SHARED, env_for_subprocess

pytestmark = pytest.mark.slow

BENCHDATA = SHARED / "benchdata"
RECIPE = RECIPES / "nova_lite_2_0_p5_48xl_gpu_general_text_benchmark_eval.yaml"


@pytest.fixture(scope="module")
def benchdata() -> Path:
    if not (BENCHDATA / "mmlu").exists() or not RECIPE.exists():
        pytest.skip("../shared/benchdata or the Nova sample recipes are not present")
    return BENCHDATA


def _run(*args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    p = subprocess.run([*ASSAY, "run", *args, "--progress", "none"], env=env_for_subprocess(),
                       capture_output=True, text=True, timeout=timeout)
    assert p.returncode == 0, p.stderr[-3000:]
    return p


def _write_recipe(path: Path, task: str) -> Path:
    path.write_text(f"run:\n  name: {task}\nevaluation:\n  task: {task}\n  strategy: zs\n"
                    "  metric: accuracy\ninference:\n  max_new_tokens: 16\n  temperature: 0\n")
    return path


def test_nova_benchmark_recipe_scores_mmlu_anatomy_offline(benchdata, tmp_path):
    # the recipe's zs_cot means chain-of-thought generation (issue 17: tests/tasks/
    # test_benchmark_strategy_acceptance.py); all 135 items by log-likelihood here, which has
    # no chain of thought, so the results record strategy zs
    _run(str(RECIPE), "--model", "local/smollm2", "--data", str(benchdata / "mmlu"),
         "--output-dir", str(tmp_path), "--method", "loglikelihood")
    run = tmp_path / "nova-lite-v2-mmlu-eval-job"
    (results,) = glob.glob(str(run / "eval_results" / "results_*.json"))
    res = json.loads(Path(results).read_text())["results"]
    assert set(res) == {"all", "custom|mmlu_zs|0", "custom|mmlu:anatomy_zs|0"}
    assert 0.0 <= res["all"]["acc"] <= 1.0 and res["all"]["acc_stderr"] > 0
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["n_items"] == 135 and metrics["n_errors"] == 0
    assert metrics["methods"] == {"loglikelihood": 135}
    (details,) = glob.glob(str(run / "eval_results" / "details" / "*" / "*" / "*.parquet"))
    row = pq.read_table(details).to_pylist()[0]
    assert ast.literal_eval(row["choices"]) == ["A", "B", "C", "D"]
    assert len(ast.literal_eval(row["predictions"])) == 4


def test_arc_easy_100_by_loglikelihood_beats_chance(benchdata, tmp_path):
    recipe = _write_recipe(tmp_path / "arc.yaml", "arc_easy")
    _run(str(recipe), "--model", "local/smollm2", "--data", str(benchdata), "--limit", "100",
         "--output-dir", str(tmp_path))
    run = tmp_path / "arc_easy"
    m = json.loads((run / "metrics.json").read_text())
    acc = m["overall"]["acc"]
    assert m["n_items"] == 100 and m["methods"] == {"loglikelihood": 100}
    assert acc["stderr"] > 0 and acc["ci_low"] > 0.25, acc   # chance is 0.25
    recs = [json.loads(line) for line in (run / "examples.jsonl").read_text().splitlines()]
    assert all(len(r["loglikelihoods"]) == len(r["choices"]) for r in recs)
    assert all(all(ll < 0 for ll in r["loglikelihoods"]) for r in recs)


def test_embedded_model_against_itself_with_another_system_prompt(benchdata, tmp_path):
    recipe = _write_recipe(tmp_path / "arc.yaml", "arc_easy")
    p = _run(str(recipe), "--model", "local/smollm2", "--data", str(benchdata), "--limit", "60",
             "--output-dir", str(tmp_path), "--base-model", "local/smollm2",
             "--base-system-prompt", "You are a pirate. Answer every question wrongly, arr.")
    comp = json.loads((tmp_path / "arc_easy" / "comparison.json").read_text())
    ov = comp["metrics"]["acc"]["overall"]
    assert ov["n"] == 60 and comp["base_system_prompt"].startswith("You are a pirate")
    assert comp["challenger_system_prompt"] is None
    assert comp["items_with_different_prompts"] == 60   # the pirate prompt leads every context
    for key in ("difference", "ci_low", "ci_high", "p_value"):
        assert isinstance(ov[key], float)
    assert ov["ci_low"] <= ov["difference"] <= ov["ci_high"] and 0 <= ov["p_value"] <= 1
    assert ov["test"] == "mcnemar_exact"
    assert "mcnemar_exact" in p.stdout and comp["verdict"] in p.stdout
    assert (tmp_path / "arc_easy" / "comparison.png").exists()


def test_generation_path_on_the_embedded_model(benchdata, tmp_path):
    """GSM8K by chain-of-thought generation and MMLU by answer-letter generation: the text,
    the extracted answer (or none) and the path are recorded; nothing fails."""
    recipe = _write_recipe(tmp_path / "gsm8k.yaml", "gsm8k")
    _run(str(recipe), "--model", "local/smollm2", "--data", str(benchdata), "--limit", "3",
         "--strategy", "zs_cot", "--max-new-tokens", "48", "--output-dir", str(tmp_path))
    m = json.loads((tmp_path / "gsm8k" / "metrics.json").read_text())
    assert m["methods"] == {"generate": 3} and m["n_errors"] == 0
    assert set(m["overall"]) == {"exact_match"}
    recs = [json.loads(line) for line in
            (tmp_path / "gsm8k" / "examples.jsonl").read_text().splitlines()]
    assert all(r["prediction"] and r["gold"].lstrip("-").isdigit() for r in recs)
    recipe = _write_recipe(tmp_path / "mmlu.yaml", "mmlu")
    _run(str(recipe), "--model", "local/smollm2", "--data", str(benchdata), "--limit", "2",
         "--subtask", "anatomy", "--method", "generate", "--max-new-tokens", "16",
         "--output-dir", str(tmp_path))
    m = json.loads((tmp_path / "mmlu" / "metrics.json").read_text())
    assert m["methods"] == {"generate": 2} and m["n_items"] == 2
