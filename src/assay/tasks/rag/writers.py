"""Outputs of a RAG run: the native records (``examples.jsonl`` as stored,
``examples.parquet``), the Bedrock output layout under ``<run>/bedrock/`` (RAG lines keep the
``conversationTurns`` shape: :meth:`assay.results.bedrock.BedrockOutputWriter.add_rag`) and
``rag_output.jsonl``: every row in Bedrock's BYOI dataset shape with the output evaluated
(what a knowledge-base run retrieved and generated), so it can be evaluated again with
``-m byoi`` or handed to Bedrock as a precomputed RAG source."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ...results.bedrock import BedrockOutputWriter
from ...results.json_io import dumps_strict
from ..pointwise_judge.writers import BEDROCK_DIR, bedrock_scores

__all__ = ["RagWriter", "RAG_SCHEMA", "BEDROCK_DIR", "BYOI_FILE"]

BYOI_FILE = "rag_output.jsonl"

_JSON_COLUMNS = ("references", "reference_contexts", "passages", "citations", "metadata",
                 "ratings", "retrieval", "citation_check", "relevance")

RAG_SCHEMA = pa.schema([
    ("index", pa.int64()), ("id", pa.string()), ("prompt", pa.string()), ("kind", pa.string()),
    ("response", pa.string()), ("model_identifier", pa.string()),
    ("knowledge_base_identifier", pa.string()),
    *[(c, pa.string()) for c in _JSON_COLUMNS],
    ("metrics", pa.map_(pa.string(), pa.float64())),
    ("error", pa.struct([("stage", pa.string()), ("kind", pa.string()),
                         ("message", pa.string()), ("raw", pa.string())])),
    ("latency_s", pa.float64()), ("cached", pa.bool_()),
])


class RagWriter:
    """Streams records to the native files, one Bedrock ``*_output.jsonl`` and the BYOI
    dataset."""

    def __init__(self, run_dir: Path, *, job_name: str, model_id: str, dataset: str,
                 seed: str, judge_model: str) -> None:
        self.jsonl_path = run_dir / "examples.jsonl"
        self.parquet_path = run_dir / "examples.parquet"
        self.byoi_path = run_dir / BYOI_FILE
        self._jsonl = self.jsonl_path.open("w", encoding="utf-8")
        self._byoi = self.byoi_path.open("w", encoding="utf-8")
        self._rows: list[dict[str, Any]] = []
        self.judge_model = judge_model
        self.bedrock = BedrockOutputWriter(run_dir / BEDROCK_DIR, job_name=job_name,
                                           model_id=model_id, dataset=dataset, seed=seed)

    def add(self, rec: dict[str, Any], line: str) -> None:
        self._jsonl.write(line)
        row = dict(rec)
        for c in _JSON_COLUMNS:
            row[c] = None if rec.get(c) is None else dumps_strict(rec[c], ensure_ascii=False)
        row["metrics"] = [(k, v) for k, v in rec["metrics"].items()]
        self._rows.append(row)
        self.bedrock.add_rag(rec["input_record"], rec["output"],
                             bedrock_scores(rec["ratings"], self.judge_model))
        turns = [dict(t) for t in rec["input_record"].get("conversationTurns") or [{}]]
        if rec["output"] is not None:
            turns[-1]["output"] = rec["output"]
        doc = {"conversationTurns": turns, **{k: v for k, v in rec["input_record"].items()
                                              if k != "conversationTurns"}}
        self._byoi.write(dumps_strict(doc, ensure_ascii=False) + "\n")

    def close(self) -> Path:
        """Finish every file; returns the Bedrock output file."""
        self._jsonl.close()
        self._byoi.close()
        columns = [pa.array([r.get(f.name) for r in self._rows], type=f.type)
                   for f in RAG_SCHEMA]
        pq.write_table(pa.Table.from_arrays(columns, schema=RAG_SCHEMA), self.parquet_path,
                       compression="zstd")
        return self.bedrock.close()

    def abort(self) -> None:
        self._jsonl.close()
        self._byoi.close()
        self.bedrock.__exit__(RuntimeError, None, None)
