"""The Bedrock RAG prompt dataset (formats.md §2.3), exactly as Bedrock reads it:

``{"conversationTurns": [{"prompt": {"content": [{"text": str}]},
"referenceResponses"?: [{"content": [{"text": str}]}],
"referenceContexts"?: [{"content": [{"text": str}]}], "output"?: {...}}]}``

* the **last** conversation turn is the one evaluated; earlier turns are its chat history
  (their prompt and their ``output.text``, else their first reference response), shown to the
  judge before the question, as Bedrock's ``{{chat_history}}``; retrieval uses the last
  prompt alone;
* ``prompt.content[].text`` is the query (several content items are joined by a newline);
* ``referenceResponses`` are the reference answers (``{{ground_truth}}``; ContextCoverage,
  Correctness and Completeness need them);
* ``referenceContexts`` are the expected passages (``{{reference_contexts}}``; the model-free
  retrieval metrics need them). assay also reads an id (``metadata.id`` or ``name``) and a
  graded ``relevance`` on each (:mod:`.rag_records`);
* ``output`` is bring-your-own-inference: **retrieve-only** carries
  ``retrievedResults.retrievalResults[]``; **retrieve-and-generate** carries ``text``,
  ``retrievedPassages.retrievalResults[]`` and ``citations[]``. The two keys differ and a row
  with the wrong one is refused. ``knowledgeBaseIdentifier`` must equal the job's
  ``ragSourceIdentifier`` when one is expected (a job file names it);
* a top-level ``category`` (as in model-evaluation rows) breaks results down, as metadata.

Every row has the same shape (all retrieve-only, all retrieve-and-generate, or none with an
output, which a knowledge base then supplies). A bad row raises a one-line
:class:`~assay.errors.DataError` naming the file, line and field, before any model is called.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DataError
from .bedrock import MAX_PROMPTS
from .gen_qa import DatasetInfo
from .jsonl import iter_jsonl, iter_jsonl_raw, iter_rows
from .rag_records import CHUNK_ID_KEY, Citation, Passage, RagItem, RagKind, ReferenceContext
from .textcheck import preview

__all__ = ["RagDataset", "RagDatasetInfo", "parse_rag_row", "is_rag_dataset", "is_rag_file",
           "RAG_FIELDS", "KIND_NAMES"]

#: the top-level fields of a RAG row; others are reported as unknown and kept in the record
RAG_FIELDS = frozenset({"conversationTurns", "category"})

#: how the docs and messages name each kind
KIND_NAMES = {"retrieve": "retrieve-only", "retrieve_and_generate": "retrieve-and-generate",
              None: "no output (a knowledge base retrieves)"}


@dataclass(frozen=True)
class RagDatasetInfo(DatasetInfo):
    """:class:`DatasetInfo` plus the rows' ``kind`` (``None``: no row has an output), the
    limit ``warnings`` (one line each), the BYOI ``knowledge_base_identifiers`` and
    ``model_identifiers`` in first-seen order, and how many rows have reference answers and
    reference contexts."""

    kind: RagKind | None = None
    warnings: tuple[str, ...] = ()
    knowledge_base_identifiers: tuple[str, ...] = ()
    model_identifiers: tuple[str, ...] = ()
    with_references: int = 0
    with_reference_contexts: int = 0


class _Row:
    """Typed access to one row's fields, every failure a DataError naming the field path."""

    def __init__(self, path: Path, line: int) -> None:
        self.path, self.line = path, line

    def fail(self, field: str, message: str) -> DataError:
        return DataError(message, file=self.path, line=self.line, field=field)

    def get(self, obj: Mapping, key: str, where: str, kind: type | tuple, *,
            optional: bool = False) -> Any:
        field = f"{where}.{key}" if where else key
        if key not in obj or obj[key] is None:
            if optional:
                return None
            raise self.fail(field, "missing required field")
        value = obj[key]
        if not isinstance(value, kind) or isinstance(value, bool):
            want = {str: "a string", list: "a list", dict: "an object"}.get(kind, "a number")
            raise self.fail(field, f"expected {want}, got {type(value).__name__}")
        return value

    def content_text(self, obj: Any, where: str) -> str:
        """``{"content": [{"text": str}, ...]}`` -> the texts joined by a newline."""
        if not isinstance(obj, dict):
            raise self.fail(where, f"expected an object {{\"content\": [{{\"text\": ...}}]}}, "
                                   f"got {type(obj).__name__}")
        content = self.get(obj, "content", where, list)
        if not content:
            raise self.fail(f"{where}.content", "empty list (expected at least one "
                                                "{\"text\": ...})")
        texts = []
        for i, part in enumerate(content):
            if not isinstance(part, dict):
                raise self.fail(f"{where}.content[{i}]", "expected an object {\"text\": str}, "
                                                        f"got {type(part).__name__}")
            texts.append(self.get(part, "text", f"{where}.content[{i}]", str))
        return "\n".join(texts)

    def passage(self, obj: Any, where: str) -> Passage:
        """A ``retrievalResults[]`` / ``retrievedReferences[]`` item."""
        if not isinstance(obj, dict):
            raise self.fail(where, f"expected an object {{\"content\": {{\"text\": ...}}}}, "
                                   f"got {type(obj).__name__}")
        content = self.get(obj, "content", where, dict)
        text = self.get(content, "text", f"{where}.content", str)
        name = self.get(obj, "name", where, str, optional=True)
        meta = self.get(obj, "metadata", where, dict, optional=True)
        ident = None
        for key in ("id", CHUNK_ID_KEY):
            if meta is not None and isinstance(meta.get(key), (str, int)) \
                    and not isinstance(meta.get(key), bool):
                ident = str(meta[key])
                break
        if ident is None:
            ident = name
        return Passage(text=text, id=ident, name=name, metadata=meta)

    def passages(self, obj: dict, key: str, where: str) -> tuple[Passage, ...]:
        holder = self.get(obj, key, where, dict)
        items = self.get(holder, "retrievalResults", f"{where}.{key}", list)
        return tuple(self.passage(p, f"{where}.{key}.retrievalResults[{i}]")
                     for i, p in enumerate(items))

    def reference_context(self, obj: Any, where: str) -> ReferenceContext:
        text = self.content_text(obj, where)
        meta = self.get(obj, "metadata", where, dict, optional=True) or {}
        name = self.get(obj, "name", where, str, optional=True)
        ident = meta.get("id", name)
        ident = None if ident is None or isinstance(ident, bool) else str(ident)
        relevance = obj.get("relevance", meta.get("relevance", 1.0))
        field = f"{where}.relevance"
        if isinstance(relevance, bool) or not isinstance(relevance, (int, float)) \
                or relevance < 0:
            raise self.fail(field, f"expected a number >= 0, got {relevance!r}")
        return ReferenceContext(text=text, id=ident, relevance=float(relevance))

    def citation(self, obj: Any, where: str) -> Citation:
        if not isinstance(obj, dict):
            raise self.fail(where, f"expected an object, got {type(obj).__name__}")
        part = self.get(obj, "generatedResponsePart", where, dict, optional=True) or {}
        text_part = self.get(part, "textResponsePart", f"{where}.generatedResponsePart", dict,
                             optional=True) or {}
        tp = f"{where}.generatedResponsePart.textResponsePart"
        span = self.get(text_part, "span", tp, dict, optional=True) or {}
        start = self.get(span, "start", f"{tp}.span", int, optional=True)
        end = self.get(span, "end", f"{tp}.span", int, optional=True)
        text = self.get(text_part, "text", tp, str, optional=True)
        refs = self.get(obj, "retrievedReferences", where, list, optional=True) or []
        return Citation(start=start, end=end, text=text, references=tuple(
            self.passage(r, f"{where}.retrievedReferences[{i}]") for i, r in enumerate(refs)))


def _output(r: _Row, out: Any, where: str, expected_kb: str | None
            ) -> tuple[RagKind, tuple[Passage, ...], str | None, tuple[Citation, ...],
                       str | None, str | None]:
    if not isinstance(out, dict):
        raise r.fail(where, f"expected an object, got {type(out).__name__}")
    has_results, has_passages = "retrievedResults" in out, "retrievedPassages" in out
    if has_results and has_passages:
        raise r.fail(where, "has both retrievedResults (retrieve-only) and retrievedPassages "
                            "(retrieve-and-generate); a row is one or the other")
    if has_results and "text" in out:
        raise r.fail(f"{where}.retrievedResults", "a row with generated 'text' is "
                     "retrieve-and-generate: its passages go under 'retrievedPassages' "
                     "('retrievedResults' is the retrieve-only key)")
    if not has_results and not has_passages:
        key = "retrievedPassages" if "text" in out else "retrievedResults"
        raise r.fail(f"{where}.{key}", "missing required field (retrieve-only outputs carry "
                     "retrievedResults, retrieve-and-generate outputs text and "
                     "retrievedPassages)")
    kb = r.get(out, "knowledgeBaseIdentifier", where, str, optional=True)
    if expected_kb is not None:
        if kb is None:
            raise r.fail(f"{where}.knowledgeBaseIdentifier", "missing required field (the "
                         f"job's ragSourceIdentifier is {preview(expected_kb)})")
        if kb != expected_kb:
            raise r.fail(f"{where}.knowledgeBaseIdentifier", f"{preview(kb)} is not the job's "
                         f"ragSourceIdentifier {preview(expected_kb)}")
    if has_results:
        return "retrieve", r.passages(out, "retrievedResults", where), None, (), None, kb
    text = r.get(out, "text", where, str)
    model = r.get(out, "modelIdentifier", where, str, optional=True)
    cites = r.get(out, "citations", where, list, optional=True) or []
    citations = tuple(r.citation(c, f"{where}.citations[{i}]") for i, c in enumerate(cites))
    return ("retrieve_and_generate", r.passages(out, "retrievedPassages", where), text,
            citations, model, kb)


def parse_rag_row(obj: dict[str, Any], index: int, path: Path, line: int, *,
                  knowledge_base_identifier: str | None = None) -> RagItem:
    """Validate one row (already parsed by :func:`~assay.data.jsonl.iter_jsonl`).
    ``knowledge_base_identifier``: the expected ``ragSourceIdentifier`` (a job file's); when
    given, every output must carry it."""
    r = _Row(path, line)
    turns = r.get(obj, "conversationTurns", "", list)
    if not turns:
        raise r.fail("conversationTurns", "empty list (expected at least one turn)")
    history = []
    for t, earlier in enumerate(turns[:-1]):   # chat history: each earlier turn's exchange
        w = f"conversationTurns[{t}]"
        if not isinstance(earlier, dict):
            raise r.fail(w, f"expected an object, got {type(earlier).__name__}")
        asked = r.content_text(r.get(earlier, "prompt", w, dict), f"{w}.prompt")
        out = r.get(earlier, "output", w, dict, optional=True) or {}
        answer = r.get(out, "text", f"{w}.output", str, optional=True)
        if answer is None and earlier.get("referenceResponses"):
            answer = r.content_text(earlier["referenceResponses"][0],
                                    f"{w}.referenceResponses[0]")
        history.append((asked, answer))
    where = f"conversationTurns[{len(turns) - 1}]"
    turn = turns[-1]
    if not isinstance(turn, dict):
        raise r.fail(where, f"expected an object, got {type(turn).__name__}")
    prompt = r.content_text(r.get(turn, "prompt", where, dict), f"{where}.prompt")
    refs = r.get(turn, "referenceResponses", where, list, optional=True) or []
    references = tuple(r.content_text(x, f"{where}.referenceResponses[{i}]")
                       for i, x in enumerate(refs))
    ctxs = r.get(turn, "referenceContexts", where, list, optional=True) or []
    contexts = tuple(r.reference_context(x, f"{where}.referenceContexts[{i}]")
                     for i, x in enumerate(ctxs))
    category = r.get(obj, "category", "", str, optional=True)
    kind = response = model = kb = None
    passages: tuple[Passage, ...] = ()
    citations: tuple[Citation, ...] = ()
    if turn.get("output") is not None:
        kind, passages, response, citations, model, kb = _output(
            r, turn["output"], f"{where}.output", knowledge_base_identifier)
    elif knowledge_base_identifier is not None:
        raise r.fail(f"{where}.output", "missing required field (a precomputed RAG source "
                     "job evaluates the outputs in the data)")
    digest = hashlib.blake2b("\x00".join((prompt, *references)).encode("utf-8"),
                             digest_size=6).hexdigest()
    record = {k: v for k, v in obj.items() if k != "conversationTurns"}
    record["conversationTurns"] = [*turns[:-1], {k: v for k, v in turn.items()
                                                 if k != "output"}]
    return RagItem(index=index, id=f"{index:06d}-{digest}", prompt=prompt,
                   history=tuple(history),
                   references=references, reference_contexts=contexts, kind=kind,
                   passages=passages, response=response, citations=citations,
                   model_identifier=model, knowledge_base_identifier=kb,
                   metadata=None if category is None else {"category": category},
                   input_record=record, line=line)


def is_rag_dataset(first_record: Any) -> bool:
    """True when a dataset's first row is a Bedrock RAG row (``conversationTurns``)."""
    return isinstance(first_record, Mapping) and "conversationTurns" in first_record


def is_rag_file(path: str | Path) -> bool:
    """:func:`is_rag_dataset` of the file's first non-blank row (False when empty)."""
    for _line, obj in iter_jsonl(Path(path)):
        return is_rag_dataset(obj)
    return False


class RagDataset:
    """A Bedrock RAG JSONL file, streamed. :meth:`validate` checks every row once;
    :meth:`iter_samples` streams validated :class:`RagItem` s."""

    known_fields = RAG_FIELDS

    def __init__(self, path: str | Path, *, knowledge_base_identifier: str | None = None,
                 limit: int | None = None) -> None:
        self.path = Path(path)
        self.knowledge_base_identifier = knowledge_base_identifier
        self.limit = limit

    def parse_row(self, obj: dict[str, Any], index: int, line: int) -> RagItem:
        return parse_rag_row(obj, index, self.path, line,
                             knowledge_base_identifier=self.knowledge_base_identifier)

    def validate(self) -> RagDatasetInfo:
        h = hashlib.sha256()
        rows = n_refs = n_ctx = 0
        unknown: set[str] = set()
        kbs: dict[str, None] = {}
        models: dict[str, None] = {}
        kind: Any = ...
        for index, (line, raw, obj) in enumerate(iter_jsonl_raw(self.path)):
            if self.limit is not None and index >= self.limit:
                break
            item = self.parse_row(obj, index, line)
            if kind is ...:
                kind = item.kind
            elif item.kind != kind:
                raise DataError(f"this row is {KIND_NAMES[item.kind]} but earlier rows are "
                                f"{KIND_NAMES[kind]}; every row of a dataset has the same "
                                "shape", file=self.path, line=line,
                                field="conversationTurns[0].output")
            for ident, seen in ((item.knowledge_base_identifier, kbs),
                                (item.model_identifier, models)):
                if ident is not None:
                    seen.setdefault(ident, None)
            n_refs += bool(item.references)
            n_ctx += bool(item.reference_contexts)
            unknown.update(k for k in obj if k not in self.known_fields)
            h.update(raw.strip())
            h.update(b"\n")
            rows += 1
        if rows == 0:
            raise DataError("dataset is empty (no JSON lines)", file=self.path)
        warnings = []
        if rows > MAX_PROMPTS:
            warnings.append(f"{self.path}: {rows:,} prompts; Bedrock accepts at most "
                            f"{MAX_PROMPTS:,} per evaluation job (assay evaluates them all)")
        if len(kbs) > 1:
            warnings.append(f"{self.path}: {len(kbs)} knowledgeBaseIdentifier values "
                            f"({', '.join(preview(k) for k in list(kbs)[:3])}); Bedrock "
                            "evaluates one RAG source per job (assay evaluates them together)")
        return RagDatasetInfo(str(self.path), rows, h.hexdigest(), tuple(sorted(unknown)),
                              kind=kind, warnings=tuple(warnings),
                              knowledge_base_identifiers=tuple(kbs),
                              model_identifiers=tuple(models), with_references=n_refs,
                              with_reference_contexts=n_ctx)

    def iter_samples(self, start: int = 0) -> Iterator[RagItem]:
        for index, line, obj in iter_rows(self.path, start, self.limit):
            yield self.parse_row(obj, index, line)
