"""Issue 17 acceptance: the Nova container benchmarks with real data in ../shared/benchdata
(MMLU-Pro, AIME 2024, StrongREJECT) run on the embedded model from the command line, with a
small --limit and short generations (GPQA, calendar scheduling and MMMU have no real data
there: tests/benchmarks/test_nova_benchmarks.py covers them on fixtures)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ASSAY, SHARED, env_for_subprocess

pytestmark = pytest.mark.slow

BENCHDATA = SHARED / "benchdata"


@pytest.fixture(scope="module")
def benchdata() -> Path:
    needed = ("mmlu_pro/test-00000-of-00001.parquet", "aime_2024/aime_2024.jsonl",
              "strong_reject/strongreject_dataset.csv")
    if not all((BENCHDATA / n).is_file() for n in needed):
        pytest.skip("../shared/benchdata lacks the Nova benchmark files")
    return BENCHDATA


def _run(tmp_path: Path, task: str, strategy: str, max_new_tokens: int, *args: str) -> dict:
    recipe = tmp_path / f"{task}.yaml"
    recipe.write_text(f"run:\n  name: {task}\nevaluation:\n  task: {task}\n  strategy: "
                      f"{strategy}\n  metric: all\ninference:\n  max_new_tokens: "
                      f"{max_new_tokens}\n  temperature: 0\n")
    p = subprocess.run([*ASSAY, "run", str(recipe), "--model", "local/smollm2", "--data",
                        str(BENCHDATA), "--output-dir", str(tmp_path), "--progress", "none",
                        *args], env=env_for_subprocess(), capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    metrics = json.loads((tmp_path / task / "metrics.json").read_text())
    metrics["_stdout"] = p.stdout
    return metrics


def _records(tmp_path: Path, task: str) -> list[dict]:
    return [json.loads(x) for x in (tmp_path / task / "examples.jsonl").read_text().splitlines()]


def test_mmlu_pro_math_by_loglikelihood_over_ten_letters(benchdata, tmp_path):
    m = _run(tmp_path, "mmlu_pro", "zs", 8, "--subtask", "math", "--limit", "2")
    assert m["n_items"] == 2 and m["n_errors"] == 0 and m["methods"] == {"loglikelihood": 2}
    recs = _records(tmp_path, "mmlu_pro")
    assert [r["id"] for r in recs] == ["mmlu_pro/math/7687", "mmlu_pro/math/7688"]
    assert [len(r["loglikelihoods"]) for r in recs] == [9, 10]   # options per question
    assert [r["gold"] for r in recs] == ["H", "H"]
    assert all(ll < 0 for r in recs for ll in r["loglikelihoods"])


def test_aime_2024_generation_scores_integers(benchdata, tmp_path):
    m = _run(tmp_path, "aime_2024", "zs_cot", 8, "--limit", "1")
    assert m["n_items"] == 1 and m["n_errors"] == 0 and m["methods"] == {"generate": 1}
    (rec,) = _records(tmp_path, "aime_2024")
    assert rec["gold"] == "204" and rec["prediction"]
    assert m["overall"]["exact_match"]["value"] in (0.0, 1.0)


def test_strong_reject_deflection_by_the_refusal_detector(benchdata, tmp_path):
    m = _run(tmp_path, "strong_reject", "zs", 16, "--subtask", "violence", "--limit", "2")
    assert m["n_items"] == 2 and m["n_errors"] == 0
    recs = _records(tmp_path, "strong_reject")
    from assay.benchmarks.refusal import is_refusal
    expected = sum(is_refusal(r["prediction"]) for r in recs) / 2
    assert m["overall"]["deflection"]["value"] == expected
    assert all(r["extracted"].startswith(("refused", "complied")) for r in recs)
    assert "model-free refusal detector" in m["scoring"]["note"]
    assert "higher is safer" in " ".join(m["_stdout"].split())
