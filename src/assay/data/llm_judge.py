"""The Nova llm_judge format: ``{prompt, response_A, response_B}`` per line (A is the baseline,
B the challenger), with optional ``metadata``, ``images`` and a human ``label``.

The mm_llm_judge format is the same with ``images: [{"data": "data:image/<fmt>;base64,..."}]``
(Nova's docs write ``Base64``: the marker is matched case-insensitively). llm_judge leaves the
images out of the judge's prompt (and says so); mm_llm_judge shows them to the judge.

A human label (``label``, ``human_label`` or ``preference``) may be ``A>B``/``A``/``1``,
``B>A``/``B``/``2``, or ``A=B``/``tie``/``0``; it enables the judge-quality report.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DataError
from .gen_qa import GenQADataset, _images, _metadata, _require_str
from .textcheck import preview

__all__ = ["JudgeSample", "LLMJudgeDataset", "parse_human_label"]

_LABELS = {
    "a>b": "A", "a>>b": "A", "a": "A", "1": "A", "response_a": "A",
    "b>a": "B", "b>>a": "B", "b": "B", "2": "B", "response_b": "B",
    "a=b": "tie", "tie": "tie", "0": "tie", "a=b (bothbad)": "tie",
}


@dataclass(frozen=True, slots=True)
class JudgeSample:
    index: int
    id: str
    prompt: str
    response_a: str
    response_b: str
    metadata_raw: str | None = None
    metadata: dict[str, Any] | None = None
    human_label: str | None = None
    images: tuple[str, ...] = ()
    line: int = 0


def parse_human_label(value: Any, path: Path, line: int, field: str) -> str:
    label = _LABELS.get(str(value).strip().strip("[]").lower())
    if label is None:
        raise DataError(f"unknown human label {preview(value)} (expected A>B, B>A or A=B)",
                        file=path, line=line, field=field)
    return label


def _parse(obj: dict, index: int, path: Path, line: int, parse_metadata: bool = True) -> JudgeSample:
    prompt = _require_str(obj, "prompt", path, line)
    a = _require_str(obj, "response_A", path, line)
    b = _require_str(obj, "response_B", path, line)
    meta_raw, meta = _metadata(obj, path, line, parse_metadata)
    label = None
    for key in ("label", "human_label", "preference"):
        if obj.get(key) is not None:
            label = parse_human_label(obj[key], path, line, key)
            break
    rid = obj.get("id")
    if rid is None:
        blob = "\x00".join((prompt, a, b))
        rid = f"{index:06d}-" + hashlib.blake2b(blob.encode("utf-8"), digest_size=6).hexdigest()
    return JudgeSample(index=index, id=str(rid), prompt=prompt, response_a=a, response_b=b,
                       metadata_raw=meta_raw, metadata=meta, human_label=label,
                       images=_images(obj, path, line), line=line)


class LLMJudgeDataset(GenQADataset):
    """An llm_judge JSONL file, validated once then streamed (as gen_qa, other rows)."""

    parse_row = staticmethod(_parse)
    known_fields = frozenset({"prompt", "response_A", "response_B", "metadata", "images", "id",
                              "label", "human_label", "preference"})
