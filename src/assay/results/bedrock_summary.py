"""Downloaded Bedrock outputs as a run: where they are (:func:`bedrock_output_files`), how
their records are keyed for a comparison (:func:`record_keys`) and their per-metric means with
95% CIs (:func:`summarise_bedrock`), shaped like a pointwise run's ``metrics.json`` so that
``assay report``, ``assay compare`` and ``assay query`` read them like runs.

A path is a Bedrock output when it is not an assay run folder (no ``run.json`` or
``metrics.json``) and is either a ``.jsonl`` file or a folder holding ``*_output.jsonl`` files
(:func:`assay.results.bedrock.find_output_files`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..errors import DataError
from ..stats.intervals import finite_or_none, mean_stderr, metric_interval
from .bedrock import BedrockOutputRecord, find_output_files

__all__ = ["bedrock_output_files", "record_keys", "summarise_bedrock", "LOWER_IS_BETTER",
           "BEDROCK_TASK", "lower_is_better", "record_model", "metadata_json"]

#: the ``task`` of a summary made from Bedrock outputs
BEDROCK_TASK = "bedrock_output"
#: Bedrock's metrics where lower is better (scored 1 = harmful / stereotyping / a refusal)
LOWER_IS_BETTER = frozenset({"harmfulness", "stereotyping", "refusal"})


def lower_is_better(metric: str) -> bool:
    """``Builtin.Harmfulness``, ``Harmfulness`` and ``harmfulness`` (and the other two)."""
    return metric.rpartition(".")[2].lower() in LOWER_IS_BETTER


def bedrock_output_files(path: str | Path) -> list[Path] | None:
    """The Bedrock output files at ``path``, or None when ``path`` is an assay run folder, a
    missing path, or a folder without ``*_output.jsonl`` files."""
    p = Path(path)
    if p.is_file():
        return [p] if p.name.endswith(".jsonl") else None
    if not p.is_dir() or (p / "run.json").is_file() or (p / "metrics.json").is_file():
        return None
    return find_output_files(p) or None


def _id(rec: BedrockOutputRecord) -> str | None:
    v = rec.input_record.get("id")
    if isinstance(v, bool) or not isinstance(v, (str, int)):
        return None
    return str(v)


def record_keys(records: Sequence[BedrockOutputRecord], match: str = "id") -> list[str]:
    """The pairing key of every record. ``match="id"``: the ``inputRecord``'s ``id`` field
    when it has one, else its prompt text; the n-th repeat of a key gets `` #n`` (n from 2), and
    with several datasets the key is prefixed by ``<dataset>/``. ``match="index"``: the
    position (from 0) in file then line order."""
    if match == "index":
        return [str(i) for i in range(len(records))]
    several = len({r.dataset for r in records}) > 1
    seen: dict[str, int] = {}
    keys = []
    for r in records:
        key = _id(r)
        if key is None:
            if r.prompt is None:
                raise DataError("expected a prompt (a string) or an id to pair the record by",
                                file=r.file, line=r.line, field="inputRecord.prompt")
            key = r.prompt
        if several:
            key = f"{r.dataset}/{key}"
        seen[key] = seen.get(key, 0) + 1
        keys.append(key if seen[key] == 1 else f"{key} #{seen[key]}")
    return keys


def _metric(scores: list[float | None], name: str) -> dict[str, Any]:
    vals = [float(v) for v in scores if v is not None and math.isfinite(v)]
    mean, stderr = mean_stderr(vals) if vals else (math.nan, math.nan)
    lo, hi = metric_interval(mean, stderr, len(vals), bounds=(0.0, 1.0))
    return {"value": finite_or_none(mean), "stderr": finite_or_none(stderr),
            "ci_low": finite_or_none(lo), "ci_high": finite_or_none(hi), "n": len(vals),
            "n_examples": len(scores), "n_null": len(scores) - len(vals),
            "lower_is_better": lower_is_better(name)}


def _table(records: Iterable[BedrockOutputRecord], names: list[str]) -> dict[str, Any]:
    recs = list(records)
    return {m: _metric([r.metrics.get(m) for r in recs], m) for m in names}


def _segments(records: list[BedrockOutputRecord], names: list[str], value) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for seg in sorted({value(r) for r in records}):
        rows = [r for r in records if value(r) == seg]
        out[seg] = {"n": len(rows), "metrics": _table(rows, names)}
    return out


def summarise_bedrock(records: Sequence[BedrockOutputRecord],
                      path: str | Path | None = None) -> dict[str, Any]:
    """Per metric (in first-seen order): ``value`` (mean of the non-null results),
    ``stderr``, the 95% CI ``ci_low``/``ci_high`` (Student t clipped to 0-1, as a pointwise
    run), ``n`` (results), ``n_examples``, ``n_null``, ``lower_is_better``; ``groups`` by
    ``category`` when the records have one, and by ``model`` / ``dataset`` when the path holds
    several."""
    records = list(records)
    names = list(dict.fromkeys(m for r in records for m in r.metrics))
    models = list(dict.fromkeys(record_model(r) for r in records))
    datasets = list(dict.fromkeys(r.dataset or "" for r in records))
    judges = list(dict.fromkeys(d.model_identifier for r in records for s in r.scores
                                for d in s.evaluator_details if d.model_identifier))
    groups: dict[str, Any] = {}
    if any(r.category is not None for r in records):
        groups["category"] = _segments(records, names, lambda r: r.category or "(missing)")
    if len(models) > 1:
        groups["model"] = _segments(records, names, record_model)
    if len(datasets) > 1:
        groups["dataset"] = _segments(records, names, lambda r: r.dataset or "")
    return {"task": BEDROCK_TASK, "source": None if path is None else str(path),
            "model": ", ".join(models), "models": models, "judge_models": judges,
            "datasets": datasets, "files": sorted({r.file for r in records}),
            "n_examples": len(records), "metrics": _table(records, names), "groups": groups}


def record_model(r: BedrockOutputRecord) -> str:
    if r.model_id:
        return r.model_id
    ident = r.model_responses[0].get("modelIdentifier") if r.model_responses else None
    return ident if isinstance(ident, str) and ident else "(unknown model)"


def metadata_json(r: BedrockOutputRecord) -> str | None:
    return None if r.category is None else json.dumps({"category": r.category},
                                                      ensure_ascii=False)
