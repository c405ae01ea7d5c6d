"""Nova-compatible outputs (the evaluation container's layout, lighteval formats)::

    <run.name>/eval_results/results_<date_id>.json
    <run.name>/eval_results/inference_output.jsonl                (gen_qa)
    <run.name>/eval_results/details/<model>/<date_id>/details_<task_key>_<date_id>.parquet

Every details cell is ``str(value)`` (a Python repr), as lighteval <= 0.7 wrote them, so
readers use ``ast.literal_eval``; ``pred_logprobs`` holds, per prediction, one dict per
generated position mapping the top-k alternative tokens to their log-probabilities.

gen_qa details carry one column more than lighteval's, ``confidence`` (after
``pred_logprobs``, which is unchanged): the repr of the example's confidence dict
(:mod:`assay.analysis.confidence`), ``"{}"`` when the example has none. Readers that select
lighteval's columns by name are unaffected.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa

from .json_io import clean_floats, dumps_strict
from .parquet_sink import ParquetSink

__all__ = ["NovaWriter", "make_date_id", "task_key", "DETAILS_COLUMNS", "GEN_QA_DETAILS_COLUMNS",
           "write_results_json"]

DETAILS_COLUMNS = [
    "example", "instruction", "full_prompt", "num_effective_few_shots", "num_asked_few_shots",
    "predictions", "input_tokens", "cont_tokens", "truncated", "padded", "gold", "pred_logits",
    "choices", "gold_index", "metrics", "specifics", "pred_logprobs",
]
#: the gen_qa details: lighteval's columns, then assay's per-example confidence
GEN_QA_DETAILS_COLUMNS = DETAILS_COLUMNS + ["confidence"]
_SCHEMA = pa.schema([(c, pa.string()) for c in GEN_QA_DETAILS_COLUMNS])
_BATCH = 4096


def make_date_id(now: datetime | None = None) -> str:
    """ISO-8601 with ``:`` replaced by ``-``, UTC offset included (``+00-00``)."""
    now = now or datetime.now(timezone.utc)
    return now.isoformat().replace(":", "-")


def task_key(task: str, strategy: str | None, num_fewshot: int = 0) -> str:
    return f"custom|{task}_{strategy or task}|{num_fewshot}"


def _safe_model_dir(model: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", model).strip("_") or "model"


def pred_logprobs_cell(logprobs: list[dict[str, Any]] | None) -> str:
    if not logprobs:
        return "[]"
    positions = []
    for tok in logprobs:
        alts = {a["token"]: a["logprob"] for a in tok.get("top") or ()}
        if not alts:
            alts = {tok["token"]: tok["logprob"]}
        positions.append(alts)
    return str([positions])


_json_str = json.encoder.encode_basestring   # a str as JSON text, non-ASCII kept (C)


def _confidence_cell(conf: dict[str, Any] | None) -> str:
    """The repr of a record's (flat) confidence dict, a non-finite number as None; ``{}``
    when there is none."""
    if not conf:
        return "{}"
    for v in conf.values():
        if v.__class__ is float and not math.isfinite(v):
            return repr(clean_floats(conf))
    return repr(conf)


class NovaWriter:
    def __init__(self, run_dir: Path, *, model: str, date_id: str, key: str,
                 write_inference_output: bool = True) -> None:
        self.eval_dir = run_dir / "eval_results"
        self.eval_dir.mkdir(parents=True, exist_ok=True)
        details_dir = self.eval_dir / "details" / _safe_model_dir(model) / date_id
        details_dir.mkdir(parents=True, exist_ok=True)
        self.details_path = details_dir / f"details_{key}_{date_id}.parquet"
        self._pq = ParquetSink(self.details_path, _SCHEMA)
        self._rows: dict[str, list[str]] = {c: [] for c in GEN_QA_DETAILS_COLUMNS}
        self._count = 0
        self.inference_path = self.eval_dir / "inference_output.jsonl"
        self._inf = self.inference_path.open("w", encoding="utf-8") if write_inference_output \
            else None

    def add(self, rec: dict[str, Any]) -> None:
        text = rec["prediction"] if rec["prediction"] is not None else ""
        prompt_repr = repr([{"role": m["role"], "content": m["content"]} for m in rec["messages"]])
        lp = pred_logprobs_cell(rec.get("logprobs"))
        meta = rec["metadata_raw"]
        c = self._rows
        c["example"].append(rec["query"])
        c["instruction"].append(rec["system"] or "")
        c["full_prompt"].append(prompt_repr)
        c["num_effective_few_shots"].append("0")
        c["num_asked_few_shots"].append("0")
        inference = repr([text])
        c["predictions"].append(inference)
        c["input_tokens"].append("[]")
        c["cont_tokens"].append("[]")
        c["truncated"].append("[0]")
        c["padded"].append("[0]")
        c["gold"].append(repr([rec["gold"]]))
        c["pred_logits"].append(lp)
        c["choices"].append("[]")
        c["gold_index"].append("[]")
        c["metrics"].append(repr(rec["metrics"]))
        c["specifics"].append(repr({"metadata": meta}) if meta is not None else "{}")
        c["pred_logprobs"].append(lp)
        conf = rec.get("confidence")
        c["confidence"].append(_confidence_cell(conf))
        self._count += 1
        if self._count >= _BATCH:
            self._flush()
        if self._inf is not None:
            # json.dumps({"prompt": …, "inference": …, "gold": …[, "metadata": …]},
            # ensure_ascii=False), written string by string (every value is a str)
            self._inf.write(f'{{"prompt": {_json_str(prompt_repr)}, "inference": '
                            f'{_json_str(inference)}, "gold": {_json_str(rec["gold"])}'
                            + (f', "metadata": {_json_str(meta)}}}\n' if meta is not None
                               else "}\n"))

    def _flush(self) -> None:
        if self._count:
            # built from buffers: pa.table/pa.array would import pandas (~0.35 s)
            self._pq.write([self._rows[f.name] for f in _SCHEMA])
            self._rows = {c: [] for c in GEN_QA_DETAILS_COLUMNS}
            self._count = 0

    def close(self) -> None:
        try:
            self._flush()
        finally:
            self._pq.close()
            if self._inf is not None:
                self._inf.close()


def write_results_json(eval_dir: Path, date_id: str, key: str, flat: dict[str, float], *,
                       model_name: str, start_time: float, end_time: float,
                       subtasks: dict[str, dict[str, float]] | None = None) -> Path:
    """The lighteval results dict: task key and ``all`` carry the same aggregate metrics;
    ``subtasks`` adds one entry per subtask task key (benchmarks)."""
    metrics = clean_floats(dict(flat))
    extra = {k: clean_floats(dict(v)) for k, v in (subtasks or {}).items()}
    doc = {
        "config_general": {
            "lighteval_sha": "assay", "num_fewshot_seeds": 1, "max_samples": None, "job_id": 0,
            "start_time": start_time, "end_time": end_time,
            "total_evaluation_time_secondes": str(end_time - start_time),
            "model_name": model_name, "model_sha": "", "model_dtype": None, "model_size": "",
        },
        "results": {**extra, key: metrics, "all": metrics},
        "versions": {k: 0 for k in (*extra, key)},
        "config_tasks": {}, "summary_tasks": {}, "summary_general": {},
    }
    path = eval_dir / f"results_{date_id}.json"
    path.write_text(dumps_strict(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
