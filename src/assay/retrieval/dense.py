"""Exact dense search: cosine similarity of unit vectors, as a matrix product with numpy.

The knowledge base keeps its chunk embeddings as one float32 ``(n_chunks, dim)`` matrix of
L2-normalised rows (``embeddings.npy``); a query's score for a chunk is the dot product of the
two unit vectors, i.e. their cosine. Every chunk is scored (no approximate index), ranked by
score descending with ties broken by chunk order (a stable sort), so results are deterministic.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from assay.errors import ConfigError

__all__ = ["DenseIndex"]


class DenseIndex:
    """Exact cosine search over a matrix of unit vectors."""

    def __init__(self, matrix: np.ndarray) -> None:
        matrix = np.asarray(matrix, dtype=np.float32)
        if matrix.ndim != 2:
            raise ConfigError(f"embeddings must be a 2-d matrix, got shape {matrix.shape}",
                              field="embeddings")
        self.matrix = matrix

    @property
    def n(self) -> int:
        return int(self.matrix.shape[0])

    @property
    def dim(self) -> int:
        return int(self.matrix.shape[1])

    def save(self, path: str | Path) -> None:
        np.save(Path(path), self.matrix, allow_pickle=False)

    @classmethod
    def load(cls, path: str | Path) -> "DenseIndex":
        try:
            return cls(np.load(Path(path), allow_pickle=False))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot read the embeddings: {' '.join(str(exc).split())[:200]}",
                              file=path) from None

    def search_many(self, queries: np.ndarray, top_k: int) -> list[list[tuple[int, float]]]:
        """For each query vector (rows of ``queries``), the ``top_k`` best ``(chunk index,
        cosine)`` pairs, best first."""
        q = np.asarray(queries, dtype=np.float32)
        if q.ndim == 1:
            q = q[None, :]
        if q.shape[1] != self.dim:
            raise ConfigError(f"query vectors have {q.shape[1]} dimensions, the index has "
                              f"{self.dim}", field="embeddings")
        scores = q @ self.matrix.T
        out = []
        for row in scores:
            order = np.argsort(-row, kind="stable")[:top_k]
            out.append([(int(i), float(row[i])) for i in order])
        return out

    def search(self, query: np.ndarray, top_k: int) -> list[tuple[int, float]]:
        return self.search_many(query, top_k)[0]
