"""Outputs of a pairwise judge run: native records and the Nova details parquet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ...results.json_io import dumps_strict
from ...results.nova import DETAILS_COLUMNS, _safe_model_dir

__all__ = ["JudgeWriter", "JUDGE_SCHEMA"]

_PROBS = pa.struct([("A", pa.float64()), ("B", pa.float64()), ("tie", pa.float64())])
JUDGE_SCHEMA = pa.schema([
    ("index", pa.int64()), ("id", pa.string()), ("prompt", pa.string()),
    ("response_a", pa.string()), ("response_b", pa.string()), ("metadata_raw", pa.string()),
    ("metadata", pa.string()), ("human_label", pa.string()), ("forward_output", pa.string()),
    ("backward_output", pa.string()), ("forward_verdict", pa.string()),
    ("backward_verdict", pa.string()), ("outcome", pa.string()), ("consistent", pa.bool_()),
    ("metrics", pa.map_(pa.string(), pa.float64())),
    ("error", pa.struct([("stage", pa.string()), ("kind", pa.string()),
                         ("message", pa.string()), ("raw", pa.string())])),
    ("latency_s", pa.float64()), ("cached", pa.bool_()),
    # rubric judge only (null for pairwise runs)
    ("label", pa.string()), ("weighted_score_a", pa.float64()), ("weighted_score_b", pa.float64()),
    ("score_margin", pa.float64()), ("criteria_breakdown", pa.string()),
    ("overall_justification", pa.string()), ("bothbad", pa.bool_()),
    # structured judges only (null otherwise, and in records written before they existed)
    ("forward_probs", _PROBS), ("backward_probs", _PROBS), ("verdict_probs", _PROBS),
])
_DETAILS = DETAILS_COLUMNS[:-1] + ["forward_output", "backward_output", "pred_logprobs"]


class JudgeWriter:
    """Collects rows and writes ``examples.{jsonl,parquet}`` and the Nova details parquet."""

    def __init__(self, run_dir: Path, *, model: str, date_id: str, key: str) -> None:
        self.run_dir = run_dir
        self.eval_dir = run_dir / "eval_results"
        details = self.eval_dir / "details" / _safe_model_dir(model) / date_id
        details.mkdir(parents=True, exist_ok=True)
        self.details_path = details / f"details_{key}_{date_id}.parquet"
        self.jsonl_path = run_dir / "examples.jsonl"
        self.parquet_path = run_dir / "examples.parquet"
        self._jsonl = self.jsonl_path.open("w", encoding="utf-8")
        self._native: list[dict[str, Any]] = []
        self._details: dict[str, list[str]] = {c: [] for c in _DETAILS}

    def add(self, rec: dict[str, Any], line: str) -> None:
        self._jsonl.write(line)
        row = dict(rec)
        row["metadata"] = None if rec["metadata"] is None else dumps_strict(rec["metadata"])
        row["metrics"] = list(rec["metrics"].items())
        if rec.get("criteria_breakdown") is not None:
            row["criteria_breakdown"] = dumps_strict(rec["criteria_breakdown"],
                                                      ensure_ascii=False)
        self._native.append(row)
        metrics = dict(rec["metrics"], forward_output=rec["forward_output"],
                       backward_output=rec["backward_output"])
        if "criteria_breakdown" in rec:   # the Nova rubric notebook's per-example keys
            metrics.update(predictions=rec.get("label"),
                           overall_justification=rec.get("overall_justification"),
                           criteria_breakdown=rec.get("criteria_breakdown"))
        cells = {
            "example": rec["prompt"], "instruction": "", "full_prompt": rec["prompt"],
            "num_effective_few_shots": "0", "num_asked_few_shots": "0",
            "predictions": repr([rec["forward_output"] or "", rec["backward_output"] or ""]),
            "input_tokens": "[]", "cont_tokens": "[]", "truncated": "[0]", "padded": "[0]",
            "gold": repr([rec["human_label"] or ""]), "pred_logits": "[]",
            "choices": repr([rec["response_a"], rec["response_b"]]), "gold_index": "[]",
            "metrics": repr(metrics),
            "specifics": repr({"metadata": rec["metadata_raw"]}) if rec["metadata_raw"]
            is not None else "{}",
            "forward_output": rec["forward_output"] or "",
            "backward_output": rec["backward_output"] or "", "pred_logprobs": "[]",
        }
        for c in _DETAILS:
            self._details[c].append(cells[c])

    def close(self) -> None:
        self._jsonl.close()
        columns = [pa.array([r.get(f.name) for r in self._native], type=f.type)
                   for f in JUDGE_SCHEMA]
        pq.write_table(pa.Table.from_arrays(columns, schema=JUDGE_SCHEMA), self.parquet_path,
                       compression="zstd")
        pq.write_table(pa.table(self._details, schema=pa.schema([(c, pa.string()) for c in _DETAILS])),
                       self.details_path, compression="zstd")
