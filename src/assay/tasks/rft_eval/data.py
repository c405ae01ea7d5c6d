"""The examples of an rft_eval run: RFT rows ``{"id", "messages", "reference_answer"}``
(formats.md §4 item 2), one JSON object a line.

``messages`` is a non-empty list of ``{"role", "content"}`` turns with roles ``system``,
``user``, ``assistant`` or ``nova_assistant`` (the model's earlier turns), holding at least
one ``user`` turn; the model answers after the last turn. ``reference_answer`` is any JSON
value but ``null``. Other keys are kept as the example's metadata (``assay.group_by``) and
passed on to the reward function. A bad row is a one-line :class:`~assay.errors.DataError`
naming the file, line and field, raised before any model call.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...data.jsonl import iter_jsonl_raw, iter_rows
from ...errors import DataError
from ..base import DatasetInfo

__all__ = ["RftItem", "RftDataset", "parse_rft_row", "ROLES"]

ROLES = ("system", "user", "assistant", "nova_assistant")
_REQUIRED = ("id", "messages", "reference_answer")


@dataclass(frozen=True, slots=True)
class RftItem:
    """One RFT row: its turns as ``(role, content)`` pairs, the reference answer (a JSON
    value), the other keys of the row, and where it was read."""

    index: int
    id: str
    messages: tuple[tuple[str, str], ...]
    reference_answer: Any
    extra: dict[str, Any]
    line: int = 0

    @property
    def gold(self) -> str:
        """The reference answer as text (JSON text when it is not a string)."""
        ref = self.reference_answer
        return ref if isinstance(ref, str) else json.dumps(ref, ensure_ascii=False,
                                                          sort_keys=True)


def parse_rft_row(obj: dict[str, Any], index: int, path: Path, line: int) -> RftItem:
    """Validate one row; DataError names the offending field."""
    for key in _REQUIRED:
        if key not in obj:
            raise DataError("missing required field (an RFT row is {id, messages, "
                            "reference_answer})", file=path, line=line, field=key)
    rid = obj["id"]
    if isinstance(rid, bool) or not isinstance(rid, (str, int)) or str(rid) == "":
        raise DataError("expected a non-empty string or integer", file=path, line=line,
                        field="id")
    msgs = obj["messages"]
    if not isinstance(msgs, list) or not msgs:
        raise DataError("expected a non-empty list of {\"role\", \"content\"}", file=path,
                        line=line, field="messages")
    turns = []
    for i, m in enumerate(msgs):
        where = f"messages[{i}]"
        if not isinstance(m, dict) or set(m) != {"role", "content"}:
            raise DataError("expected exactly {\"role\", \"content\"}", file=path, line=line,
                            field=where)
        if m["role"] not in ROLES:
            raise DataError(f"role must be one of {', '.join(ROLES)}", file=path, line=line,
                            field=f"{where}.role")
        if not isinstance(m["content"], str):
            raise DataError("expected a string", file=path, line=line,
                            field=f"{where}.content")
        turns.append((m["role"], m["content"]))
    if not any(r == "user" for r, _ in turns):
        raise DataError("the conversation has no user turn", file=path, line=line,
                        field="messages")
    if obj["reference_answer"] is None:
        raise DataError("expected a value, got null", file=path, line=line,
                        field="reference_answer")
    extra = {k: v for k, v in obj.items() if k not in _REQUIRED}
    return RftItem(index, str(rid), tuple(turns), obj["reference_answer"], extra, line)


class RftDataset:
    """An RFT JSONL file, streamed as :class:`RftItem` s."""

    def __init__(self, path: str | Path, *, limit: int | None = None) -> None:
        self.path = Path(path)
        self.limit = limit

    def validate(self) -> DatasetInfo:
        """Check every row once; the row count and a digest of the rows."""
        h = hashlib.sha256()
        rows = 0
        seen: set[str] = set()
        for index, (line, raw, obj) in enumerate(iter_jsonl_raw(self.path)):
            if self.limit is not None and index >= self.limit:
                break
            item = parse_rft_row(obj, index, self.path, line)
            if item.id in seen:
                raise DataError(f"duplicate id {item.id!r}", file=self.path, line=line,
                                field="id")
            seen.add(item.id)
            h.update(raw.strip())
            h.update(b"\n")
            rows += 1
        if rows == 0:
            raise DataError("dataset is empty (no JSON lines)", file=self.path)
        return DatasetInfo(str(self.path), rows, h.hexdigest())

    def iter_samples(self, start: int = 0) -> Iterator[RftItem]:
        for index, line, obj in iter_rows(self.path, start, self.limit):
            yield parse_rft_row(obj, index, self.path, line)
