"""`assay generate`: identical prompts and settings for every model, joined by row."""

from __future__ import annotations

import json
import subprocess

from tests.conftest import ASSAY, env_for_subprocess, write_jsonl


def test_generate_two_models_writes_llm_judge_rows(tmp_path):
    data = write_jsonl(tmp_path / "d.jsonl", [
        {"query": f"q{i}", "response": f"gold {i}", "metadata": '{"k": 1}'} for i in range(5)])
    out = tmp_path / "pairs.jsonl"
    p = subprocess.run([*ASSAY, "generate", "--data", str(data), "-m", "mock/echo", "-m",
                        "mock/oracle", "--out", str(out), "--output-dir", str(tmp_path / "runs"),
                        "--progress", "none", "--max-new-tokens", "16"],
                       env=env_for_subprocess(), capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert rows[2] == {"prompt": "q2", "response_A": "q2", "response_B": "gold 2",
                       "metadata": '{"k": 1}'}
    # both models ran under the same inference settings
    a = json.loads((tmp_path / "runs" / "generate-A" / "run.json").read_text())["recipe"]["inference"]
    b = json.loads((tmp_path / "runs" / "generate-B" / "run.json").read_text())["recipe"]["inference"]
    assert a == b and a["max_new_tokens"] == 16


def test_generate_three_models_writes_tournament_rows(tmp_path):
    data = write_jsonl(tmp_path / "d.jsonl", [{"query": "q", "response": "g"}])
    out = tmp_path / "t.jsonl"
    p = subprocess.run([*ASSAY, "generate", "--data", str(data), "-m", "e=mock/echo", "-m",
                        "o=mock/oracle", "-m", "c=mock/constant", "--out", str(out),
                        "--output-dir", str(tmp_path / "runs"), "--progress", "none"],
                       env=env_for_subprocess(), capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert json.loads(out.read_text())["responses"] == {"e": "q", "o": "g", "c": "ok"}
