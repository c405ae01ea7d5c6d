"""Issue 2 acceptance, as a new user runs it: the sample Nova recipe and dataset, unchanged,
on the embedded model and through a real OpenAI-compatible llama.cpp server."""

from __future__ import annotations

import ast
import glob
import json
import subprocess
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.conftest import ASSAY, RECIPES, SAMPLES, env_for_subprocess

pytestmark = pytest.mark.slow

RECIPE = RECIPES / "lambda_recipe_gen_qa_byom_logprobs.yaml"
DATA = SAMPLES / "nova_gen_qa_text_eval_dataset_with_metadata.jsonl"
GEN_QA_KEYS = {m + s for m in ("em", "qem", "f1", "f1_score_quasi", "rouge1", "rouge2",
                                "rougeL", "bleu") for s in ("", "_stderr")}


def _assay_run(out: Path, *extra: str) -> dict:
    cmd = [*ASSAY, "run", str(RECIPE), "--data", str(DATA), "--no-processor",
           "--output-dir", str(out), "--limit", "3", "--max-new-tokens", "24",
           "--group-by", "difficulty", "--progress", "none", *extra]
    proc = subprocess.run(cmd, env=env_for_subprocess(), capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    run = out / "support-ticket-classification"
    results = glob.glob(str(run / "eval_results" / "results_*.json"))
    assert len(results) == 1
    return {"run": run, "results": json.loads(Path(results[0]).read_text()), "stdout": proc.stdout}


def _check_outputs(r: dict) -> None:
    run = r["run"]
    res = r["results"]["results"]
    assert set(res) == {"custom|gen_qa_gen_qa|0", "all"}
    assert set(res["all"]) == GEN_QA_KEYS
    details = glob.glob(str(run / "eval_results" / "details" / "*" / "*" / "details_*.parquet"))
    assert len(details) == 1
    rows = pq.read_table(details[0]).to_pylist()
    assert len(rows) == 3
    for row in rows:
        lp = ast.literal_eval(row["pred_logprobs"])
        assert len(lp) == 1 and len(lp[0]) > 0
        assert all(len(position) == 10 for position in lp[0]), "10 alternatives per token"
        assert all(isinstance(v, float) and v <= 0 for pos in lp[0] for v in pos.values())
        assert json.loads(ast.literal_eval(row["specifics"])["metadata"])["domain"]
    inference = (run / "eval_results" / "inference_output.jsonl").read_text().splitlines()
    assert len(inference) == 3 and set(json.loads(inference[0])) == {"prompt", "inference", "gold",
                                                                   "metadata"}
    native = [json.loads(x) for x in (run / "examples.jsonl").read_text().splitlines()]
    for rec in native:
        assert rec["error"] is None and rec["prediction"]
        assert len(rec["logprobs"]) == rec["output_tokens"]
        assert all(len(t["top"]) == 10 for t in rec["logprobs"])
        assert rec["metadata"]["difficulty"] in {"easy", "medium", "hard"}
    table = pq.read_table(run / "examples.parquet")
    assert table.num_rows == 3 and "logprobs" in table.column_names
    metrics = json.loads((run / "metrics.json").read_text())
    assert "difficulty" in metrics["groups"]
    assert "by difficulty" in r["stdout"]


def test_sample_recipe_on_embedded_model(tmp_path):
    r = _assay_run(tmp_path / "local", "-m", "local/smollm2")
    _check_outputs(r)


def test_sample_recipe_through_openai_endpoint_gives_same_keys(tmp_path, llama_server):
    local = _assay_run(tmp_path / "local", "-m", "local/smollm2")
    remote = _assay_run(tmp_path / "remote", "-m", "openai/smollm2",
                        "-M", f"base_url={llama_server.base_url}", "-M", "api_key_env=NO_KEY_SET",
                        "-M", "dialect=llama_cpp")
    _check_outputs(remote)
    assert set(local["results"]["results"]["all"]) == set(remote["results"]["results"]["all"])
    # with llama.cpp's neutral sampling settings both paths give the same text and scores
    a = [json.loads(x)["prediction"] for x in (local["run"] / "examples.jsonl").read_text().splitlines()]
    b = [json.loads(x)["prediction"] for x in (remote["run"] / "examples.jsonl").read_text().splitlines()]
    assert a == b
