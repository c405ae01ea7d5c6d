"""Issue 14 acceptance: the pointwise judge through a real ``llama_cpp.server`` (OpenAI-
compatible, ``dialect=llama_cpp``: constrained output by ``response_format``) scores the 30
Bedrock sample rows with zero unparseable ratings. ``slow``: starts the server on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assay.cli.app import main
from assay.results.bedrock import read_bedrock_output

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_thirty_bedrock_rows_through_llama_cpp_server(llama_server, tmp_path):
    recipe = tmp_path / "judge.yaml"
    recipe.write_text("run:\n  name: pw-server\nevaluation:\n  task: llm_judge_pointwise\n"
                      "judge:\n  metrics: [Builtin.Correctness]\n  top_logprobs: 0\n"
                      "assay:\n  seed: 0\n")   # no logprobs: the server computes them slowly
    code = main(["run", str(recipe), "--data",
                 str(SAMPLES / "bedrock_model_eval_byoi_dataset.jsonl"), "-m", "byoi",
                 "--judge", "openai/smollm2", "-J", f"base_url={llama_server.base_url}",
                 "-J", "dialect=llama_cpp", "-J", "api_key_env=ASSAY_NO_SUCH_KEY",
                 "-J", "timeout=120", "--output-dir", str(tmp_path / "out"), "--quiet"])
    assert code == 0
    run = tmp_path / "out" / "pw-server"
    m = json.loads((run / "metrics.json").read_text())
    assert m["judge_mode"]["structured"] is True
    c = m["metrics"]["Builtin.Correctness"]
    assert c["n_examples"] == 30 and c["n_unparseable"] == 0 and c["n_failed"] == 0
    assert c["n"] == 30 and 0.0 <= c["value"] <= 1.0
    # the Bedrock layout reads back with every score equal to the native records
    native = {json.loads(x)["id"]: json.loads(x)["metrics"]["Builtin.Correctness"]
              for x in (run / "examples.jsonl").read_text().splitlines()}
    back = read_bedrock_output(run / "bedrock")
    assert len(back) == 30
    assert sorted(r.metrics["Builtin.Correctness"] for r in back) == sorted(native.values())
