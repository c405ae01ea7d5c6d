"""Stream JSONL files line by line, never loading them whole."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import DataError

__all__ = ["iter_jsonl", "iter_jsonl_raw"]


def iter_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_number, object)`` for each non-blank line; errors name file and line."""
    for n, _raw, obj in iter_jsonl_raw(path):
        yield n, obj


def iter_jsonl_raw(path: Path) -> Iterator[tuple[int, bytes, dict[str, Any]]]:
    """Like :func:`iter_jsonl`, also yielding the line's raw bytes."""
    if not path.exists():
        raise DataError("dataset file not found", file=path)
    if path.is_dir():
        raise DataError("dataset path is a directory, expected a .jsonl file", file=path)
    with path.open("rb") as fh:
        for n, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except UnicodeDecodeError:
                raise DataError("line is not valid UTF-8", file=path, line=n) from None
            except json.JSONDecodeError as exc:
                raise DataError(f"malformed JSON ({exc.msg} at column {exc.colno})",
                                file=path, line=n) from None
            except RecursionError:
                raise DataError("JSON nested too deeply", file=path, line=n) from None
            if not isinstance(obj, dict):
                raise DataError(f"expected a JSON object, got {type(obj).__name__}",
                                file=path, line=n)
            yield n, raw, obj
