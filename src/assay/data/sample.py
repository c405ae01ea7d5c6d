"""The Sample: one validated dataset row, the first record of the pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Sample"]


@dataclass(frozen=True, slots=True)
class Sample:
    """A gen_qa row. ``metadata_raw`` is the row's metadata exactly as written (a string);
    ``metadata`` is its parsed JSON object when it is one (used for grouping), else None.
    ``prediction`` is a response already present in the row (for the byoi backend)."""

    index: int
    id: str
    query: str
    gold: str
    system: str | None = None
    images: tuple[str, ...] = ()
    metadata_raw: str | None = None
    metadata: dict[str, Any] | None = None
    prediction: str | None = None
    line: int = 0
