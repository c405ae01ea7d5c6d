"""The llm_judge task end to end with scripted judges."""

from __future__ import annotations

import glob
import json
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import assay
from assay.backends import Completion, register_backend
from tests.conftest import write_jsonl

JUDGE_KEYS = {"a_scores", "b_scores", "ties", "inference_error", "score"}


class _Scripted:
    """Prefers the response that contains GOOD; or always position 1 when ``first``."""

    cacheable = False
    max_concurrency = 16

    def __init__(self, mode):
        self.mode, self.name = mode, f"scripted/{mode}"

    def identity(self):
        return {"scripted": self.mode}

    async def generate(self, request):
        if self.mode == "first":
            return Completion(text="The first one. [[A>B]]")
        if self.mode == "garbage":
            return Completion(text="I think both are fine, hard to say")
        user = request.messages[-1].content
        a = re.search(r"\[Response A\]\n(.*?)\n\[End of response A\]", user, re.S).group(1)
        return Completion(text="A is better [[A>B]]" if "GOOD" in a else "B wins [[B>A]]")

    async def aclose(self):
        return None


register_backend("scripted")(lambda spec: _Scripted(spec.model))


def _data(tmp_path: Path, n=100, b_share=0.7) -> Path:
    rows = []
    for i in range(n):
        b_good = i < int(n * b_share)
        rows.append({"prompt": f"question {i}",
                     "response_A": f"answer {i} " + ("BAD" if b_good else "GOOD"),
                     "response_B": f"answer {i} " + ("GOOD" if b_good else "BAD"),
                     "label": "B>A" if b_good else "A>B",
                     "metadata": json.dumps({"domain": ["x", "y"][i % 2]})})
    return write_jsonl(tmp_path / "judge.jsonl", rows)


def _run(tmp_path, judge, **kw):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("run:\n  name: j\nevaluation:\n  task: llm_judge\n  strategy: judge\n"
                      "  metric: all\ninference:\n  max_new_tokens: 32\n")
    return assay.evaluate(recipe, assay.RunOptions(progress="none", print_summary=False,
                                                   overwrite=True),
                          assay__data=str(_data(tmp_path, **kw)),
                          assay__output_dir=str(tmp_path / "runs"), judge__model=judge,
                          assay__group_by="domain")


def test_b_truly_wins_70_percent(tmp_path):
    res = _run(tmp_path, "scripted/content")
    f = res.metrics
    assert res.summary["counts"] == {"A": 30, "B": 70, "tie": 0, "error": 0}
    assert f["winrate"] == pytest.approx(0.7)
    assert f["lower_rate"] <= 0.7 <= f["upper_rate"] and f["lower_rate"] > 0.5
    assert res.summary["verdict"] == "B is better"
    assert res.summary["position_consistency"] == 1.0
    for key in JUDGE_KEYS:
        assert key in f and key + "_stderr" in f
    doc = json.loads(Path(glob.glob(str(res.run_dir / "eval_results" / "results_*.json"))[0]).read_text())
    assert set(doc["results"]) == {"custom|llm_judge_judge|0", "all"}
    assert {"winrate", "lower_rate", "upper_rate"} <= set(doc["results"]["all"])
    details = glob.glob(str(res.run_dir / "eval_results" / "details" / "*" / "*" /
                            "details_custom|llm_judge_judge|0_*.parquet"))
    row = pq.read_table(details[0]).to_pylist()[0]
    assert "[[" in row["forward_output"] and "[[" in row["backward_output"]
    q = res.summary["judge_quality"]
    assert q["n"] == 100
    assert q["forward_agreement"]["without_ties"]["rate"] == 1.0
    assert q["reconciled_agreement"]["with_ties"]["rate"] == 1.0
    assert set(res.summary["groups"]["domain"]) == {"x", "y"}
    assert Path(res.paths["figure"]).stat().st_size > 10_000   # the six-panel PNG


def test_position_one_judge_gives_only_ties(tmp_path):
    res = _run(tmp_path, "scripted/first", n=20)
    assert res.summary["position_consistency"] == 0.0
    assert res.summary["counts"]["tie"] == 20
    assert res.summary["verdict"] == "no significant difference"


def test_garbage_verdicts_are_inference_errors(tmp_path):
    res = _run(tmp_path, "scripted/garbage", n=10)
    assert res.summary["counts"]["error"] == 10 and res.metrics["inference_error"] == 10
    rec = json.loads((res.run_dir / "examples.jsonl").read_text().splitlines()[0])
    assert rec["error"]["stage"] == "judge" and "no verdict" in rec["error"]["message"]
    assert "hard to say" in rec["forward_output"]
    assert res.summary["verdict"] == "no valid judgments"
