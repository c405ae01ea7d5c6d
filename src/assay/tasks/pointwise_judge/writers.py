"""Outputs of a pointwise judge run: the native records (``examples.jsonl`` as stored,
``examples.parquet``) and the Bedrock output layout (:mod:`assay.results.bedrock`) under
``<run>/bedrock/``: job name = the run's name, model id = the BYOI ``modelIdentifier`` or the
answering model's name, dataset = the data file's stem, UUIDs seeded by the run fingerprint."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ...results.bedrock import BedrockOutputWriter, BedrockScore, EvaluatorDetail
from ...results.json_io import dumps_strict

__all__ = ["PointwiseWriter", "POINTWISE_SCHEMA", "BEDROCK_DIR", "bedrock_scores"]

BEDROCK_DIR = "bedrock"

POINTWISE_SCHEMA = pa.schema([
    ("index", pa.int64()), ("id", pa.string()), ("prompt", pa.string()),
    ("reference", pa.string()), ("response", pa.string()), ("model_identifier", pa.string()),
    ("metadata_raw", pa.string()), ("metadata", pa.string()),
    ("metrics", pa.map_(pa.string(), pa.float64())), ("ratings", pa.string()),
    ("error", pa.struct([("stage", pa.string()), ("kind", pa.string()),
                         ("message", pa.string()), ("raw", pa.string())])),
    ("latency_s", pa.float64()), ("cached", pa.bool_()),
])


def bedrock_scores(ratings: dict[str, dict[str, Any]], judge_model: str) -> list[BedrockScore]:
    """A record's ratings as Bedrock scores: the 0-1 score (null when there is none) with the
    judge's explanation, else the problem, as the evaluator detail."""
    return [BedrockScore(name, r.get("score"), (EvaluatorDetail(
        judge_model, r.get("explanation") or r.get("problem") or None),))
        for name, r in ratings.items()]


class PointwiseWriter:
    """Streams records to the native files and one Bedrock ``*_output.jsonl``."""

    def __init__(self, run_dir: Path, *, job_name: str, model_id: str, dataset: str,
                 seed: str, judge_model: str) -> None:
        self.jsonl_path = run_dir / "examples.jsonl"
        self.parquet_path = run_dir / "examples.parquet"
        self._jsonl = self.jsonl_path.open("w", encoding="utf-8")
        self._rows: list[dict[str, Any]] = []
        self.model_id = model_id
        self.judge_model = judge_model
        self.bedrock = BedrockOutputWriter(run_dir / BEDROCK_DIR, job_name=job_name,
                                           model_id=model_id, dataset=dataset, seed=seed)

    def add(self, rec: dict[str, Any], line: str) -> None:
        self._jsonl.write(line)
        row = dict(rec)
        row["metadata"] = None if rec["metadata"] is None else dumps_strict(rec["metadata"])
        row["metrics"] = list(rec["metrics"].items())
        row["ratings"] = dumps_strict(rec["ratings"], ensure_ascii=False)
        self._rows.append(row)
        scores = bedrock_scores(rec["ratings"], self.judge_model)
        responses = [] if rec["response"] is None else \
            [{"modelIdentifier": rec["model_identifier"] or self.model_id,
              "response": rec["response"]}]
        self.bedrock.add(rec["input_record"], scores, responses)

    def close(self) -> Path:
        """Finish every file; returns the Bedrock output file."""
        self._jsonl.close()
        columns = [pa.array([r.get(f.name) for r in self._rows], type=f.type)
                   for f in POINTWISE_SCHEMA]
        pq.write_table(pa.Table.from_arrays(columns, schema=POINTWISE_SCHEMA),
                       self.parquet_path, compression="zstd")
        return self.bedrock.close()

    def abort(self) -> None:
        self._jsonl.close()
        self.bedrock.__exit__(RuntimeError, None, None)
