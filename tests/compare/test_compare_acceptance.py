"""Issue 11 acceptance: two gen_qa runs of the embedded model on 20 rows of the sample
dataset, identical but for the system prompt, then ``assay compare`` gives a verdict and a
figure, with numbers that equal scipy's on the runs' own per-example records."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from tests.backends.conftest import smollm2_path  # noqa: F401  (shared fixture)
from tests.conftest import ASSAY, SAMPLES, env_for_subprocess, write_jsonl

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

DATA = SAMPLES / "nova_gen_qa_text_eval_dataset_with_metadata.jsonl"
RECIPE = ("run:\n  name: x\nevaluation:\n  task: gen_qa\n  strategy: gen_qa\n  metric: all\n"
          "inference:\n  max_new_tokens: 48\n  temperature: 0\n")
TERSE = "Answer with the class name only."


def _assay(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*ASSAY, *args], env=env_for_subprocess(), capture_output=True,
                          text=True, timeout=900)


def test_two_system_prompts_on_the_embedded_model(tmp_path, smollm2_path):  # noqa: F811
    if not DATA.exists():
        pytest.skip("shared/samples not present beside the repository")
    rows = [json.loads(x) for x in DATA.read_text(encoding="utf-8").splitlines()[:20]]
    rows = [dict(r, id=f"row{i}") for i, r in enumerate(rows)]
    with_schema = write_jsonl(tmp_path / "schema.jsonl", rows)
    terse = write_jsonl(tmp_path / "terse.jsonl", [dict(r, system=TERSE) for r in rows])
    recipe = tmp_path / "r.yaml"
    recipe.write_text(RECIPE, encoding="utf-8")
    runs = tmp_path / "runs"
    for name, data in (("schema", with_schema), ("terse", terse)):
        p = _assay("run", str(recipe), "--data", str(data), "-m", "local/smollm2",
                   "--name", name, "--output-dir", str(runs), "--progress", "none", "--quiet")
        assert p.returncode == 0, p.stderr[-3000:]
    p = _assay("compare", str(runs / "schema"), str(runs / "terse"))
    assert p.returncode == 0, p.stderr[-3000:]
    out = Path(p.stdout.strip().splitlines()[-1])
    assert out == (runs / "terse" / "compare-schema").resolve()
    doc = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    assert doc["items"]["common"] == 20 and doc["primary_metric"] == "em"
    assert doc["verdict"]["verdict"] in {"B is better", "B is worse", "no significant difference"}
    assert doc["verdict"]["text"] in p.stdout.replace("\n", " ") or \
        doc["verdict"]["verdict"] in p.stdout
    assert (out / "comparison.png").read_bytes()[:4] == b"\x89PNG"
    assert "data:image/png;base64," in (out / "comparison.html").read_text(encoding="utf-8")
    recs = {n: [json.loads(x) for x in (runs / n / "examples.jsonl").read_text().splitlines()]
            for n in ("schema", "terse")}
    assert recs["schema"][0]["system"] != recs["terse"][0]["system"] == TERSE
    xa = np.array([r["metrics"]["f1"] for r in recs["schema"]])
    xb = np.array([r["metrics"]["f1"] for r in recs["terse"]])
    f1 = doc["metrics"]["f1"]
    assert f1["difference"] == pytest.approx(float((xb - xa).mean()))
    if np.any(xb != xa):
        assert f1["p_value"] == pytest.approx(stats.ttest_rel(xb, xa).pvalue, rel=1e-9)
