"""Benchmark outputs: the Nova details parquet (one per subtask task key, lighteval columns,
every cell a Python repr) and the native ``examples.jsonl`` / ``examples.parquet``.

Items scored by log-likelihood also carry their ``choice_probs`` and ``confidence`` (see
:mod:`assay.tasks.benchmark.calibration`): as native columns and as keys of the details'
``specifics`` dict, beside the lighteval columns, which are unchanged."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ...results.nova import DETAILS_COLUMNS, _safe_model_dir

__all__ = ["BenchWriter"]

_SCHEMA = pa.schema([(c, pa.string()) for c in DETAILS_COLUMNS])


def details_row(rec: dict[str, Any]) -> dict[str, str]:
    """One lighteval details row for a benchmark record."""
    if rec["method"] == "loglikelihood":
        preds = [] if rec["loglikelihoods"] is None else \
            list(zip(rec["loglikelihoods"], rec["greedy"] or []))
        prompt = rec["prompt"]
    else:
        preds = [rec["prediction"] if rec["prediction"] is not None else ""]
        msgs = ([{"role": "system", "content": rec["system"]}] if rec["system"] else []) + \
            [{"role": "user", "content": rec["prompt"]}]
        prompt = repr(msgs)
    specifics = {"id": rec["id"], "subtask": rec["subtask"], "method": rec["method"],
                 "extracted": rec["extracted"], "pred_index": rec["pred_index"]}
    if rec.get("confidence") is not None:
        specifics["choice_probs"] = rec.get("choice_probs")
        specifics["confidence"] = rec["confidence"]
    if rec["error"] is not None:
        specifics["error"] = rec["error"]["message"]
    return {
        "example": rec["question"], "instruction": rec["system"] or "", "full_prompt": prompt,
        "num_effective_few_shots": str(rec["fewshot"]), "num_asked_few_shots": str(rec["fewshot"]),
        "predictions": repr(preds), "input_tokens": "[]",
        "cont_tokens": repr(rec["n_tokens"] or []), "truncated": "[0]", "padded": "[0]",
        "gold": repr([rec["gold"]]), "pred_logits": "[]", "choices": repr(rec["choices"]),
        "gold_index": repr(rec["gold_indices"]), "metrics": repr(rec["metrics"]),
        "specifics": repr(specifics), "pred_logprobs": "[]",
    }


class BenchWriter:
    """Records arrive in run order (grouped by subtask); ``key_of(subtask)`` names the task
    key of each details file."""

    def __init__(self, run_dir: Path, *, model: str, date_id: str,
                 key_of: Callable[[str], str]) -> None:
        self.run_dir = run_dir
        self.eval_dir = run_dir / "eval_results"
        self.details_dir = self.eval_dir / "details" / _safe_model_dir(model) / date_id
        self.details_dir.mkdir(parents=True, exist_ok=True)
        self.date_id = date_id
        self.key_of = key_of
        self.details_paths: list[Path] = []
        self.jsonl_path = run_dir / "examples.jsonl"
        self.parquet_path = run_dir / "examples.parquet"
        self._jsonl = self.jsonl_path.open("w", encoding="utf-8")
        self._native: list[dict[str, Any]] = []
        self._rows: dict[str, list[dict[str, str]]] = {}

    def add(self, rec: dict[str, Any], line: str) -> None:
        self._jsonl.write(line if line.endswith("\n") else line + "\n")
        self._rows.setdefault(rec["subtask"], []).append(details_row(rec))
        flat = dict(rec)
        for k in ("choice_probs", "confidence"):   # records from before calibration lack them
            flat.setdefault(k, None)
        flat["error"] = None if rec["error"] is None else rec["error"]["message"]
        flat["metrics"] = {k: math.nan if v is None else float(v)   # null: not a number
                           for k, v in rec["metrics"].items()}
        self._native.append(flat)

    def close(self) -> None:
        self._jsonl.close()
        for sub, rows in self._rows.items():
            path = self.details_dir / f"details_{self.key_of(sub)}_{self.date_id}.parquet"
            table = pa.Table.from_pylist(rows, schema=_SCHEMA)
            pq.write_table(table, str(path), compression="zstd")
            self.details_paths.append(path)
        if self._native:
            pq.write_table(pa.Table.from_pylist(self._native), str(self.parquet_path),
                           compression="zstd")
