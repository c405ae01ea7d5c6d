"""``assay kb``: local knowledge bases for RAG evaluation. ``build DOCS_DIR`` (chunk, embed with
all-MiniLM-L6-v2, index with BM25; written to ``-o OUT``, by default ``<DOCS_DIR>.kb`` beside the
docs folder), ``query KB TEXT`` (ranked passages with scores), ``info KB`` (the manifest). The
work lives in :mod:`assay.retrieval`; this module parses and prints plain text."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

__all__ = ["add_parser", "run", "default_out_dir"]


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser("kb", help="local knowledge bases: build DOCS_DIR, query KB TEXT, "
                                         "info KB")
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS)
    sub = p.add_subparsers(dest="kb_command", metavar="ACTION")
    b = sub.add_parser("build", help="chunk, embed and index a folder of .md/.txt/.jsonl files")
    b.add_argument("docs_dir", help="the documents folder")
    b.add_argument("-o", "--output", default=None,
                   help="the knowledge base folder (default: <DOCS_DIR>.kb beside DOCS_DIR)")
    b.add_argument("--chunk-words", type=int, default=None,
                   help="words per chunk (default 150)")
    b.add_argument("--overlap", type=int, default=None,
                   help="words shared by consecutive chunks (default 30)")
    b.add_argument("--batch-size", type=int, default=32, help="chunks embedded per batch")
    b.add_argument("--overwrite", action="store_true",
                   help="replace an existing knowledge base at the output folder")
    b.add_argument("--progress", choices=["auto", "plain", "none"], default="auto")
    q = sub.add_parser("query", help="retrieve passages for one query")
    q.add_argument("kb", help="the knowledge base folder")
    q.add_argument("text", help="the query")
    q.add_argument("--method", choices=["hybrid", "dense", "bm25"], default="hybrid")
    q.add_argument("-k", "--top-k", type=int, default=5)
    q.add_argument("--json", action="store_true", help="print the passages as JSON")
    i = sub.add_parser("info", help="what a knowledge base holds")
    i.add_argument("kb", help="the knowledge base folder")
    i.add_argument("--json", action="store_true", help="print the manifest as JSON")
    return p


def default_out_dir(docs_dir: str | Path) -> Path:
    """``<parent>/<name>.kb`` beside the docs folder."""
    d = Path(docs_dir).resolve()
    return d.parent / f"{d.name}.kb"


class _EmbedProgress:
    """A rich bar on a terminal, plain lines (every 5 s and at the end) otherwise."""

    def __init__(self, mode: str) -> None:
        import time

        self.time = time
        self.mode = ("rich" if sys.stderr.isatty() else "plain") if mode == "auto" else mode
        self._bar = None
        self._task = None
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        if self.mode == "rich":
            if self._bar is None:
                from rich.console import Console
                from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                           TimeElapsedColumn, TimeRemainingColumn)

                self._bar = Progress(TextColumn("[bold]embedding chunks"), BarColumn(),
                                     MofNCompleteColumn(), TimeElapsedColumn(),
                                     TimeRemainingColumn(), console=Console(file=sys.stderr))
                self._bar.__enter__()
                self._task = self._bar.add_task("embed", total=total)
            self._bar.update(self._task, completed=done)
        elif self.mode == "plain":
            now = self.time.monotonic()
            if done == total or now - self._last >= 5.0:
                self._last = now
                print(f"embedding chunks: {done}/{total}", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


def _build(args: argparse.Namespace) -> int:
    from ..retrieval import DEFAULT_CHUNK_WORDS, DEFAULT_OVERLAP, KnowledgeBase

    out = Path(args.output) if args.output else default_out_dir(args.docs_dir)
    chunk_words = args.chunk_words if args.chunk_words is not None else DEFAULT_CHUNK_WORDS
    overlap = args.overlap if args.overlap is not None else min(DEFAULT_OVERLAP,
                                                                max(chunk_words - 1, 0))
    bar = _EmbedProgress(args.progress)
    try:
        kb, stats = KnowledgeBase.build(args.docs_dir, out, chunk_words=chunk_words,
                                        overlap=overlap, batch_size=args.batch_size,
                                        overwrite=args.overwrite, progress=bar)
    finally:
        bar.close()
    print(f"built knowledge base {kb.identifier} at {out}: {stats.n_docs} documents, "
          f"{stats.n_chunks} chunks ({chunk_words} words, overlap {overlap}) "
          f"in {stats.seconds:.1f}s")
    if stats.truncated_chunks:
        print(f"note: {stats.truncated_chunks} chunks are longer than the model's "
              f"{kb.manifest['model']['max_seq_length']} tokens and were embedded truncated "
              "(use a smaller --chunk-words)", file=sys.stderr)
    return 0


def _one_line(text: str, width: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 3] + "..."


def _query(args: argparse.Namespace) -> int:
    from ..retrieval import KnowledgeBase

    kb = KnowledgeBase.load(args.kb)
    passages = kb.retrieve(args.text, method=args.method, top_k=args.top_k)
    if args.json:
        print(json.dumps({"knowledgeBaseIdentifier": kb.identifier, "method": args.method,
                          "passages": [p.to_dict() for p in passages]}, ensure_ascii=False))
        return 0
    noun = "passage" if len(passages) == 1 else "passages"
    print(f"{kb.identifier}: {len(passages)} {noun} ({args.method}, top {args.top_k})")
    if not passages:
        print("  no matching passage")
    for rank, p in enumerate(passages, start=1):
        print(f"{rank:>3}. {p.score:.4f}  {p.id}")
        print(f"     {_one_line(p.text)}")
    return 0


def _info(args: argparse.Namespace) -> int:
    from ..retrieval import KnowledgeBase

    kb = KnowledgeBase.load(args.kb)
    info = kb.info()
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    m, c = info["model"], info["chunking"]
    print(f"knowledge base {info['identifier']}  ({info['path']})")
    print(f"  documents {info['n_docs']}, chunks {info['n_chunks']} "
          f"({c['chunk_words']} words, overlap {c['overlap']}); "
          f"{info.get('truncated_chunks', 0)} truncated at {m['max_seq_length']} tokens")
    pkg = f", {m['package']} {m['package_version']}" if m.get("package") else ""
    print(f"  model {m['name']} ({m['dim']} dims, mean pooling, normalised{pkg})")
    bm = info["bm25"]
    print(f"  bm25 {bm['library']} {bm['method']} k1={bm['k1']} b={bm['b']}, stopwords "
          f"{bm['stopwords']}, no stemmer")
    print(f"  digest {info['digest']}; built by {info['created_by']} from {info['docs_dir']}")
    return 0


def run(args: argparse.Namespace) -> int:
    action = getattr(args, "kb_command", None)
    if action == "build":
        return _build(args)
    if action == "query":
        return _query(args)
    if action == "info":
        return _info(args)
    print("usage: assay kb {build DOCS_DIR,query KB TEXT,info KB}")
    return 2
