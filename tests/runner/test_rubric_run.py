"""The rubric_llm_judge task with a scripted judge (the Nova rubric post's Notre Dame example),
and offline reweighting of the saved run."""

from __future__ import annotations

import glob
import json
import re
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import assay
from assay.backends import Completion, register_backend
from assay.tasks.rubric_judge.reweight import reweight_run
from tests.conftest import write_jsonl

NOTRE_DAME = {"accuracy": (2, 4, 0.5), "completeness": (1, 5, 0.3), "clarity": (2, 5, 0.2)}


def _yaml(scores: dict, label: str) -> str:
    lines = ["Here is my evaluation:", "```yaml", "criteria:"]
    for name, (a, b, w) in scores.items():
        lines += [f"  {name}:", f"    description: {name} of the answer", "    type: scale",
                  f"    weight: {w}", f"    score_A: {a}", f"    score_B: {b}",
                  "    justification_A: reason a", "    justification_B: reason b"]
    lines += ["overall_justification: B is more complete.", f'label: "{label}"', "```"]
    return "\n".join(lines)


class _RubricJudge:
    """Scores the response that mentions 'Sorin' as B of the Notre Dame example, whichever
    position it is shown in (so both passes agree)."""

    cacheable = False
    max_concurrency = 8
    name = "rubricjudge/x"

    def identity(self):
        return {"rubric": 1}

    async def generate(self, request):
        user = request.messages[-1].content
        shown_a = re.search(r"\[Response A\]\n(.*?)\n\[End of response A\]", user, re.S)
        first = shown_a.group(1) if shown_a else user
        if "Sorin" in first:   # the good answer is shown first: swap the example's scores
            swapped = {k: (b, a, w) for k, (a, b, w) in NOTRE_DAME.items()}
            return Completion(text=_yaml(swapped, "[[A>B]]"))
        return Completion(text=_yaml(NOTRE_DAME, "[[B>A]]"))

    async def aclose(self):
        return None


register_backend("rubricjudge")(lambda spec: _RubricJudge())


def _run(tmp_path, n=4):
    rows = [{"prompt": f"Who founded Notre Dame? ({i})", "response_A": "Some priest.",
             "response_B": "Father Edward Sorin, in 1842.", "label": "B>A"} for i in range(n)]
    data = write_jsonl(tmp_path / "judge.jsonl", rows)
    recipe = tmp_path / "r.yaml"
    recipe.write_text("run:\n  name: rubric\nevaluation:\n  task: rubric_llm_judge\n"
                      "  strategy: judge\n  metric: all\n")
    return assay.evaluate(recipe, assay.RunOptions(progress="none", print_summary=False,
                                                   overwrite=True),
                          assay__data=str(data), assay__output_dir=str(tmp_path / "runs"),
                          judge__model="rubricjudge/x")


def test_notre_dame_weighted_scores(tmp_path):
    res = _run(tmp_path)
    f = res.metrics
    assert f["weighted_score_A"] == pytest.approx(0.175, abs=1e-12)
    assert f["weighted_score_B"] == pytest.approx(0.875, abs=1e-12)
    assert f["score_margin"] == pytest.approx(-0.700, abs=1e-12)
    for k in ("weighted_score_A", "weighted_score_B", "score_margin"):
        assert k + "_stderr" in f
    assert res.summary["counts"]["B"] == 4 and f["winrate"] == 1.0
    doc = json.loads(Path(glob.glob(str(res.run_dir / "eval_results" / "results_*.json"))[0]).read_text())
    assert set(doc["results"]) == {"custom|rubric_llm_judge_judge|0", "all"}
    assert doc["results"]["all"]["score_margin"] == pytest.approx(-0.7)
    rec = json.loads((res.run_dir / "examples.jsonl").read_text().splitlines()[0])
    bd = rec["criteria_breakdown"]
    assert bd["accuracy"] == {"score_A": 2.0, "score_B": 4.0, "weight": 0.5, "type": "scale",
                              "description": "accuracy of the answer",
                              "justification_A": "reason a", "justification_B": "reason b"}
    details = glob.glob(str(res.run_dir / "eval_results" / "details" / "*" / "*" / "*.parquet"))
    cell = pq.read_table(details[0]).to_pylist()[0]["metrics"]
    assert "criteria_breakdown" in cell and "weighted_score_A" in cell
    assert res.summary["rubric"]["calibration"]["buckets"]


def _forbid_model_calls(monkeypatch) -> list[str]:
    """Make every path to a model fail, and record each attempt (the returned list), so a
    swallowed error still shows. ``create_backend`` is patched wherever it is looked up: the
    runner imports it by name (``from ..backends.base import create_backend``), so patching
    only ``assay.backends.base`` would not reach it. Every registered provider's factory and
    the scripted judge's ``generate`` are replaced too."""
    import assay.backends.base as base

    calls: list[str] = []
    original = base.create_backend

    def no_models(spec, *a, **k):
        calls.append(f"create_backend({getattr(spec, 'name', spec)})")
        raise AssertionError("reweighting must not call a model")

    for mod in list(sys.modules.values()):
        try:
            bound = getattr(mod, "create_backend", None)
        except Exception:   # noqa: BLE001 - an odd module; it cannot hold our function
            continue
        if bound is original:
            monkeypatch.setattr(mod, "create_backend", no_models)
    for provider in base.providers():   # a registered factory wins over a built-in module
        monkeypatch.setitem(base._REGISTRY, provider, no_models)

    async def no_generate(self, request):
        calls.append(f"generate({self.name})")
        raise AssertionError("reweighting must not call a model")

    monkeypatch.setattr(_RubricJudge, "generate", no_generate)
    return calls


def test_model_call_guard_fires(tmp_path, monkeypatch):
    """The guard used below is live: a run that needs the judge model fails under it, and
    so does a direct call of the judge backend."""
    import asyncio

    import assay.backends.base as base
    import assay.runner.run as run_module

    original = base.create_backend
    calls = _forbid_model_calls(monkeypatch)
    assert run_module.create_backend is not original   # where the runner looks it up
    with pytest.raises(AssertionError, match="must not call a model"):
        _run(tmp_path)
    assert calls == ["create_backend(rubricjudge/x)"]
    with pytest.raises(AssertionError, match="must not call a model"):
        asyncio.run(_RubricJudge().generate(None))
    assert calls[-1] == "generate(rubricjudge/x)"


def test_reweighting_makes_no_model_call_and_matches_hand_computation(tmp_path, monkeypatch):
    res = _run(tmp_path)
    calls = _forbid_model_calls(monkeypatch)
    out = reweight_run(res.run_dir, {"accuracy": 0.5}, ["clarity", "style"])
    assert calls == []
    # accuracy 0.5 and completeness 0.3 renormalised to 0.625 / 0.375
    a = 0.625 * (2 - 1) / 4 + 0.375 * (1 - 1) / 4
    b = 0.625 * (4 - 1) / 4 + 0.375 * (5 - 1) / 4
    assert out["flat"]["weighted_score_A"] == pytest.approx(a, abs=1e-12)
    assert out["flat"]["weighted_score_B"] == pytest.approx(b, abs=1e-12)
    assert out["flat"]["score_margin"] == pytest.approx(a - b, abs=1e-12)
    assert out["margin_preference_counts"]["B"] == 4
    assert out["missing"] == {"style": [0, 1, 2, 3]}
    assert Path(out["out_dir"], "metrics.json").exists()
    assert (res.run_dir / "metrics.json").exists()   # the original is untouched
