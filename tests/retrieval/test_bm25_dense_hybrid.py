"""BM25 scores against the formula by hand, exact dense search, and reciprocal rank fusion."""

from __future__ import annotations

import math

import numpy as np
import pytest

from assay.errors import ConfigError, MissingDependency
from assay.retrieval.bm25 import BM25Index, tokenize
from assay.retrieval.dense import DenseIndex
from assay.retrieval.hybrid import fusion_depth, reciprocal_rank_fusion

pytest.importorskip("bm25s")

CORPUS = ["Apple banana apple.", "Banana cherry", "cherry date elderberry fig",
          "The grape and the kiwi"]


def _by_hand(query: list[str], docs: list[list[str]], k1=1.5, b=0.75) -> list[float]:
    """bm25s's default (method="lucene") score, written out."""
    n = len(docs)
    avgdl = sum(len(d) for d in docs) / n
    out = []
    for d in docs:
        s = 0.0
        for t in query:
            df = sum(1 for x in docs if t in x)
            if df == 0:
                continue
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            tf = d.count(t)
            s += idf * tf / (tf + k1 * (1 - b + b * len(d) / avgdl))
        out.append(s)
    return out


def test_tokenize_lowercases_and_drops_english_stopwords():
    assert tokenize(CORPUS) == [["apple", "banana", "apple"], ["banana", "cherry"],
                                ["cherry", "date", "elderberry", "fig"], ["grape", "kiwi"]]


@pytest.mark.parametrize("query", ["apple", "banana cherry", "cherry cherry fig", "kiwi apple"])
def test_bm25_scores_match_the_formula(query):
    index = BM25Index.build(CORPUS)
    expect = _by_hand(tokenize([query])[0], tokenize(CORPUS))
    assert np.allclose(index.scores(tokenize([query])[0]), expect, rtol=1e-5, atol=1e-7)


def test_bm25_ranking_only_matches_ties_by_order_and_unknown_words():
    index = BM25Index.build(CORPUS)
    assert [i for i, _ in index.search("elderberry", 10)] == [2]
    hits = index.search("banana", 10)
    assert [i for i, _ in hits] == [1, 0]          # the shorter chunk scores higher
    assert index.search("durian the", 10) == []     # unknown word + stopword: no match
    assert len(index.search("banana cherry apple", 2)) == 2


def test_bm25_save_load_round_trip(tmp_path):
    index = BM25Index.build(CORPUS)
    index.save(tmp_path / "bm25")
    again = BM25Index.load(tmp_path / "bm25")
    for q in ("apple", "cherry fig", "grape"):
        assert again.search(q, 4) == index.search(q, 4)


def test_missing_bm25s_names_the_extra(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "bm25s", None)
    with pytest.raises(MissingDependency, match=r"pip install 'assay\[rag\]'"):
        tokenize(["x"])


def test_dense_exact_search_ties_by_chunk_order(tmp_path):
    m = np.array([[1, 0], [0, 1], [1, 0], [0.6, 0.8]], dtype=np.float32)
    index = DenseIndex(m)
    hits = index.search(np.array([1, 0], dtype=np.float32), 3)
    assert [i for i, _ in hits] == [0, 2, 3]
    assert hits[2][1] == pytest.approx(0.6)
    many = index.search_many(np.array([[0, 1], [0.6, 0.8]], dtype=np.float32), 2)
    assert [[i for i, _ in h] for h in many] == [[1, 3], [3, 1]]
    index.save(tmp_path / "e.npy")
    assert np.array_equal(DenseIndex.load(tmp_path / "e.npy").matrix, m)
    with pytest.raises(ConfigError):
        index.search(np.zeros(3, dtype=np.float32), 1)


def test_rrf_by_hand():
    # dense: 3, 1, 2   bm25: 1, 4
    # 1: 1/62 + 1/61; 3: 1/61; 4: 1/62; 2: 1/63
    fused = reciprocal_rank_fusion([[3, 1, 2], [1, 4]], top_k=10)
    assert [i for i, _ in fused] == [1, 3, 4, 2]
    assert fused[0][1] == pytest.approx(1 / 62 + 1 / 61)
    assert fused[3][1] == pytest.approx(1 / 63)
    # a tie (1/61 each) goes to the earlier chunk
    assert [i for i, _ in reciprocal_rank_fusion([[5], [2]], top_k=2)] == [2, 5]
    assert [i for i, _ in reciprocal_rank_fusion([[3, 1, 2], [1, 4]], top_k=2, k=0)] == [1, 3]
    assert fusion_depth(3) == 50 and fusion_depth(20) == 100
