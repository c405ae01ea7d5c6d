"""The tables ``assay query`` makes of Bedrock output files (see ``docs/query.md``): pure data,
turned into DuckDB tables by :func:`assay.results.query.open_run`.

``examples``: one row per output line, like a run's records (``metrics`` is a struct of
metric name -> score, NULL where Bedrock wrote ``null``); ``scores``: one row per metric of
each line, with the evaluator and its explanation; ``metrics``: the per-metric means with 95%
CIs of :func:`assay.results.bedrock_summary.summarise_bedrock`, overall and per segment.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from .bedrock import iter_bedrock_output
from .bedrock_summary import metadata_json, record_model, summarise_bedrock

__all__ = ["bedrock_tables", "SCORE_COLUMNS"]

SCORE_COLUMNS = (("index", "BIGINT"), ("id", "VARCHAR"), ("metric", "VARCHAR"),
                 ("score", "DOUBLE"), ("evaluator", "VARCHAR"), ("explanation", "VARCHAR"))


def _score(v: float | None) -> float | None:
    return None if v is None or not math.isfinite(v) else float(v)


def bedrock_tables(path: str | Path) -> tuple[Any, list[tuple], dict[str, Any]]:
    """``(examples as a pyarrow Table, scores rows, summary)`` of the outputs at ``path``."""
    import pyarrow as pa

    records = list(iter_bedrock_output(path))
    names = list(dict.fromkeys(m for r in records for m in r.metrics))
    cols: dict[str, list[Any]] = {k: [] for k in (
        "index", "id", "prompt", "reference", "category", "response", "model_identifier",
        "model_id", "job_name", "dataset", "metadata", "input_record", "file", "line")}
    scores: list[tuple] = []
    metrics: list[dict[str, float | None]] = []
    for i, r in enumerate(records):
        rid = r.input_record.get("id")
        rid = None if rid is None or isinstance(rid, (dict, list)) else str(rid)
        ref = r.input_record.get("referenceResponse")
        row = {"index": i, "id": rid, "prompt": r.prompt,
               "reference": ref if isinstance(ref, str) else None, "category": r.category,
               "response": r.response, "model_identifier": record_model(r),
               "model_id": r.model_id, "job_name": r.job_name, "dataset": r.dataset,
               "metadata": metadata_json(r),
               "input_record": json.dumps(r.input_record, ensure_ascii=False),
               "file": r.file, "line": r.line}
        for k, v in row.items():
            cols[k].append(v)
        m = r.metrics
        metrics.append({n: _score(m.get(n)) for n in names})
        for s in r.scores:
            d = s.evaluator_details[0] if s.evaluator_details else None
            scores.append((i, rid, s.metric_name, _score(s.result),
                           None if d is None else d.model_identifier,
                           None if d is None else d.explanation))
    types = {"index": pa.int64(), "line": pa.int64()}
    arrays = {k: pa.array(v, type=types.get(k, pa.string())) for k, v in cols.items()}
    if names:
        arrays["metrics"] = pa.array(metrics, type=pa.struct([(n, pa.float64())
                                                              for n in names]))
    table = pa.table(arrays)
    return table, scores, summarise_bedrock(records, path)
