"""``assay generate``: responses from several models to the same prompts, under identical
generation settings, written as an llm_judge file (two models) or a tournament file (more).

Each model is an ordinary gen_qa run (cache, retries, resume and all) over the same dataset and
the same recipe; only ``assay.model`` differs. The outputs are then joined by row. A row's
``images`` (which the records only count) are copied from the dataset onto the joined row, so
the file is ready for ``mm_llm_judge``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ...config.loader import apply_overrides, recipe_from_dict
from ...config.recipe import Recipe
from ...data.gen_qa import GenQADataset
from ...errors import ConfigError

__all__ = ["generate_pairs"]


def generate_pairs(recipe: Recipe, models: list[tuple[str, str, dict[str, Any]]], out: Path, *,
                   options: Any) -> tuple[Path, int]:
    """``models``: ``(label, provider/model, model_args)``. Two models give
    ``{prompt, response_A, response_B, metadata}`` rows (the first is A, the baseline); more give
    ``{prompt, responses: {label: text}, metadata}`` rows for a tournament. Returns the
    file and the number of responses that failed (written as empty strings)."""
    from ...runner.run import evaluate

    if len(models) < 2:
        raise ConfigError("generate needs at least two models", field="model")
    labels = [m[0] for m in models]
    if len(set(labels)) != len(labels):
        raise ConfigError("model labels must be unique", field="model")
    base = recipe.model_dump(mode="json", exclude_none=True)
    base.pop("processor", None)
    texts: dict[str, list[dict]] = {}
    dataset = None
    for label, model, args in models:
        r = recipe_from_dict(apply_overrides(base, {
            "assay.model": model, "assay.model_args": args, "assay.metrics": ["em"],
            "assay.scorers": [], "assay.group_by": [],
            "run.name": f"{recipe.run.name}-{label}"}))
        result = evaluate(r, options)
        if dataset is None:   # the file the runs read (resolved as they resolved it)
            run = json.loads((result.run_dir / "run.json").read_text(encoding="utf-8"))
            dataset = GenQADataset(run["dataset"], limit=r.assay.limit)
        texts[label] = [json.loads(x) for x in
                        (result.run_dir / "examples.jsonl").read_text(encoding="utf-8").splitlines()]
    out.parent.mkdir(parents=True, exist_ok=True)
    n_failed = 0
    with out.open("w", encoding="utf-8") as fh:
        images = _row_images(dataset, texts[labels[0]])
        for i, first in enumerate(texts[labels[0]]):
            prompt = first["query"] if not first["system"] else \
                f"{first['system']}\n\n{first['query']}"
            row: dict[str, Any] = {"prompt": prompt}
            responses = {}
            for label in labels:
                rec = texts[label][i]
                if rec["error"] is not None:
                    n_failed += 1
                responses[label] = rec["prediction"] or ""
            if len(labels) == 2:
                row["response_A"], row["response_B"] = responses[labels[0]], responses[labels[1]]
            else:
                row["responses"] = responses
            if first["metadata_raw"] is not None:
                row["metadata"] = first["metadata_raw"]
            uris = next(images)
            if uris:
                row["images"] = [{"data": uri} for uri in uris]
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    if n_failed:
        print(f"warning: {n_failed} responses failed and are written as empty strings; "
              "see each model's run for the errors", file=sys.stderr)
    return out, n_failed


def _row_images(dataset: GenQADataset | None, records: list[dict]) -> Iterator[tuple[str, ...]]:
    """Each row's image URIs, in dataset order, streamed from the dataset again only when
    some record counted images (the records keep only the count)."""
    if dataset is None or not any(rec.get("images") for rec in records):
        return iter([()] * len(records))
    return (sample.images for sample in dataset.iter_samples())
