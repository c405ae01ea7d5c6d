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

import hashlib
import json
import math
import os
import tempfile
from typing import Any

from inspect_ai import Task, task
from inspect_ai.dataset import Sample, json_dataset
from inspect_ai.model import ChatMessageSystem, ChatMessageUser, GenerateConfig
from inspect_ai.scorer import exact
from inspect_ai.solver import generate

# --- offline guard --------------------------------------------------------------------
# mockllm fills in token usage with tiktoken's o200k_base encoding, whose BPE file tiktoken
# downloads on first use (openaipublic blob storage), which this benchmark must not do.
# If that file is not already in tiktoken's cache, estimate tokens for the mock only as
# 1.1 * ceil(chars / 4).  It affects usage accounting, never the scores, and it is cheaper
# than BPE encoding, so if anything it makes inspect_ai faster (it favours the peer).
_O200K_URL = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"


def _o200k_cached() -> bool:
    cache_dir = os.environ.get("TIKTOKEN_CACHE_DIR") or os.environ.get("DATA_GYM_CACHE_DIR")
    if cache_dir is None:
        cache_dir = os.path.join(tempfile.gettempdir(), "data-gym-cache")
    key = hashlib.sha1(_O200K_URL.encode()).hexdigest()
    return bool(cache_dir) and os.path.exists(os.path.join(cache_dir, key))


TOKEN_COUNT_PATCHED = False
if not _o200k_cached():
    from inspect_ai.model._providers.mockllm import MockLLM

    async def _estimate_text_tokens(self: Any, text: str) -> int:
        return max(1, int(math.ceil(len(text) / 4) * 1.1))

    MockLLM.count_text_tokens = _estimate_text_tokens  # type: ignore[method-assign]
    TOKEN_COUNT_PATCHED = True
# ---------------------------------------------------------------------------------------


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
