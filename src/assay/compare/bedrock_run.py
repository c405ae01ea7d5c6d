"""Bedrock output files (written by assay or downloaded from a real Bedrock job) read as one
side of a comparison: one record per prompt, paired by the ``inputRecord``'s ``id`` field when
it has one, else by its prompt text (``--match index``: by position), every metric's
``result`` a value (``null`` left out of that metric's pairs and counted as ``no_value``).

:func:`load_compared` reads either kind of path: an assay run folder, or Bedrock outputs
(:func:`assay.results.bedrock_summary.bedrock_output_files`).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from ..errors import DataError
from ..results.bedrock import BedrockOutputRecord, read_bedrock_output
from ..results.bedrock_summary import (BEDROCK_TASK, bedrock_output_files, record_keys,
                                       record_model, summarise_bedrock)
from .run_data import MAX_TEXT, ComparedRun, Item, load_compared_run

__all__ = ["load_bedrock_run", "load_compared", "bedrock_out_dir"]


def _texts(records: list[BedrockOutputRecord], keys: list[str]):
    by_key = dict(zip(keys, records))

    def texts(wanted: set[str]) -> dict[str, dict[str, str | None]]:
        out: dict[str, dict[str, str | None]] = {}
        for key in wanted:
            r = by_key.get(key)
            if r is None:
                continue
            ref = r.input_record.get("referenceResponse")
            out[key] = {"input": None if r.prompt is None else r.prompt[:MAX_TEXT],
                        "reference": ref[:MAX_TEXT] if isinstance(ref, str) else None,
                        "output": None if r.response is None else r.response[:MAX_TEXT],
                        "error": None}
        return out

    return texts


def load_bedrock_run(path: str | Path, *, match: str = "id") -> ComparedRun:
    """One model's Bedrock outputs (a ``*_output.jsonl`` file or a folder of them) as a
    :class:`ComparedRun` of task ``bedrock_output``. A folder holding several models'
    outputs is refused: pass one model's folder (``.../models/<model-id>``)."""
    p = Path(path).resolve()
    records = read_bedrock_output(p)
    if not records:
        raise DataError("no records in the Bedrock output", file=p)
    models = list(dict.fromkeys(record_model(r) for r in records))
    if len(models) > 1:
        raise DataError(f"holds the outputs of {len(models)} models "
                        f"({', '.join(m[:60] for m in models[:4])}); compare one model's "
                        "folder (.../models/<model-id>) with another's")
    keys = record_keys(records, match)
    items: dict[str, Item] = {}
    for key, r in zip(keys, records):
        values = {m: math.nan if v is None else float(v) for m, v in r.metrics.items()}
        items[key] = Item(index=len(items), stratum=None, failed=False, values=values)
    summary = summarise_bedrock(records, p)
    judges = summary["judge_models"]
    name = records[0].job_name or p.name
    if records[0].model_id and records[0].job_name:
        name = f"{records[0].job_name}/{records[0].model_id}"
    return ComparedRun(
        path=p, name=name, task=BEDROCK_TASK, kind="metrics", model=models[0],
        judge=", ".join(judges) or None, summary=summary, items=items,
        metric_names=list(summary["metrics"]), match=match,
        lower_is_better=frozenset(m for m, s in summary["metrics"].items()
                                  if s["lower_is_better"]),
        source=BEDROCK_TASK, texts=_texts(records, keys))


def load_compared(path: str | Path, *, match: str = "id") -> ComparedRun:
    """An assay run folder (:func:`load_compared_run`) or Bedrock outputs
    (:func:`load_bedrock_run`)."""
    if bedrock_output_files(path) is not None:
        return load_bedrock_run(path, match=match)
    return load_compared_run(path, match=match)


def bedrock_out_dir(a: ComparedRun, b: ComparedRun) -> Path:
    """The default output folder when B is a Bedrock output: a sibling of B's path,
    ``<B>.assay-compare-<A name>``, so nothing is written inside the downloaded folder."""
    name = re.sub(r"[^\w.\-]+", "_", a.path.name).strip("._") or "a"
    return b.path.parent / f"{b.path.name}.assay-compare-{name[:100]}"
