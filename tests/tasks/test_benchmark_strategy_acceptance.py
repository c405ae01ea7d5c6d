"""Issue 17 acceptance: an unchanged Nova ``zs_cot`` MMLU recipe on the embedded model is scored
as the Nova container scores it, by generation with chain of thought and answer extraction,
and its results say so (strategy zs_cot in the Nova keys, method generate on every record)."""

from __future__ import annotations

import json
import subprocess

import pytest

from ..conftest import ASSAY, RECIPES, SHARED, env_for_subprocess

pytestmark = pytest.mark.slow

NOVA = RECIPES / "nova_lite_2_0_p5_48xl_gpu_general_text_benchmark_eval.yaml"


def test_unchanged_nova_zs_cot_recipe_generates_with_chain_of_thought(tmp_path):
    pytest.importorskip("llama_cpp")
    mmlu = SHARED / "benchdata" / "mmlu"
    if not (mmlu / "test" / "anatomy_test.csv").is_file():
        pytest.skip("../shared/benchdata/mmlu not present")
    if NOVA.is_file():
        recipe, run_name = NOVA, "nova-lite-v2-mmlu-eval-job"   # task mmlu, strategy zs_cot
    else:   # the three Nova lines that matter, and the sample's subtask
        recipe, run_name = tmp_path / "nova.yaml", "assay-run"
        recipe.write_text("evaluation:\n  task: mmlu\n  strategy: zs_cot\n  metric: accuracy\n"
                          "  subtask: anatomy\n")
    # a short generation budget keeps this quick; the recipe's own 8196 is the Nova setting
    p = subprocess.run([*ASSAY, "run", str(recipe), "-m", "local/smollm2", "--data", str(mmlu),
                        "--limit", "2", "--max-new-tokens", "16", "--output-dir", str(tmp_path),
                        "--progress", "none"], env=env_for_subprocess(), capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    run = tmp_path / run_name
    m = json.loads((run / "metrics.json").read_text())
    assert m["methods"] == {"generate": 2} and m["n_errors"] == 0
    assert m["strategy"] == "zs_cot" and m["cot"] is True
    assert m["scoring"]["reason"] == "recipe strategy zs_cot, as the Nova container"
    recs = [json.loads(line) for line in (run / "examples.jsonl").read_text().splitlines()]
    assert len(recs) == 2
    for r in recs:
        assert r["method"] == "generate" and r["prediction"]
        assert "Think step by step" in r["prompt"] and r["loglikelihoods"] is None
    (results,) = (run / "eval_results").glob("results_*.json")
    keys = set(json.loads(results.read_text())["results"])
    assert keys == {"all", "custom|mmlu_zs_cot|0", "custom|mmlu:anatomy_zs_cot|0"}
    assert "scoring: generation with chain of thought (recipe strategy zs_cot, as the Nova " \
           "container" in " ".join(p.stdout.split())
