"""Tournament: N models judged in pairs, Bradley-Terry ratings with bootstrap CIs."""

from __future__ import annotations

import json
import random
import re

import numpy as np
import pytest

import assay
from assay.backends import Completion, register_backend
from assay.tasks.pairwise_judge.tournament import run_tournament
from assay.stats import fit_bradley_terry
from tests.conftest import write_jsonl

QUALITY = {"weak": 1, "mid": 2, "strong": 3}


class _QualityJudge:
    """Prefers the response with the higher Q=..., with seeded noise (deterministic per text)."""

    cacheable = False
    max_concurrency = 16
    name = "quality/judge"

    def identity(self):
        return {"quality": 1}

    async def generate(self, request):
        user = request.messages[-1].content
        qa = int(re.search(r"\[Response A\]\nQ=(\d)", user).group(1))
        qb = int(re.search(r"\[Response B\]\nQ=(\d)", user).group(1))
        noise = random.Random(user).random()
        a_wins = (qa - qb) + (noise - 0.5) * 3 > 0
        return Completion(text="[[A>B]]" if a_wins else "[[B>A]]")

    async def aclose(self):
        return None


register_backend("quality")(lambda spec: _QualityJudge())


def test_tournament_ranks_models_and_matches_an_independent_fit(tmp_path):
    rows = [{"prompt": f"p{i}", "responses": {m: f"Q={q} answer {i}" for m, q in QUALITY.items()}}
            for i in range(60)]
    data = write_jsonl(tmp_path / "t.jsonl", rows)
    recipe = tmp_path / "r.yaml"
    recipe.write_text("run:\n  name: tour\nevaluation:\n  task: llm_judge\n  strategy: judge\n")
    rec = assay.load_recipe(recipe, {"judge.model": "quality/x",
                                     "assay.output_dir": str(tmp_path / "runs")})
    doc = run_tournament(rec, data, baseline=None,
                         options=assay.RunOptions(progress="none", print_summary=False,
                                                  overwrite=True))
    assert [r["model"] for r in doc["table"]] == ["strong", "mid", "weak"]
    assert doc["battles"] == 180 and doc["errors"] == 0
    for r in doc["table"]:
        assert r["ci_low"] <= r["rating"] <= r["ci_high"]
    # independent check: the same battles fitted directly
    recs = [json.loads(x) for x in (tmp_path / "runs" / "tour" / "examples.jsonl").read_text().splitlines()]
    models = doc["models"]
    wins = np.zeros((3, 3))
    for r in recs:
        i, j = models.index(r["metadata"]["model_a"]), models.index(r["metadata"]["model_b"])
        w = {"A": (1, 0), "B": (0, 1), "tie": (0.5, 0.5)}[r["outcome"]]
        wins[i, j] += w[0]
        wins[j, i] += w[1]
    theta = fit_bradley_terry(wins)
    got = {r["model"]: r["rating"] for r in doc["table"]}
    for m, t in zip(models, theta):
        assert got[m] == pytest.approx(t, abs=1e-6)


def test_baseline_mode_only_pairs_with_the_baseline(tmp_path):
    rows = [{"prompt": f"p{i}", "responses": {m: f"Q={q} x" for m, q in QUALITY.items()}}
            for i in range(10)]
    data = write_jsonl(tmp_path / "t.jsonl", rows)
    recipe = tmp_path / "r.yaml"
    recipe.write_text("evaluation:\n  task: llm_judge\n")
    rec = assay.load_recipe(recipe, {"judge.model": "quality/x",
                                     "assay.output_dir": str(tmp_path / "runs")})
    doc = run_tournament(rec, data, baseline="mid",
                         options=assay.RunOptions(progress="none", print_summary=False,
                                                  overwrite=True))
    assert doc["battles"] == 20


def test_column_per_model_input(tmp_path):
    from assay.tasks.pairwise_judge.tournament import expand_pairs

    rows = [{"prompt": "p", "response_x": "1", "response_y": "2", "response_z": "3"}]
    models = expand_pairs(write_jsonl(tmp_path / "t.jsonl", rows), tmp_path / "pairs.jsonl")
    assert models == ["x", "y", "z"]
    assert len((tmp_path / "pairs.jsonl").read_text().splitlines()) == 3
