"""The BM25 index of a knowledge base, with the ``bm25s`` library.

**Tokens.** ``bm25s.tokenize`` with its defaults for English: lowercase, words of two or more
word characters (``(?u)\\b\\w\\w+\\b``), bm25s's English stopword list removed, no stemmer.
Queries are tokenised the same way; query tokens not in the corpus vocabulary are dropped.

**Scores.** bm25s's default ``method="lucene"`` with ``k1=1.5, b=0.75``: for a query with
tokens ``t`` (repeats count again), the score of a chunk ``d`` is

    sum_t  log(1 + (N - df_t + 0.5) / (df_t + 0.5)) * tf_td / (tf_td + k1 * (1 - b + b * |d| / avgdl))

(``N`` chunks, ``df_t`` chunks containing ``t``, ``|d|`` the chunk's token count, ``avgdl`` the
mean). **Ranking.** Only chunks with a positive score are returned (a chunk sharing no token
with the query is not a match), by score descending, ties by chunk order. The index is saved
with bm25s's own ``save`` into ``<kb>/bm25/`` and read back with ``BM25.load``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assay.errors import ConfigError, MissingDependency

__all__ = ["BM25_PARAMS", "BM25Index", "tokenize"]

#: what the manifest records about the BM25 index
BM25_PARAMS = {"library": "bm25s", "method": "lucene", "k1": 1.5, "b": 0.75,
               "lowercase": True, "stopwords": "en", "stemmer": None}


def _bm25s() -> Any:
    try:
        import bm25s
    except ImportError:
        raise MissingDependency("bm25s", "rag", "the knowledge base's BM25 index") from None
    return bm25s


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Each text's tokens (see the module docstring)."""
    bm25s = _bm25s()
    if not texts:
        return []
    out = bm25s.tokenize(list(texts), lower=True, stopwords="en", stemmer=None,
                         return_ids=False, show_progress=False)
    return [list(t) for t in out]


class BM25Index:
    """A bm25s index over chunk texts, returning ``(chunk index, score)`` rankings."""

    def __init__(self, retriever: Any) -> None:
        self.retriever = retriever
        self.n = int(retriever.scores["num_docs"])

    @classmethod
    def build(cls, texts: Sequence[str]) -> "BM25Index":
        bm25s = _bm25s()
        if not texts:
            raise ConfigError("a BM25 index needs at least one chunk", field="chunks")
        retriever = bm25s.BM25(method=BM25_PARAMS["method"], k1=BM25_PARAMS["k1"],
                               b=BM25_PARAMS["b"])
        retriever.index(tokenize(texts), show_progress=False)
        return cls(retriever)

    def save(self, folder: str | Path) -> None:
        self.retriever.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: str | Path) -> "BM25Index":
        bm25s = _bm25s()
        try:
            retriever = bm25s.BM25.load(str(folder), load_corpus=False, show_progress=False)
        except (OSError, ValueError, KeyError) as exc:
            raise ConfigError(f"cannot read the BM25 index: {' '.join(str(exc).split())[:200]}",
                              file=folder) from None
        return cls(retriever)

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        """The BM25 score of every chunk for one tokenised query (float32, chunk order)."""
        ids = self.retriever.get_tokens_ids(list(tokens))
        ids = [i for i in ids if self.retriever.vocab_dict.get("") != i]
        if not ids:
            return np.zeros(self.n, dtype=np.float32)
        return np.asarray(self.retriever.get_scores_from_ids(ids), dtype=np.float32)

    def search(self, query: str, top_k: int) -> list[tuple[int, float]]:
        return self.search_tokens(tokenize([query])[0], top_k)

    def search_tokens(self, tokens: Sequence[str], top_k: int) -> list[tuple[int, float]]:
        """The ``top_k`` best positive-score chunks, score descending, ties by chunk order."""
        s = self.scores(tokens)
        order = np.argsort(-s, kind="stable")
        out = []
        for i in order[:top_k]:
            if s[i] <= 0:
                break
            out.append((int(i), float(s[i])))
        return out
