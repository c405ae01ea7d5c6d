"""A small, dependency-free reader for the metadata header of GGUF model files.

Used to reject non-GGUF files before llama.cpp sees them and to describe a model
(architecture, name, quantisation, chat template presence) without loading it.
Only the key/value header is read; tensors are never touched.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any, BinaryIO

__all__ = ["GGUFError", "is_gguf", "read_metadata", "describe"]

MAGIC = b"GGUF"

# value type id -> struct format (scalars)
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?",
            10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9
_MAX_STRING = 64 << 20


class GGUFError(ValueError):
    """The file is not a readable GGUF file."""


def is_gguf(path: str | Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == MAGIC
    except OSError:
        return False


def _read(fh: BinaryIO, n: int) -> bytes:
    data = fh.read(n)
    if len(data) != n:
        raise GGUFError("unexpected end of file in the GGUF header")
    return data


def _u32(fh: BinaryIO) -> int:
    return struct.unpack("<I", _read(fh, 4))[0]


def _u64(fh: BinaryIO) -> int:
    return struct.unpack("<Q", _read(fh, 8))[0]


def _string(fh: BinaryIO) -> str:
    n = _u64(fh)
    if n > _MAX_STRING:
        raise GGUFError(f"implausible string length {n} in the GGUF header")
    return _read(fh, n).decode("utf-8", errors="replace")


def _value(fh: BinaryIO, vtype: int, keep_arrays: bool) -> Any:
    if vtype in _SCALARS:
        fmt = _SCALARS[vtype]
        return struct.unpack(fmt, _read(fh, struct.calcsize(fmt)))[0]
    if vtype == _STRING:
        return _string(fh)
    if vtype == _ARRAY:
        itype, count = _u32(fh), _u64(fh)
        if itype in _SCALARS and not keep_arrays:
            fh.seek(struct.calcsize(_SCALARS[itype]) * count, 1)
            return {"array": itype, "length": count}
        items = [_value(fh, itype, keep_arrays) for _ in range(count)]
        return items if keep_arrays else {"array": itype, "length": count}
    raise GGUFError(f"unknown GGUF value type {vtype}")


def read_metadata(path: str | Path, *, keep_arrays: bool = False) -> dict[str, Any]:
    """The header's key/value pairs (arrays summarised as ``{"array", "length"}`` unless
    ``keep_arrays``), plus ``gguf.version``, ``gguf.tensor_count``."""
    with open(path, "rb") as fh:
        if fh.read(4) != MAGIC:
            raise GGUFError(f"{path} is not a GGUF file (bad magic number)")
        version = _u32(fh)
        if version == 1:
            tensors, kvs = _u32(fh), _u32(fh)
        elif version in (2, 3):
            tensors, kvs = _u64(fh), _u64(fh)
        else:
            raise GGUFError(f"unsupported GGUF version {version}")
        out: dict[str, Any] = {"gguf.version": version, "gguf.tensor_count": tensors}
        for _ in range(kvs):
            key = _string(fh)
            out[key] = _value(fh, _u32(fh), keep_arrays)
        return out


def describe(path: str | Path) -> dict[str, Any]:
    """A short description: architecture, name, file type, context length, chat template."""
    md = read_metadata(path)
    arch = md.get("general.architecture")
    return {
        "architecture": arch,
        "name": md.get("general.name"),
        "file_type": md.get("general.file_type"),
        "context_length": md.get(f"{arch}.context_length") if arch else None,
        "has_chat_template": isinstance(md.get("tokenizer.chat_template"), str),
    }
