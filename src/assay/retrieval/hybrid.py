"""Hybrid retrieval: reciprocal rank fusion (RRF) of the dense and BM25 rankings.

For each ranking ``L`` (dense first, then BM25) a chunk ranked ``r`` in ``L`` (1 = best) gets
``1 / (k + r)``; a chunk's fused score is the sum over the rankings it appears in (Cormack,
Clarke & Buettcher, SIGIR 2009), with ``k = 60`` by default. Each ranking is taken to depth
``max(top_k * 5, 50)`` (:func:`fusion_depth`), so a chunk found by only one retriever can still
be fused; the BM25 ranking holds matching chunks only (a positive score). The fused list is
sorted by score descending, ties by chunk order, and cut to ``top_k``. Only ranks are used, so
the scores' scales (cosine vs BM25) do not matter; the passage ``score`` is the RRF score.
"""

from __future__ import annotations

from collections.abc import Sequence

from assay.errors import ConfigError

__all__ = ["RRF_K", "fusion_depth", "reciprocal_rank_fusion"]

RRF_K = 60


def fusion_depth(top_k: int) -> int:
    """How deep each ranking is taken before fusion: ``max(top_k * 5, 50)``."""
    return max(top_k * 5, 50)


def reciprocal_rank_fusion(rankings: Sequence[Sequence[int]], *, top_k: int,
                           k: int = RRF_K) -> list[tuple[int, float]]:
    """Fuse rankings of chunk indices (best first) into ``top_k`` ``(chunk index, score)``."""
    if isinstance(k, bool) or not isinstance(k, int) or k < 0:
        raise ConfigError(f"must be a non-negative integer, got {k!r}", field="rrf_k")
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, idx in enumerate(ranking, start=1):
            scores[idx] = scores.get(idx, 0.0) + 1.0 / (k + rank)
    fused = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return [(int(i), float(s)) for i, s in fused[:top_k]]
