"""A local knowledge base: chunks, their embeddings and a BM25 index, on disk.

The local stand-in for a Bedrock knowledge base (``knowledgeBaseConfig``). Layout of a KB
folder::

    kb.json          manifest: format + version, model, chunk params, counts, digest, created_by
    chunks.jsonl     one chunk a line, in corpus order: {id, doc, name, chunk, start, end,
                     text, metadata}
    embeddings.npy   float32 (n_chunks, 384), L2-normalised rows, same order
    bm25/            the bm25s index (bm25s's own save format)

``digest`` is ``sha256:`` + the SHA-256 of, for each chunk in order, its id, a NUL, its text
and a NUL (UTF-8); :attr:`KnowledgeBase.identifier` is ``<folder name>-<first 12 hex of the
digest>``, the ``knowledgeBaseIdentifier`` assay writes. Building writes into a temporary
sibling folder and moves it into place, so a failed build leaves nothing half-written; an
existing KB is replaced only with ``overwrite=True``, and a non-empty folder that is not a KB is
never touched. Retrieval methods: ``dense`` (:mod:`.dense`), ``bm25`` (:mod:`.bm25`),
``hybrid`` (:mod:`.hybrid`, the default).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assay.data.rag_records import Passage
from assay.errors import ConfigError

from .bm25 import BM25_PARAMS, BM25Index, tokenize
from .chunking import (DEFAULT_CHUNK_WORDS, DEFAULT_OVERLAP, Chunk, check_chunk_params,
                       chunk_documents, read_documents)
from .dense import DenseIndex
from .embedding import _PACKAGE, get_embedder, model_package_version
from .hybrid import RRF_K, fusion_depth, reciprocal_rank_fusion

__all__ = ["FORMAT", "FORMAT_VERSION", "METHODS", "KnowledgeBase", "BuildStats", "is_kb_dir",
           "chunks_digest"]

FORMAT = "assay-knowledge-base"
FORMAT_VERSION = 1
METHODS = ("hybrid", "dense", "bm25")
_MANIFEST = "kb.json"
_CHUNKS = "chunks.jsonl"
_EMBEDDINGS = "embeddings.npy"
_BM25 = "bm25"


@dataclass(frozen=True, slots=True)
class BuildStats:
    """What a build did, for the CLI to print."""

    n_docs: int
    n_chunks: int
    truncated_chunks: int
    seconds: float


def chunks_digest(chunks: Sequence[Chunk]) -> str:
    h = hashlib.sha256()
    for c in chunks:
        h.update(c.id.encode("utf-8") + b"\0" + c.text.encode("utf-8") + b"\0")
    return "sha256:" + h.hexdigest()


def is_kb_dir(path: str | Path) -> bool:
    """Whether ``path`` holds a knowledge base manifest (complete or not)."""
    return (Path(path) / _MANIFEST).is_file()


def _check_out_dir(out: Path, overwrite: bool) -> None:
    if out.exists() and not out.is_dir():
        raise ConfigError("exists and is not a folder; nothing was changed", file=out)
    if not out.is_dir() or not any(out.iterdir()):
        return
    if not is_kb_dir(out):
        raise ConfigError("is not empty and is not a knowledge base; nothing was changed",
                          file=out)
    if not overwrite:
        raise ConfigError("is already a knowledge base; pass --overwrite to replace it; "
                          "nothing was changed", file=out)


def _check_method(method: str, top_k: int) -> None:
    if method not in METHODS:
        raise ConfigError(f"must be one of {', '.join(METHODS)}, got {method!r}", field="method")
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
        raise ConfigError(f"must be a positive integer, got {top_k!r}", field="top_k")


class KnowledgeBase:
    """A loaded knowledge base (see the module docstring). Build with :meth:`build`, open with
    :meth:`load`; the embedding model is loaded at the first dense or hybrid query."""

    def __init__(self, path: Path, manifest: dict[str, Any], chunks: list[Chunk],
                 dense: DenseIndex, bm25: BM25Index, *, device: str | None = None) -> None:
        self.path = path
        self.manifest = manifest
        self.chunks = chunks
        self.dense = dense
        self.bm25 = bm25
        self.device = device

    # ------------------------------------------------------------------ properties
    @property
    def digest(self) -> str:
        return self.manifest["digest"]

    @property
    def identifier(self) -> str:
        """``<folder name>-<12 hex of the digest>``: stable across machines and rebuilds of
        the same chunks."""
        return f"{self.path.name}-{self.digest.split(':', 1)[-1][:12]}"

    @property
    def model_dir(self) -> str | None:
        """The embedding model directory to load (``None``: the packaged default)."""
        model = self.manifest["model"]
        return None if model.get("package") == _PACKAGE else model["dir"]

    def __len__(self) -> int:
        return len(self.chunks)

    # ------------------------------------------------------------------ build
    @classmethod
    def build(cls, docs_dir: str | Path, out_dir: str | Path, *,
              chunk_words: int = DEFAULT_CHUNK_WORDS, overlap: int = DEFAULT_OVERLAP,
              model_dir: str | None = None, batch_size: int = 32, device: str | None = None,
              overwrite: bool = False,
              progress: Callable[[int, int], None] | None = None) -> tuple["KnowledgeBase",
                                                                         BuildStats]:
        """Chunk, embed and index ``docs_dir`` into ``out_dir``. ``progress(done, total)`` is
        called as chunks are embedded. Returns the loaded KB and what was built."""
        t0 = time.perf_counter()
        check_chunk_params(chunk_words, overlap)
        docs_dir, out = Path(docs_dir), Path(out_dir)
        _check_out_dir(out, overwrite)
        docs = read_documents(docs_dir)
        chunks = chunk_documents(docs, chunk_words, overlap)
        if not chunks:
            raise ConfigError("holds no text to index (.md, .txt or .jsonl with words); "
                              "nothing was changed", file=docs_dir)
        from assay import __version__
        from .embedding import MODEL_NAME

        embedder = get_embedder(model_dir, device=device)
        texts = [c.text for c in chunks]
        limit = embedder.max_seq_length
        truncated = sum(1 for n in embedder.token_counts(texts) if n > limit)
        done = [0]

        def tick(n: int) -> None:
            done[0] += n
            if progress is not None:
                progress(done[0], len(texts))

        if progress is not None:
            progress(0, len(texts))
        matrix = embedder.embed(texts, batch_size=batch_size, progress=tick)
        bm25 = BM25Index.build(texts)
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION,
            "created_by": f"assay {__version__}",
            "model": {"name": MODEL_NAME if model_dir is None else embedder.name,
                      "dir": embedder.model_dir,
                      "package": _PACKAGE if model_dir is None else None,
                      "package_version": model_package_version() if model_dir is None else None,
                      "dim": embedder.dim, "max_seq_length": limit, "pooling": "mean",
                      "normalize": True},
            "chunking": {"unit": "words", "chunk_words": chunk_words, "overlap": overlap},
            "bm25": dict(BM25_PARAMS),
            "docs_dir": str(docs_dir.resolve()),
            "n_docs": len(docs), "n_chunks": len(chunks), "truncated_chunks": truncated,
            "digest": chunks_digest(chunks),
            "files": {"chunks": _CHUNKS, "embeddings": _EMBEDDINGS, "bm25": _BM25},
        }
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)   # mkdtemp makes it 0700; a KB folder is an ordinary one
        try:
            with open(tmp / _CHUNKS, "w", encoding="utf-8") as f:
                for c in chunks:
                    f.write(json.dumps(c.to_dict(), ensure_ascii=False) + "\n")
            DenseIndex(matrix).save(tmp / _EMBEDDINGS)
            bm25.save(tmp / _BM25)
            (tmp / _MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n",
                                         encoding="utf-8")
            _replace(tmp, out)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        kb = cls.load(out, device=device)
        return kb, BuildStats(len(docs), len(chunks), truncated, time.perf_counter() - t0)

    # ------------------------------------------------------------------ load
    @classmethod
    def load(cls, path: str | Path, *, device: str | None = None) -> "KnowledgeBase":
        """Open a KB folder; a ConfigError naming the folder when it is not a (complete) KB."""
        path = Path(path)
        if not path.exists():
            raise ConfigError(f"no knowledge base here yet: build it with `assay kb build "
                              f"DOCS_DIR -o {path}`", file=path)
        if not path.is_dir():
            raise ConfigError("is not a folder (expected a knowledge base built with "
                              "`assay kb build`)", file=path)
        mpath = path / _MANIFEST
        if not mpath.is_file():
            raise ConfigError("is not a knowledge base: no kb.json (build one with "
                              "`assay kb build DOCS_DIR`)", file=path)
        try:
            manifest = json.loads(mpath.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"unreadable manifest: {' '.join(str(exc).split())[:200]}",
                              file=mpath) from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise ConfigError(f"not an assay knowledge base manifest (format is not "
                              f"'{FORMAT}')", file=mpath, field="format")
        if manifest.get("format_version") != FORMAT_VERSION:
            raise ConfigError(f"unsupported format_version {manifest.get('format_version')!r} "
                              f"(this assay reads {FORMAT_VERSION}); rebuild the knowledge base",
                              file=mpath, field="format_version")
        for name in (_CHUNKS, _EMBEDDINGS, _BM25):
            if not (path / name).exists():
                raise ConfigError(f"incomplete knowledge base: {name} is missing; rebuild it "
                                  "with `assay kb build --overwrite`", file=path)
        chunks = _read_chunks(path / _CHUNKS)
        dense = DenseIndex.load(path / _EMBEDDINGS)
        bm25 = BM25Index.load(path / _BM25)
        n = manifest.get("n_chunks")
        if not (len(chunks) == dense.n == bm25.n == n):
            raise ConfigError(f"incomplete knowledge base: the manifest says {n} chunks, "
                              f"chunks.jsonl has {len(chunks)}, embeddings {dense.n}, "
                              f"bm25 {bm25.n}; rebuild it", file=path)
        if chunks_digest(chunks) != manifest.get("digest"):
            raise ConfigError("chunks.jsonl does not match the manifest's digest; rebuild it",
                              file=path)
        return cls(path, manifest, chunks, dense, bm25, device=device)

    # ------------------------------------------------------------------ retrieval
    def _embed_queries(self, queries: Sequence[str], batch_size: int) -> Any:
        emb = get_embedder(self.model_dir, device=self.device)
        if emb.dim != self.dense.dim:
            raise ConfigError(f"the embedding model gives {emb.dim} dimensions, the knowledge "
                              f"base has {self.dense.dim}", file=self.path, field="model")
        return emb.embed(queries, batch_size=batch_size)

    def retrieve(self, query: str, *, method: str = "hybrid", top_k: int = 5) -> list[Passage]:
        """The ``top_k`` best passages for ``query``, best first (``score``: cosine for dense,
        BM25 for bm25, RRF for hybrid; bm25 may return fewer: matching chunks only)."""
        return self.retrieve_many([query], method=method, top_k=top_k)[0]

    def retrieve_many(self, queries: Sequence[str], *, method: str = "hybrid", top_k: int = 5,
                      batch_size: int = 32, rrf_k: int = RRF_K) -> list[list[Passage]]:
        """:meth:`retrieve` for many queries, embedding them in batches of ``batch_size``.
        Results are deterministic for the same queries and batch size; a query embedded in a
        padded batch can differ from itself embedded alone in the last float digits (as with
        sentence-transformers), which can only swap passages whose scores tie to ~1e-6."""
        _check_method(method, top_k)
        queries = list(queries)
        if not queries:
            return []
        for i, q in enumerate(queries):
            if not isinstance(q, str):
                raise ConfigError(f"query {i} is not a string", field="query")
        depth = fusion_depth(top_k) if method == "hybrid" else top_k
        dense_hits: list[list[tuple[int, float]]] = [[] for _ in queries]
        bm25_hits: list[list[tuple[int, float]]] = [[] for _ in queries]
        if method in ("dense", "hybrid"):
            dense_hits = self.dense.search_many(self._embed_queries(queries, batch_size), depth)
        if method in ("bm25", "hybrid"):
            bm25_hits = [self.bm25.search_tokens(t, depth) for t in tokenize(queries)]
        out = []
        for d, b in zip(dense_hits, bm25_hits):
            if method == "dense":
                hits = d
            elif method == "bm25":
                hits = b
            else:
                hits = reciprocal_rank_fusion([[i for i, _ in d], [i for i, _ in b]],
                                              top_k=top_k, k=rrf_k)
            out.append([self.chunks[i].to_passage(score) for i, score in hits])
        return out

    def info(self) -> dict[str, Any]:
        """The manifest with the identifier and path, for ``assay kb info``."""
        return {"identifier": self.identifier, "path": str(self.path), **self.manifest}


def _read_chunks(path: Path) -> list[Chunk]:
    chunks = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                chunks.append(Chunk.from_dict(json.loads(line)))
            except (ValueError, KeyError, TypeError):
                raise ConfigError("not a chunk row; rebuild the knowledge base", file=path,
                                  line=n) from None
    return chunks


def _replace(tmp: Path, out: Path) -> None:
    """Move the built ``tmp`` folder to ``out`` (an empty folder or an old KB, replaced)."""
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{tmp.name.rsplit('.', 2)[-2]}")
        out.rename(old)
    try:
        tmp.rename(out)
    except OSError:
        if old is not None:
            old.rename(out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
