"""The three SageMaker-SDK-style example scripts run to the end on the embedded model and
print their results table (slow: each runs the model for a few minutes at most)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SHARED

EXAMPLES = ROOT / "examples" / "sagemaker_sdk"


def _run(script: str, out: Path, timeout: int) -> str:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env["COLUMNS"] = "200"
    proc = subprocess.run([sys.executable, str(EXAMPLES / script), str(out)], env=env,
                          cwd=out, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


@pytest.mark.slow
def test_benchmark_example(tmp_path, monkeypatch):
    if not (SHARED / "benchdata" / "mmlu").is_dir():
        pytest.skip("shared/benchdata/mmlu not present")
    monkeypatch.setenv("ASSAY_BENCHDATA", str(SHARED / "benchdata"))
    text = _run("benchmark_eval.py", tmp_path, timeout=900)
    assert "Custom Model" in text and "Base Model" in text and "acc" in text
    assert "Custom − Base" in text and "95% CI" in text


@pytest.mark.slow
def test_custom_scorer_example(tmp_path):
    pytest.importorskip("assay.rewards")
    text = _run("custom_scorer_eval.py", tmp_path, timeout=900)
    assert "Custom Model" in text and "Base Model" in text and "Custom − Base" in text


@pytest.mark.slow
def test_llm_as_judge_example(tmp_path):
    text = _run("llm_as_judge_eval.py", tmp_path, timeout=900)
    assert "LLM-as-judge results" in text
    assert "Builtin.Correctness" in text and "Builtin.Helpfulness" in text
    assert "Conciseness" in text and "Evaluation 1 of 4" in text
