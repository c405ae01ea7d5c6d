"""Tournament: responses from N models, judged in pairs (every pair, or every model against a
baseline), then Bradley-Terry ratings (and Elo) with prompt-bootstrap 95% intervals.

Input rows: ``{"prompt": str, "responses": {"model": str, ...}, "metadata"?: ...}``, or a
column per model (``{"prompt", "response_base", "response_tuned", ...}``), with the same models
on every row (``assay generate`` writes this for three or more models). Each pair
of each row becomes one llm_judge example, judged forward and backward like any other; the
reconciled outcomes are the battles of the Bradley-Terry fit, grouped by prompt for the
bootstrap. A row's ``images`` go with each of its pairs (shown to the judge when the recipe's
task is ``mm_llm_judge``).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np

from ...config.loader import apply_overrides, recipe_from_dict
from ...config.recipe import Recipe
from ...data.jsonl import iter_jsonl
from ...errors import ConfigError, DataError
from ...results.native import write_json
from ...stats.bradley_terry import bt_ratings

__all__ = ["run_tournament", "expand_pairs"]


def expand_pairs(path: Path, out: Path, *, baseline: str | None = None,
                 limit: int | None = None) -> list[str]:
    """Write one llm_judge row per (prompt, pair); return the model labels in file order."""
    models: list[str] | None = None
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        for index, (line, obj) in enumerate(iter_jsonl(path)):
            if limit is not None and index >= limit:
                break
            prompt, responses = obj.get("prompt"), obj.get("responses")
            if responses is None:   # a column per model: response_<model>
                responses = {k[len("response_"):]: v for k, v in obj.items()
                             if k.startswith("response_")} or None
            if not isinstance(prompt, str):
                raise DataError("missing or non-string", file=path, line=line, field="prompt")
            if not isinstance(responses, dict) or len(responses) < 2 or not all(
                    isinstance(v, str) for v in responses.values()):
                raise DataError("expected an object of at least two model: response strings",
                                file=path, line=line, field="responses")
            if models is None:
                models = list(responses)
                if baseline is not None and baseline not in models:
                    raise ConfigError(f"baseline '{baseline}' is not one of the models "
                                      f"({', '.join(models)})", field="baseline")
            elif set(responses) != set(models):
                raise DataError(f"models differ from the first row ({', '.join(models)})",
                                file=path, line=line, field="responses")
            pairs = ([(baseline, m) for m in models if m != baseline] if baseline
                     else list(itertools.combinations(models, 2)))
            for a, b in pairs:
                row = {"id": f"{index}:{a}:{b}", "prompt": prompt, "response_A": responses[a],
                       "response_B": responses[b],
                       "metadata": json.dumps({"pair": f"{a} vs {b}", "model_a": a,
                                               "model_b": b, "prompt_index": index})}
                if obj.get("images") is not None:   # checked by the judge run's reader
                    row["images"] = obj["images"]
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    if models is None:
        raise DataError("dataset is empty (no JSON lines)", file=path)
    return models


def run_tournament(recipe: Recipe, data: Path, *, baseline: str | None, options: Any) -> dict:
    from ...runner.run import evaluate, output_root

    a = recipe.assay
    work = output_root(recipe, None) / recipe.run.name
    pairs_file = work.parent / f"{recipe.run.name}.pairs.jsonl"
    models = expand_pairs(data, pairs_file, baseline=baseline, limit=a.limit)
    judge_recipe = recipe_from_dict(apply_overrides(
        recipe.model_dump(mode="json", exclude_none=True),
        # the rows' images reach the judge under mm_llm_judge; llm_judge notes it leaves them out
        {"evaluation.task": "mm_llm_judge" if recipe.evaluation.task == "mm_llm_judge"
         else "llm_judge", "evaluation.strategy": "judge",
         "assay.data": str(pairs_file.resolve()), "assay.limit": None,
         "assay.group_by": ["pair"]}))
    result = evaluate(judge_recipe, options)
    index = {m: i for i, m in enumerate(models)}
    i_idx, j_idx, outcome, prompts = [], [], [], []
    value = {"A": 1.0, "B": 0.0, "tie": 0.5, "error": float("nan")}
    for rec in result.records_dicts():
        meta = rec["metadata"]
        i_idx.append(index[meta["model_a"]])
        j_idx.append(index[meta["model_b"]])
        outcome.append(value[rec["outcome"]])
        prompts.append(meta["prompt_index"])
    ratings = bt_ratings((np.asarray(i_idx), np.asarray(j_idx), np.asarray(outcome)),
                         len(models), seed=a.seed, prompt_ids=np.asarray(prompts))
    table = ratings.table(models)
    doc = {"models": models, "baseline": baseline, "judge": recipe.judge.model,
           "battles": len(outcome), "errors": int(np.isnan(outcome).sum()),
           "n_resamples": ratings.n_resamples, "dropped_resamples": ratings.n_dropped,
           "table": table}
    write_json(result.run_dir / "tournament.json", doc)
    return doc
