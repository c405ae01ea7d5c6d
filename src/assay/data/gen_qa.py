"""The Nova gen_qa format: ``{query, response, system?, images?, metadata?}`` per line.

Rows are validated one at a time as they stream by; an error names the file, line and
field. ``metadata`` is kept verbatim (Nova treats it as an opaque string) and parsed when it
holds a JSON object, for grouping. A precomputed model response (for the ``byoi`` backend)
may be given as ``prediction`` or Bedrock-style ``modelResponses: [{"response": ...}]``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DataError
from .jsonl import iter_jsonl_raw, iter_rows
from .sample import Sample
from .textcheck import decode_checked, has_surrogate, preview

__all__ = ["GenQADataset", "DatasetInfo", "parse_gen_qa_row"]

_KNOWN = {"query", "response", "system", "images", "metadata", "prediction", "modelResponses", "id"}


def _require_str(obj: dict, key: str, path: Path, line: int, *, optional: bool = False) -> str | None:
    if key not in obj or obj[key] is None:
        if optional:
            return None
        raise DataError("missing required field", file=path, line=line, field=key)
    value = obj[key]
    if not isinstance(value, str):
        raise DataError(f"expected a string, got {type(value).__name__}", file=path, line=line,
                        field=key)
    _check_text(value, path, line, key)
    return value


def _check_text(value: str, path: Path, line: int, key: str) -> None:
    """JSON may escape lone UTF-16 surrogates (\\ud800) that no UTF-8 file can hold."""
    if has_surrogate(value):
        raise DataError("contains an unpaired UTF-16 surrogate escape (e.g. \\ud800)",
                        file=path, line=line, field=key)


def _images(obj: dict, path: Path, line: int) -> tuple[str, ...]:
    value = obj.get("images")
    if value is None:
        return ()
    if not isinstance(value, list):
        raise DataError("expected a list of {\"data\": \"data:image/...;base64,...\"}",
                        file=path, line=line, field="images")
    out = []
    for i, item in enumerate(value):
        data = item.get("data") if isinstance(item, dict) else None
        if not isinstance(data, str) or not data.lower().startswith("data:image/") \
                or ";base64," not in data.lower():
            raise DataError("must be {\"data\": \"data:image/<fmt>;base64,<...>\"}",
                            file=path, line=line, field=f"images[{i}].data")
        out.append(data)
    return tuple(out)


def _metadata(obj: dict, path: Path, line: int, parse: bool = True) -> tuple[str | None, dict | None]:
    if "metadata" not in obj or obj["metadata"] is None:
        return None, None
    value = obj["metadata"]
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False), value
    if not isinstance(value, str):
        raise DataError(f"expected a string (often JSON-encoded) or an object, got "
                        f"{type(value).__name__}", file=path, line=line, field="metadata")
    _check_text(value, path, line, "metadata")
    parsed = None
    text = value.strip()
    if parse and text.startswith("{"):
        try:
            candidate, bad = decode_checked(text, "metadata")
        except json.JSONDecodeError:
            candidate = None      # not JSON: an opaque string, as Nova treats it
        except RecursionError:
            raise DataError("the metadata string holds JSON nested too deeply", file=path,
                            line=line, field="metadata") from None
        except ValueError:        # an integer past the 4,300-digit conversion limit
            raise DataError("the metadata string holds JSON with an integer of too many digits",
                            file=path, line=line, field="metadata") from None
        parsed = candidate if isinstance(candidate, dict) else None
        if parsed is not None:
            if bad is not None:
                raise DataError(f"the metadata string's JSON: {bad[1]}", file=path, line=line,
                                field=bad[0])
    return value, parsed


def _prediction(obj: dict, path: Path, line: int) -> str | None:
    if obj.get("prediction") is not None:
        return _require_str(obj, "prediction", path, line)
    responses = obj.get("modelResponses")
    if responses is None:
        return None
    if not (isinstance(responses, list) and len(responses) == 1 and isinstance(responses[0], dict)
            and isinstance(responses[0].get("response"), str)):
        raise DataError("expected exactly one {\"response\": str, \"modelIdentifier\": str}",
                        file=path, line=line, field="modelResponses")
    return responses[0]["response"]


def parse_gen_qa_row(obj: dict[str, Any], index: int, path: Path, line: int, *,
                     parse_metadata: bool = True) -> Sample:
    query = _require_str(obj, "query", path, line)
    gold = _require_str(obj, "response", path, line)
    system = _require_str(obj, "system", path, line, optional=True)
    images = _images(obj, path, line)
    meta_raw, meta = _metadata(obj, path, line, parse_metadata)
    prediction = _prediction(obj, path, line)
    rid = obj.get("id")
    if rid is not None and not isinstance(rid, (str, int)):
        raise DataError("expected a string or integer", file=path, line=line, field="id")
    if rid is None:
        blob = "\x00".join((system or "", query, gold, meta_raw or ""))
        digest = hashlib.blake2b(blob.encode("utf-8", "surrogatepass"), digest_size=6).hexdigest()
        rid = f"{index:06d}-{digest}"
    return Sample(index=index, id=str(rid), query=query, gold=gold, system=system, images=images,
                  metadata_raw=meta_raw, metadata=meta, prediction=prediction, line=line)


@dataclass(frozen=True)
class DatasetInfo:
    path: str
    rows: int
    fingerprint: str
    unknown_fields: tuple[str, ...]
    image_rows: int = 0   # rows with a non-empty ``images`` list


class GenQADataset:
    """A gen_qa JSONL file, streamed. :meth:`validate` checks every row once (counting them and
    fingerprinting the bytes); :meth:`iter_samples` streams validated :class:`Sample` s (from
    memory when the file is at most :attr:`KEEP_BYTES`)."""

    #: the row parser, and the fields it knows (others are reported as unknown)
    parse_row = staticmethod(parse_gen_qa_row)
    known_fields = _KNOWN

    #: a file of at most this many bytes keeps the samples its validation parsed, so the run
    #: streams them from memory instead of reading and checking every row a second time
    KEEP_BYTES = 16 * 1024 * 1024

    def __init__(self, path: str | Path, *, limit: int | None = None) -> None:
        self.path = Path(path)
        self.limit = limit
        self._kept: list[Sample] | None = None

    def validate(self) -> DatasetInfo:
        h = hashlib.sha256()
        rows = image_rows = 0
        unknown: set[str] = set()
        seen_ids: set[str] = set()
        kept: list[Sample] | None = [] if self._small() else None
        self._kept = None
        for index, (line, raw, obj) in enumerate(iter_jsonl_raw(self.path)):
            if self.limit is not None and index >= self.limit:
                break
            # metadata strings are parsed here too, so a bad one stops the run before any
            # model call rather than half way through it
            sample = self.parse_row(obj, index, self.path, line, parse_metadata=True)
            if "id" in obj:
                if sample.id in seen_ids:
                    raise DataError(f"duplicate id {preview(sample.id)}", file=self.path,
                                    line=line, field="id")
                seen_ids.add(sample.id)
            unknown.update(k for k in obj if k not in self.known_fields)
            image_rows += bool(sample.images)
            h.update(raw.strip())
            h.update(b"\n")
            rows += 1
            if kept is not None:
                kept.append(sample)
        if rows == 0:
            raise DataError("dataset is empty (no JSON lines)", file=self.path)
        self._kept = kept
        return DatasetInfo(str(self.path), rows, h.hexdigest(), tuple(sorted(unknown)),
                           image_rows=image_rows)

    def _small(self) -> bool:
        try:
            return self.path.stat().st_size <= self.KEEP_BYTES
        except OSError:
            return False   # iter_jsonl_raw names the problem

    def iter_samples(self, start: int = 0) -> Iterator[Sample]:
        """The rows from ``start`` on: the ones :meth:`validate` kept (a small file), else
        read and checked again as they stream by."""
        if self._kept is not None:
            yield from self._kept[start:]
            return
        for index, line, obj in iter_rows(self.path, start, self.limit):
            yield self.parse_row(obj, index, self.path, line)
