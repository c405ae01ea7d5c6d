"""Reading benchmark files as rows: JSONL, JSON, CSV, Parquet (the Hugging Face export)."""

from __future__ import annotations

import csv
import gzip
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


def _one_line(exc: BaseException, limit: int = 160) -> str:
    """An exception's message on one short line (pyarrow's can span several)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[:limit] + "..."


def _read_parquet(path: Path) -> list[dict[str, Any]]:
    """All rows of a Parquet file; a corrupt or truncated file is one :class:`DataError`."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise DataError("reading .parquet benchmark files needs the 'pyarrow' package",
                        file=path) from None
    try:
        table = pq.read_table(path)
        rows = table.to_pylist()
    except (pa.ArrowException, OSError, ValueError, TypeError, IndexError, KeyError,
            MemoryError, RecursionError, UnicodeDecodeError) as exc:
        raise DataError(f"not a readable Parquet file, corrupt or truncated? ({_one_line(exc)})",
                        file=path) from None
    if rows and not isinstance(rows[0], dict):
        raise DataError("expected a Parquet table of rows", file=path)
    return rows


def read_rows(path: Path, *, csv_header: bool = True) -> list[dict[str, Any]] | list[list[str]]:
    """Rows of ``path`` by its suffix: ``.jsonl`` or ``.jsonl.gz`` (one object a line; a bad
    line names its number), ``.json`` (a list, or an object with one list), ``.csv`` (dicts
    with a header, lists without), ``.parquet`` (pyarrow). Every failure is a one-line :class:`DataError`
    naming the file (and the line where there is one)."""
    suffix = path.suffix.lower()
    gzipped = suffix == ".gz" and path.name.lower().endswith(".jsonl.gz")
    try:
        if suffix == ".jsonl" or gzipped:
            rows = []
            with (gzip.open(path, "rt", encoding="utf-8-sig") if gzipped
                  else path.open(encoding="utf-8-sig")) as fh:
                for n, line in enumerate(fh, 1):
                    if line.strip():
                        try:
                            rows.append(json.loads(line))
                        except json.JSONDecodeError as exc:
                            raise DataError(f"invalid JSON ({exc.msg})", file=path,
                                            line=n) from None
                        except (ValueError, RecursionError) as exc:
                            raise DataError(f"invalid JSON ({_one_line(exc, 60)})", file=path,
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
            return _read_parquet(path)
    except json.JSONDecodeError as exc:
        raise DataError(f"invalid JSON ({exc.msg})", file=path, line=exc.lineno) from None
    except csv.Error as exc:
        raise DataError(f"invalid CSV ({_one_line(exc, 80)})", file=path) from None
    except (OSError, EOFError, UnicodeDecodeError) as exc:   # EOFError: a truncated .gz
        raise DataError(f"cannot read ({_one_line(exc)})", file=path) from None
    except (ValueError, RecursionError) as exc:
        raise DataError(f"invalid JSON ({_one_line(exc, 60)})", file=path) from None
    raise DataError(f"unsupported file type '{suffix}' (expected .jsonl, .jsonl.gz, .json, "
                    ".csv or .parquet)", file=path)
