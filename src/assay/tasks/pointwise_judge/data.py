"""The examples of a pointwise judge run: a Bedrock model-evaluation JSONL (``prompt``,
``referenceResponse``, ``category``, BYOI ``modelResponses``; :mod:`assay.data.bedrock`) or a
gen_qa JSONL (``query``, ``response`` as the reference, ``metadata``, ``prediction`` or
``modelResponses`` as the BYOI response), told apart by the first record.

Both become a :class:`PointwiseItem`. A Bedrock ``category`` is metadata
(``{"category": ...}``), so ``assay.group_by`` treats the two formats alike.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...data.bedrock import BedrockDataset, is_bedrock_file
from ...data.gen_qa import GenQADataset

__all__ = ["PointwiseItem", "PointwiseDataset"]


@dataclass(frozen=True, slots=True)
class PointwiseItem:
    """One example: the prompt, the reference (``None`` when the row has none), the BYOI
    response and its model identifier (when the row carries one), metadata for group-by, and
    the row as Bedrock echoes it (``input_record``)."""

    index: int
    id: str
    prompt: str
    reference: str | None
    response: str | None
    model_identifier: str | None
    metadata: dict[str, Any] | None
    metadata_raw: str | None
    input_record: dict[str, Any]
    system: str | None = None
    line: int = 0


class PointwiseDataset:
    """A Bedrock or gen_qa JSONL file, streamed as :class:`PointwiseItem` s."""

    def __init__(self, path: str | Path, *, limit: int | None = None) -> None:
        self.path = Path(path)
        self.bedrock = is_bedrock_file(self.path)
        self._ds: Any = (BedrockDataset(self.path, limit=limit) if self.bedrock
                         else GenQADataset(self.path, limit=limit))

    @property
    def format(self) -> str:
        return "bedrock" if self.bedrock else "gen_qa"

    def validate(self) -> Any:
        """The dataset's info (``rows``, ``fingerprint``; Bedrock adds ``warnings`` and
        ``model_identifiers``); a bad row raises a one-line DataError."""
        return self._ds.validate()

    def iter_samples(self, start: int = 0) -> Iterator[PointwiseItem]:
        for s in self._ds.iter_samples(start):
            if self.bedrock:
                yield PointwiseItem(
                    index=s.index, id=s.id, prompt=s.prompt, reference=s.reference,
                    response=s.response, model_identifier=s.model_identifier,
                    metadata=s.metadata,
                    metadata_raw=None if s.metadata is None else json.dumps(
                        s.metadata, ensure_ascii=False),
                    input_record=dict(s.input_record or {}), line=s.line)
            else:
                record: dict[str, Any] = {"prompt": s.query, "referenceResponse": s.gold}
                if isinstance(s.metadata, dict) and isinstance(s.metadata.get("category"), str):
                    record["category"] = s.metadata["category"]
                yield PointwiseItem(
                    index=s.index, id=s.id, prompt=s.query, reference=s.gold or None,
                    response=s.prediction, model_identifier=None, metadata=s.metadata,
                    metadata_raw=s.metadata_raw, input_record=record, system=s.system,
                    line=s.line)
