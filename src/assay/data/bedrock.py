"""The Bedrock model-evaluation prompt dataset (formats.md §2.2): one JSON object per line,

``{"prompt": str, "referenceResponse"?: str, "category"?: str,
"modelResponses"?: [{"response": str, "modelIdentifier": str}]}``

* ``prompt`` is required (multi-turn history goes into the string);
* ``referenceResponse`` is the ground truth (``{{ground_truth}}`` in judge prompts);
* ``category`` breaks results down: it is exposed as ``metadata = {"category": ...}``, so every
  group-by that works on gen_qa metadata works on it;
* ``modelResponses`` (bring-your-own-inference) holds exactly one response. With an expected
  ``model_identifier`` (the job's ``inferenceSourceIdentifier``) every row must carry it.

Bedrock refuses jobs of more than :data:`MAX_PROMPTS` prompts and BYOI datasets with more than
one model identifier; assay runs them anyway and returns one warning for each
(:attr:`BedrockDatasetInfo.warnings`), for the caller to print once. Bad rows raise a one-line
:class:`~assay.errors.DataError` naming the file, line and field, before any model is called.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DataError
from .gen_qa import DatasetInfo, _require_str
from .jsonl import iter_jsonl, iter_jsonl_raw, iter_rows
from .sample import Sample
from .textcheck import preview

__all__ = ["BedrockSample", "BedrockDataset", "BedrockDatasetInfo", "parse_bedrock_row",
           "is_bedrock_dataset", "is_bedrock_file", "load_bedrock_dataset", "MAX_PROMPTS",
           "BEDROCK_FIELDS"]

#: Bedrock's limit of prompts per evaluation job (a warning in assay, not an error)
MAX_PROMPTS = 1000
#: the fields of a model-evaluation row; others are reported as unknown and kept in the record
BEDROCK_FIELDS = frozenset({"prompt", "referenceResponse", "category", "modelResponses"})
_RESPONSE_SHAPE = 'exactly one {"response": str, "modelIdentifier": str}'


@dataclass(frozen=True, slots=True)
class BedrockSample:
    """One validated Bedrock row. ``reference`` is ``referenceResponse``; ``response`` and
    ``model_identifier`` come from the single ``modelResponses`` entry (BYOI), else None.
    ``metadata`` is ``{"category": category}`` (None without a category). ``input_record`` is
    the row as read, without ``modelResponses`` (what Bedrock echoes as ``inputRecord``)."""

    index: int
    id: str
    prompt: str
    reference: str | None = None
    category: str | None = None
    response: str | None = None
    model_identifier: str | None = None
    metadata: dict[str, Any] | None = None
    input_record: dict[str, Any] | None = None
    line: int = 0

    def as_sample(self) -> Sample:
        """The gen_qa :class:`Sample` view (query = prompt, gold = reference or ``""``,
        prediction = response), for stages written against gen_qa rows."""
        raw = None if self.metadata is None else json.dumps(self.metadata, ensure_ascii=False)
        return Sample(index=self.index, id=self.id, query=self.prompt, gold=self.reference or "",
                      metadata_raw=raw, metadata=self.metadata, prediction=self.response,
                      line=self.line)


@dataclass(frozen=True)
class BedrockDatasetInfo(DatasetInfo):
    """:class:`DatasetInfo` plus the Bedrock-limit ``warnings`` (one line each) and the
    distinct BYOI ``model_identifiers`` in first-seen order."""

    warnings: tuple[str, ...] = ()
    model_identifiers: tuple[str, ...] = ()


def _model_response(obj: dict, path: Path, line: int,
                    expected: str | None) -> tuple[str | None, str | None]:
    if "modelResponses" not in obj or obj["modelResponses"] is None:
        if expected is not None:
            raise DataError(f"missing required field (a BYOI row needs {_RESPONSE_SHAPE})",
                            file=path, line=line, field="modelResponses")
        return None, None
    value = obj["modelResponses"]
    if not isinstance(value, list):
        raise DataError(f"expected a list with {_RESPONSE_SHAPE}, got {type(value).__name__}",
                        file=path, line=line, field="modelResponses")
    if len(value) != 1:
        raise DataError(f"expected {_RESPONSE_SHAPE}, got {len(value)} responses (Bedrock "
                        "evaluates one model per BYOI job)", file=path, line=line,
                        field="modelResponses")
    item = value[0]
    if not isinstance(item, dict):
        raise DataError(f"expected an object {{\"response\": str, \"modelIdentifier\": str}}, "
                        f"got {type(item).__name__}", file=path, line=line,
                        field="modelResponses[0]")
    for key in ("response", "modelIdentifier"):
        if item.get(key) is None:
            raise DataError("missing required field", file=path, line=line,
                            field=f"modelResponses[0].{key}")
        if not isinstance(item[key], str):
            raise DataError(f"expected a string, got {type(item[key]).__name__}", file=path,
                            line=line, field=f"modelResponses[0].{key}")
    ident = item["modelIdentifier"]
    if expected is not None and ident != expected:
        raise DataError(f"model identifier {preview(ident)} is not the job's "
                        f"inferenceSourceIdentifier {preview(expected)}", file=path, line=line,
                        field="modelResponses[0].modelIdentifier")
    return item["response"], ident


def parse_bedrock_row(obj: dict[str, Any], index: int, path: Path, line: int, *,
                      model_identifier: str | None = None,
                      parse_metadata: bool = True) -> BedrockSample:
    """Validate one row (already parsed and checked by :func:`~assay.data.jsonl.iter_jsonl`).
    ``model_identifier``: the expected BYOI identifier; when given, ``modelResponses`` is
    required and must carry it. ``parse_metadata`` is accepted for signature parity with
    :func:`~assay.data.gen_qa.parse_gen_qa_row` (a category needs no parsing)."""
    del parse_metadata
    prompt = _require_str(obj, "prompt", path, line)
    reference = _require_str(obj, "referenceResponse", path, line, optional=True)
    category = _require_str(obj, "category", path, line, optional=True)
    response, ident = _model_response(obj, path, line, model_identifier)
    blob = "\x00".join((prompt, reference or "", category or ""))
    digest = hashlib.blake2b(blob.encode("utf-8"), digest_size=6).hexdigest()
    record = {k: v for k, v in obj.items() if k != "modelResponses"}
    return BedrockSample(index=index, id=f"{index:06d}-{digest}", prompt=prompt,
                         reference=reference, category=category, response=response,
                         model_identifier=ident,
                         metadata=None if category is None else {"category": category},
                         input_record=record, line=line)


def is_bedrock_dataset(first_record: Any) -> bool:
    """True when a dataset's first row looks like a Bedrock model-evaluation row: a ``prompt``
    and no ``query`` (gen_qa), ``response_A``/``response_B`` (llm_judge) or
    ``conversationTurns`` (Bedrock RAG)."""
    if not isinstance(first_record, Mapping) or "prompt" not in first_record:
        return False
    return not any(k in first_record for k in ("query", "response_A", "response_B",
                                               "conversationTurns"))


def is_bedrock_file(path: str | Path) -> bool:
    """:func:`is_bedrock_dataset` of the file's first non-blank row (False when empty);
    an unreadable file or malformed first line raises :class:`DataError`."""
    for _line, obj in iter_jsonl(Path(path)):
        return is_bedrock_dataset(obj)
    return False


class BedrockDataset:
    """A Bedrock model-evaluation JSONL file, streamed. :meth:`validate` checks every row once
    (counting, fingerprinting, collecting the limit warnings); :meth:`iter_samples` streams
    validated :class:`BedrockSample` s. ``model_identifier``: the expected BYOI identifier."""

    known_fields = BEDROCK_FIELDS

    def __init__(self, path: str | Path, *, model_identifier: str | None = None,
                 limit: int | None = None) -> None:
        self.path = Path(path)
        self.model_identifier = model_identifier
        self.limit = limit

    def parse_row(self, obj: dict[str, Any], index: int, path: Path, line: int, *,
                  parse_metadata: bool = True) -> BedrockSample:
        return parse_bedrock_row(obj, index, path, line, model_identifier=self.model_identifier,
                                 parse_metadata=parse_metadata)

    def validate(self) -> BedrockDatasetInfo:
        h = hashlib.sha256()
        rows = 0
        unknown: set[str] = set()
        idents: dict[str, int] = {}        # identifier -> first line
        first_byoi: bool | None = None     # whether the first row carries a response
        for index, (line, raw, obj) in enumerate(iter_jsonl_raw(self.path)):
            if self.limit is not None and index >= self.limit:
                break
            sample = self.parse_row(obj, index, self.path, line)
            byoi = sample.response is not None
            if first_byoi is None:
                first_byoi = byoi
            elif byoi != first_byoi:
                raise DataError("unexpected: earlier rows have no modelResponses (a BYOI "
                                "dataset needs them on every row)" if byoi else
                                "missing required field (earlier rows carry a BYOI response, "
                                "so every row needs one)", file=self.path, line=line,
                                field="modelResponses")
            if byoi:
                idents.setdefault(sample.model_identifier, line)
            unknown.update(k for k in obj if k not in self.known_fields)
            h.update(raw.strip())
            h.update(b"\n")
            rows += 1
        if rows == 0:
            raise DataError("dataset is empty (no JSON lines)", file=self.path)
        return BedrockDatasetInfo(str(self.path), rows, h.hexdigest(), tuple(sorted(unknown)),
                                  warnings=_limit_warnings(self.path, rows, idents),
                                  model_identifiers=tuple(idents))

    def iter_samples(self, start: int = 0) -> Iterator[BedrockSample]:
        for index, line, obj in iter_rows(self.path, start, self.limit):
            yield self.parse_row(obj, index, self.path, line)


def _limit_warnings(path: Path, rows: int, idents: dict[str, int]) -> tuple[str, ...]:
    out = []
    if rows > MAX_PROMPTS:
        out.append(f"{path}: {rows:,} prompts; Bedrock accepts at most {MAX_PROMPTS:,} per "
                   "evaluation job (assay evaluates them all)")
    if len(idents) > 1:
        names = ", ".join(preview(i) for i in list(idents)[:3]) + (", ..." if len(idents) > 3
                                                                     else "")
        out.append(f"{path}: {len(idents)} model identifiers in modelResponses ({names}); "
                   "Bedrock evaluates one model per BYOI job (assay evaluates them together)")
    return tuple(out)


def load_bedrock_dataset(path: str | Path, *, model_identifier: str | None = None,
                         limit: int | None = None
                         ) -> tuple[list[BedrockSample], tuple[str, ...]]:
    """Read a whole (small) dataset: ``(samples, warnings)``. Use :class:`BedrockDataset`
    to stream large files."""
    ds = BedrockDataset(path, model_identifier=model_identifier, limit=limit)
    info = ds.validate()
    return list(ds.iter_samples()), info.warnings
