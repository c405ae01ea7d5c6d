"""Stream JSONL files line by line, never loading them whole.

Every row is checked as it is read: malformed JSON, invalid UTF-8, nesting too deep, integers
past Python's 4,300-digit conversion limit, lines longer than :data:`MAX_LINE_BYTES`, and (in
every string and key of the row, recursively) lone UTF-16 surrogates and NaN/Infinity. Each
problem is a :class:`~assay.errors.DataError` naming the file, the line and the field, raised
before any model is called.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import DataError
from .textcheck import decode_checked

__all__ = ["iter_jsonl", "iter_jsonl_raw", "iter_rows", "loads_checked", "MAX_LINE_BYTES"]

#: a dataset line longer than this is refused (images are inlined as base64, so lines can be
#: long, but a file without newlines must not be read into memory whole)
MAX_LINE_BYTES = 64 * 1024 * 1024


def loads_checked(text: str | bytes, path: Path, line: int, field: str | None = None) -> Any:
    """``json.loads`` whose every failure is a one-line :class:`DataError`."""
    return _loads(text, path, line, field)[0]


def _loads(text: str | bytes, path: Path, line: int, field: str | None = None
           ) -> tuple[Any, tuple[str, str] | None]:
    """(value, first bad value's (field path, reason) or None); JSON errors are DataErrors."""
    try:
        return decode_checked(text)
    except UnicodeDecodeError:
        raise DataError("line is not valid UTF-8", file=path, line=line, field=field) from None
    except json.JSONDecodeError as exc:
        raise DataError(f"malformed JSON ({exc.msg} at column {exc.colno})",
                        file=path, line=line, field=field) from None
    except RecursionError:
        raise DataError("JSON nested too deeply", file=path, line=line, field=field) from None
    except ValueError as exc:
        # int() of a literal past sys.get_int_max_str_digits() (4,300 by default)
        reason = "an integer has too many digits" if "digits" in str(exc) else "invalid JSON value"
        raise DataError(f"malformed JSON ({reason})", file=path, line=line, field=field) from None


def iter_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_number, object)`` for each non-blank line; errors name file and line."""
    for n, _raw, obj in iter_jsonl_raw(path):
        yield n, obj


def iter_rows(path: Path, start: int = 0, limit: int | None = None
              ) -> Iterator[tuple[int, int, dict[str, Any]]]:
    """``(row index, line number, object)`` of rows ``start`` .. ``limit - 1`` (every
    dataset's ``iter_samples``: a resume starts past the finished rows, ``--limit`` stops)."""
    for index, (line, obj) in enumerate(iter_jsonl(path)):
        if limit is not None and index >= limit:
            return
        if index >= start:
            yield index, line, obj


def iter_jsonl_raw(path: Path) -> Iterator[tuple[int, bytes, dict[str, Any]]]:
    """Like :func:`iter_jsonl`, also yielding the line's raw bytes."""
    try:
        if not path.exists():
            raise DataError("dataset file not found", file=path)
        if path.is_dir():
            raise DataError("dataset path is a directory, expected a .jsonl file", file=path)
        fh = path.open("rb")
    except (OSError, ValueError) as exc:   # ValueError: a NUL byte in the path
        reason = getattr(exc, "strerror", None) or "not a usable file name"
        raise DataError(f"cannot read the dataset ({reason})", file=path) from None
    with fh:
        n = 0
        while True:
            try:
                raw = fh.readline(MAX_LINE_BYTES + 1)
            except OSError as exc:
                raise DataError(f"cannot read the dataset ({exc.strerror or type(exc).__name__})",
                                file=path, line=n + 1) from None
            if not raw:
                return
            n += 1
            if len(raw) > MAX_LINE_BYTES:
                raise DataError(f"line is longer than {MAX_LINE_BYTES // (1024 * 1024)} MiB",
                                file=path, line=n)
            if not raw.strip():
                continue
            obj, bad = _loads(raw, path, n)
            if not isinstance(obj, dict):
                raise DataError(f"expected a JSON object, got {type(obj).__name__}",
                                file=path, line=n)
            if bad is not None:
                raise DataError(bad[1], file=path, line=n, field=bad[0])
            yield n, raw, obj
