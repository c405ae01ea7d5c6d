"""assay's native outputs: typed per-example records (Parquet and JSONL) and metrics.json."""

from __future__ import annotations

import operator
from pathlib import Path
from typing import Any

import pyarrow as pa

from .json_io import clean_floats, dumps_strict
from .parquet_sink import ParquetSink

__all__ = ["NativeWriter", "EXAMPLES_SCHEMA", "write_json", "clean_floats"]

_TOKEN = pa.struct([("token", pa.string()), ("logprob", pa.float64())])
EXAMPLES_SCHEMA = pa.schema([
    ("index", pa.int64()), ("id", pa.string()), ("query", pa.string()), ("system", pa.string()),
    ("gold", pa.string()), ("metadata_raw", pa.string()), ("metadata", pa.string()),
    ("messages", pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))),
    ("prediction", pa.string()),
    ("logprobs", pa.list_(pa.struct([("token", pa.string()), ("logprob", pa.float64()),
                                     ("top", pa.list_(_TOKEN))]))),
    ("confidence", pa.struct([("first_token_prob", pa.float64()), ("mean_logprob", pa.float64()),
                              ("min_logprob", pa.float64()), ("label", pa.string()),
                              ("label_probability", pa.float64())])),
    ("metrics", pa.map_(pa.string(), pa.float64())),
    ("error", pa.struct([("stage", pa.string()), ("kind", pa.string()),
                         ("message", pa.string()), ("raw", pa.string())])),
    ("latency_s", pa.float64()), ("input_tokens", pa.int64()), ("output_tokens", pa.int64()),
    ("finish_reason", pa.string()), ("cached", pa.bool_()), ("attempts", pa.int32()),
    ("images", pa.int32()),
])
_BATCH = 4096
_FIELDS = tuple(f.name for f in EXAMPLES_SCHEMA)
_ROW = operator.itemgetter(*_FIELDS)   # a record's values in the schema's order
_METADATA = _FIELDS.index("metadata")


def write_json(path: Path, obj: Any) -> None:
    """Strict JSON (a non-finite float is written as ``null``: not a number), indented."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps_strict(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


class NativeWriter:
    """Streams records to ``examples.jsonl`` and ``examples.parquet`` (row groups of 4096).

    ``examples.jsonl`` holds the full record, including ``metric_state`` (the per-example
    sufficient statistics of corpus metrics such as BLEU), so saved runs can be re-aggregated."""

    def __init__(self, run_dir: Path) -> None:
        self.jsonl_path = run_dir / "examples.jsonl"
        self.parquet_path = run_dir / "examples.parquet"
        self._jsonl = self.jsonl_path.open("w", encoding="utf-8")
        self._pq = ParquetSink(self.parquet_path, EXAMPLES_SCHEMA)
        self._rows: list[tuple] = []

    def add(self, rec: dict[str, Any], line: str | None = None) -> None:
        """``line`` is the record's JSON text when the caller already has it (no re-encoding)."""
        self._jsonl.write(line if line is not None else dumps_strict(rec) + "\n")
        try:
            row = _ROW(rec)
        except KeyError:   # a record written before a field existed: that field is null
            row = tuple(rec.get(name) for name in _FIELDS)
        meta = rec.get("metadata")
        if meta is not None:
            raw = rec["metadata_raw"]  # already the JSON text of the object in the usual case
            text = raw if raw is not None and raw.lstrip().startswith("{") \
                else dumps_strict(meta, ensure_ascii=False)
            row = row[:_METADATA] + (text,) + row[_METADATA + 1:]
        self._rows.append(row)
        if len(self._rows) >= _BATCH:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            # column by column, built from buffers (arrow_columns.py): Table.from_pylist is
            # about five times slower, and pa.array imports pandas when it is installed.
            # A record's metrics dict is its map column's value as it is
            self._pq.write([list(column) for column in zip(*self._rows)])
            self._rows = []

    def close(self) -> None:
        try:
            self._flush()
        finally:
            self._pq.close()
            self._jsonl.close()
