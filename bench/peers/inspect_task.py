"""inspect_ai task equivalent to assay's gen_qa benchmark (PERF-1a peer).

Reads the generated gen_qa JSONL (bench/data.py) from a local path: each row becomes a
Sample whose input is the chat [system, user=query], target the gold ``response`` and
metadata the row's parsed ``metadata`` JSON.  One ``generate()`` call per sample, scored
by ``exact()`` (exact match after whitespace/case normalisation).

Run (from the peers' venv, offline)::

    inspect eval bench/peers/inspect_task.py -T data=/abs/path/gen_qa.jsonl \
        --model mockllm/model --display none --max-connections 64 --log-dir DIR
"""

from __future__ import annotations

import json
from typing import Any

from inspect_ai import Task, task
from inspect_ai.dataset import Sample, json_dataset
from inspect_ai.model import ChatMessageSystem, ChatMessageUser, GenerateConfig
from inspect_ai.scorer import exact
from inspect_ai.solver import generate


def _record_to_sample(record: dict[str, Any]) -> Sample:
    meta = record.get("metadata")
    if isinstance(meta, str):
        try:
            meta = json.loads(meta)
        except ValueError:
            meta = {"metadata": meta}
    messages: list[Any] = []
    if record.get("system"):
        messages.append(ChatMessageSystem(content=record["system"]))
    messages.append(ChatMessageUser(content=record["query"]))
    return Sample(input=messages, target=record["response"], metadata=meta or None)


@task
def assay_bench_gen_qa(data: str, limit: int | None = None) -> Task:
    return Task(
        dataset=json_dataset(data, sample_fields=_record_to_sample, limit=limit),
        solver=generate(),
        scorer=exact(),
        config=GenerateConfig(max_tokens=64, temperature=0.0),
    )
