"""Reading a documents folder and cutting it into word-window chunks.

**What is read.** Every ``.md``, ``.markdown`` and ``.txt`` file under the folder (one document
each, named by its path relative to the folder, ``/``-separated) and every ``.jsonl`` file, whose
rows are ``{"id": str, "text": str, "title"?: str, "metadata"?: {...}}`` (one document per row,
its ``id`` kept). Hidden files and folders (``.name``) are skipped, and so is any folder holding a
``kb.json`` (a knowledge base built inside the docs folder is not read back as documents). Files
are read as UTF-8, in sorted relative-path order; JSONL rows in file order. So the chunk order,
and everything built from it, is deterministic.

**Chunks.** Words are maximal runs of non-whitespace. A document of ``W`` words gives windows
of ``chunk_words`` words starting every ``chunk_words - overlap`` words, the last window ending
at the last word (a document no longer than one window is one chunk). A chunk's text is the
document's text from its first word's first character to its last word's last character, so
``document.text[start:end] == chunk.text`` (``start``/``end`` are character offsets into the
file's text, or into the row's ``text`` for JSONL). A document without words gives no chunk.

**Ids.** ``"<relative path>#<n>"`` for files (``n`` from 0); for JSONL rows the row ``id``,
with ``#<n>`` added only when the row is split into several chunks. ``Chunk.metadata`` is
``{"doc", "chunk", "start", "end"}``, for JSONL rows also ``"source"`` (the ``.jsonl`` file) and
``"title"`` when given, after the row's own ``metadata`` keys (assay's keys win a clash).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assay.data.rag_records import Passage
from assay.errors import ConfigError, DataError

__all__ = ["DEFAULT_CHUNK_WORDS", "DEFAULT_OVERLAP", "TEXT_SUFFIXES", "Document", "Chunk",
           "read_documents", "chunk_document", "chunk_documents", "check_chunk_params"]

#: 150 words is about 200 WordPiece tokens, under all-MiniLM-L6-v2's 256-token limit
DEFAULT_CHUNK_WORDS = 150
DEFAULT_OVERLAP = 30
TEXT_SUFFIXES = (".md", ".markdown", ".txt")
_WORD = re.compile(r"\S+")


@dataclass(frozen=True, slots=True)
class Document:
    """One source document: a text file or a JSONL row."""

    doc: str                    # relative path, or the JSONL row id
    name: str                   # what Passage.name shows: the path, or the row's title/id
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)
    id_is_row: bool = False     # a JSONL row: chunk ids are the row id (+ #n when split)


@dataclass(frozen=True, slots=True)
class Chunk:
    """One retrievable chunk of a document, in corpus order."""

    id: str
    doc: str
    name: str
    index: int                  # the chunk number within its document
    start: int
    end: int
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_passage(self, score: float | None = None) -> Passage:
        return Passage(text=self.text, id=self.id, name=self.name, metadata=dict(self.metadata),
                       score=score)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "doc": self.doc, "name": self.name, "chunk": self.index,
                "start": self.start, "end": self.end, "text": self.text,
                "metadata": self.metadata}

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> "Chunk":
        return cls(id=row["id"], doc=row["doc"], name=row["name"], index=row["chunk"],
                   start=row["start"], end=row["end"], text=row["text"],
                   metadata=row.get("metadata") or {})


def check_chunk_params(chunk_words: int, overlap: int) -> None:
    """ConfigError unless ``chunk_words >= 1`` and ``0 <= overlap < chunk_words``."""
    if isinstance(chunk_words, bool) or not isinstance(chunk_words, int) or chunk_words < 1:
        raise ConfigError(f"must be a positive integer, got {chunk_words!r}", field="chunk_words")
    if isinstance(overlap, bool) or not isinstance(overlap, int) or not 0 <= overlap < chunk_words:
        raise ConfigError(f"must be an integer from 0 to chunk_words - 1 ({chunk_words - 1}), "
                          f"got {overlap!r}", field="overlap")


def _files(root: Path) -> list[Path]:
    out = []
    stack = [root]
    while stack:
        folder = stack.pop()
        if folder != root and (folder / "kb.json").exists():
            continue
        for p in folder.iterdir():
            if p.name.startswith("."):
                continue
            if p.is_dir():
                stack.append(p)
            elif p.is_file() and p.suffix.lower() in TEXT_SUFFIXES + (".jsonl",):
                out.append(p)
    return sorted(out, key=lambda p: p.relative_to(root).as_posix())


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", file=path) from None
    except OSError as exc:
        raise DataError(f"cannot read: {exc.strerror or exc}", file=path) from None


def _jsonl_documents(path: Path, rel: str) -> list[Document]:
    docs = []
    for n, line in enumerate(_read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"not JSON: {exc.msg}", file=path, line=n) from None
        if not isinstance(row, dict):
            raise DataError("a row must be a JSON object", file=path, line=n)
        for key in ("id", "text"):
            if not isinstance(row.get(key), str) or (key == "id" and not row[key].strip()):
                raise DataError("must be a non-empty string" if key == "id" else "must be a string",
                                file=path, line=n, field=key)
        title = row.get("title")
        if title is not None and not isinstance(title, str):
            raise DataError("must be a string", file=path, line=n, field="title")
        meta = row.get("metadata") or {}
        if not isinstance(meta, dict):
            raise DataError("must be a JSON object", file=path, line=n, field="metadata")
        meta = {**meta, "source": rel}
        if title is not None:
            meta["title"] = title
        docs.append(Document(doc=row["id"], name=title or row["id"], text=row["text"],
                             metadata=meta, id_is_row=True))
    return docs


def read_documents(docs_dir: str | Path) -> list[Document]:
    """The documents under ``docs_dir`` in deterministic order (see the module docstring)."""
    root = Path(docs_dir)
    if not root.is_dir():
        raise ConfigError(f"'{root}' is not a folder", field="docs_dir")
    docs: list[Document] = []
    seen: dict[str, str] = {}
    for path in _files(root):
        rel = path.relative_to(root).as_posix()
        found = (_jsonl_documents(path, rel) if path.suffix.lower() == ".jsonl"
                 else [Document(doc=rel, name=rel, text=_read_text(path))])
        for d in found:
            if d.doc in seen:
                raise DataError(f"document id '{d.doc}' is also used by {seen[d.doc]}",
                                file=path, field="id")
            seen[d.doc] = rel
        docs.extend(found)
    return docs


def chunk_document(document: Document, chunk_words: int = DEFAULT_CHUNK_WORDS,
                   overlap: int = DEFAULT_OVERLAP) -> list[Chunk]:
    """The word-window chunks of one document (see the module docstring)."""
    check_chunk_params(chunk_words, overlap)
    spans = [m.span() for m in _WORD.finditer(document.text)]
    if not spans:
        return []
    step = chunk_words - overlap
    starts = [0]
    while starts[-1] + chunk_words < len(spans):
        starts.append(starts[-1] + step)
    split = len(starts) > 1
    out = []
    for n, first in enumerate(starts):
        last = min(first + chunk_words, len(spans)) - 1
        start, end = spans[first][0], spans[last][1]
        if document.id_is_row:
            cid = f"{document.doc}#{n}" if split else document.doc
        else:
            cid = f"{document.doc}#{n}"
        meta = {**document.metadata, "doc": document.doc, "chunk": n, "start": start, "end": end}
        out.append(Chunk(id=cid, doc=document.doc, name=document.name, index=n, start=start,
                         end=end, text=document.text[start:end], metadata=meta))
    return out


def chunk_documents(documents: list[Document], chunk_words: int = DEFAULT_CHUNK_WORDS,
                    overlap: int = DEFAULT_OVERLAP) -> list[Chunk]:
    """All chunks in corpus order; a DataError when two chunks would share an id."""
    out: list[Chunk] = []
    seen: set[str] = set()
    for d in documents:
        for c in chunk_document(d, chunk_words, overlap):
            if c.id in seen:
                raise DataError(f"two chunks have the id '{c.id}'; rename a document or row id",
                                field="id")
            seen.add(c.id)
            out.append(c)
    return out
