"""Reading benchmark files as rows: JSONL, JSON, CSV, Parquet (the Hugging Face export)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from ..errors import DataError

__all__ = ["read_rows", "first_existing"]


def first_existing(root: Path, names: list[str]) -> Path | None:
    """The first of ``names`` (relative to ``root``, globs allowed) that is a file."""
    for n in names:
        if any(ch in n for ch in "*?["):
            hits = sorted(p for p in root.glob(n) if p.is_file())
            if hits:
                return hits[0]
        elif (root / n).is_file():
            return root / n
    return None


def read_rows(path: Path, *, csv_header: bool = True) -> list[dict[str, Any]] | list[list[str]]:
    """Rows of ``path`` by its suffix: ``.jsonl`` (one object a line; a bad line names its
    number), ``.json`` (a list, or an object with one list), ``.csv`` (dicts with a header,
    lists without), ``.parquet`` (pyarrow)."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".jsonl":
            rows = []
            with path.open(encoding="utf-8-sig") as fh:
                for n, line in enumerate(fh, 1):
                    if line.strip():
                        try:
                            rows.append(json.loads(line))
                        except json.JSONDecodeError as exc:
                            raise DataError(f"invalid JSON ({exc.msg})", file=path,
                                            line=n) from None
            return rows
        if suffix == ".json":
            doc = json.loads(path.read_text(encoding="utf-8-sig"))
            if isinstance(doc, dict):
                lists = [v for v in doc.values() if isinstance(v, list)]
                if len(lists) == 1:
                    return lists[0]
            if not isinstance(doc, list):
                raise DataError("expected a JSON list of rows", file=path)
            return doc
        if suffix == ".csv":
            with path.open(encoding="utf-8-sig", newline="") as fh:
                return list(csv.DictReader(fh)) if csv_header else list(csv.reader(fh))
        if suffix == ".parquet":
            import pyarrow.parquet as pq
            return pq.read_table(path).to_pylist()
    except json.JSONDecodeError as exc:
        raise DataError(f"invalid JSON ({exc.msg})", file=path, line=exc.lineno) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read ({exc})", file=path) from None
    raise DataError(f"unsupported file type '{suffix}' (expected .jsonl, .json, .csv or "
                    ".parquet)", file=path)
